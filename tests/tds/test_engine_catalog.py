"""Catalog views, DMVs, procedures and SHOWPLAN_XML as SQL Server tools query them."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import (
    ColumnType,
    Param,
    ResultSet,
    SessionInfo,
    TdsError,
)

SCHEMA = """
CREATE SCHEMA Sales
CREATE TABLE Sales.Customer (
    CustomerID int IDENTITY(1,1) NOT NULL,
    Name nvarchar(100) NOT NULL,
    Email varchar(50) NULL,
    CreditLimit decimal(12,2) NOT NULL CONSTRAINT DF_Customer_Credit DEFAULT ((0)),
    CONSTRAINT PK_Customer PRIMARY KEY CLUSTERED (CustomerID))
CREATE TABLE Sales.[Order] (
    OrderID int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Order PRIMARY KEY,
    CustomerID int NOT NULL,
    OrderDate datetime NOT NULL DEFAULT (getdate()),
    Total money NOT NULL,
    CONSTRAINT FK_Order_Customer FOREIGN KEY (CustomerID) REFERENCES Sales.Customer (CustomerID))
CREATE INDEX IX_Order_CustomerID ON Sales.[Order] (CustomerID)
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'People who buy things',
    @level0type=N'SCHEMA', @level0name=N'Sales', @level1type=N'TABLE', @level1name=N'Customer'
EXEC sys.sp_addextendedproperty @name=N'MS_Description', @value=N'Display name',
    @level0type=N'SCHEMA', @level0name=N'Sales', @level1type=N'TABLE', @level1name=N'Customer',
    @level2type=N'COLUMN', @level2name=N'Name'
INSERT INTO Sales.Customer (Name) VALUES (N'Ada'), (N'Grace'), (N'Linus')
INSERT INTO Sales.[Order] (CustomerID, Total) VALUES (1, 10), (1, 20), (2, 5)
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=70, user="sa", database="catdb"))
        run(s, SCHEMA)
        s.close()
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="sa", database="catdb", app_name="tool"))
    yield s
    s.close()


def test_information_schema_columns(session: EngineSession) -> None:
    got = rows(
        session,
        """
        SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION,
               NUMERIC_SCALE, IS_NULLABLE, COLUMN_DEFAULT, ORDINAL_POSITION
        FROM INFORMATION_SCHEMA.COLUMNS
        WHERE TABLE_SCHEMA = 'Sales' AND TABLE_NAME = 'Customer'
        ORDER BY ORDINAL_POSITION""",
    )
    assert got == [
        ("CustomerID", "int", None, 10, 0, "NO", None, 1),
        ("Name", "nvarchar", 100, None, None, "NO", None, 2),
        ("Email", "varchar", 50, None, None, "YES", None, 3),
        ("CreditLimit", "decimal", None, 12, 2, "NO", "((0))", 4),
    ]


def test_tables_with_row_counts(session: EngineSession) -> None:
    got = rows(
        session,
        """
        SELECT s.name AS schema_name, t.name AS table_name, SUM(p.rows) AS row_count
        FROM sys.tables t
        JOIN sys.schemas s ON s.schema_id = t.schema_id
        JOIN sys.partitions p ON p.object_id = t.object_id AND p.index_id IN (0, 1)
        GROUP BY s.name, t.name ORDER BY t.name""",
    )
    assert got == [("Sales", "Customer", 3), ("Sales", "Order", 3)]
    assert rows(
        session,
        "SELECT row_count FROM sys.dm_db_partition_stats"
        " WHERE object_id = OBJECT_ID('Sales.Customer')",
    ) == [(3,)]


def test_sys_objects_shape(session: EngineSession) -> None:
    columns, data = run(session, "SELECT * FROM sys.objects WHERE name = 'PK_Customer'")[0]
    assert [c.name for c in columns] == [
        "name",
        "object_id",
        "principal_id",
        "schema_id",
        "parent_object_id",
        "type",
        "type_desc",
        "create_date",
        "modify_date",
        "is_ms_shipped",
        "is_published",
        "is_schema_published",
    ]
    assert columns[5].type == ColumnType("char", 2)
    (row,) = data
    assert row[5] == "PK" and row[6] == "PRIMARY_KEY_CONSTRAINT"
    assert rows(session, "SELECT type FROM sys.objects WHERE name = 'Customer'") == [("U ",)]
    assert rows(session, "SELECT COUNT(*) FROM sys.objects WHERE type = 'U'") == [(2,)]


def test_foreign_keys_with_columns(session: EngineSession) -> None:
    got = rows(
        session,
        """
        SELECT fk.name,
               OBJECT_SCHEMA_NAME(fk.parent_object_id) + '.' + OBJECT_NAME(fk.parent_object_id),
               pc.name, OBJECT_NAME(fk.referenced_object_id), rc.name,
               fk.delete_referential_action_desc
        FROM sys.foreign_keys fk
        JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id
        JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id
             AND pc.column_id = fkc.parent_column_id
        JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id
             AND rc.column_id = fkc.referenced_column_id""",
    )
    assert got == [
        ("FK_Order_Customer", "Sales.Order", "CustomerID", "Customer", "CustomerID", "NO_ACTION")
    ]
    assert rows(
        session,
        "SELECT CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME, DELETE_RULE FROM"
        " INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS",
    ) == [("FK_Order_Customer", "PK_Customer", "NO ACTION")]


def test_indexes_with_columns(session: EngineSession) -> None:
    got = rows(
        session,
        """
        SELECT i.name, i.type_desc, i.is_unique, i.is_primary_key, c.name, ic.key_ordinal
        FROM sys.indexes i
        JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        WHERE i.object_id = OBJECT_ID('Sales.[Order]') ORDER BY i.index_id""",
    )
    assert got == [
        ("PK_Order", "CLUSTERED", True, True, "OrderID", 1),
        ("IX_Order_CustomerID", "NONCLUSTERED", False, False, "CustomerID", 1),
    ]
    assert rows(
        session, "SELECT kc.name, kc.type FROM sys.key_constraints kc ORDER BY kc.name"
    ) == [("PK_Customer", "PK"), ("PK_Order", "PK")]
    assert rows(
        session,
        "SELECT CONSTRAINT_NAME, COLUMN_NAME FROM"
        " INFORMATION_SCHEMA.KEY_COLUMN_USAGE WHERE TABLE_NAME = 'Order'"
        " ORDER BY CONSTRAINT_NAME",
    ) == [("FK_Order_Customer", "CustomerID"), ("PK_Order", "OrderID")]


def test_extended_properties(session: EngineSession) -> None:
    got = rows(
        session,
        """
        SELECT CAST(ep.value AS nvarchar(4000)) FROM sys.extended_properties ep
        WHERE ep.major_id = OBJECT_ID('Sales.Customer') AND ep.minor_id = 0
          AND ep.name = 'MS_Description' AND ep.class = 1""",
    )
    assert got == [("People who buy things",)]
    got = rows(
        session,
        """
        SELECT c.name, ep.value FROM sys.columns c
        LEFT JOIN sys.extended_properties ep ON ep.major_id = c.object_id
             AND ep.minor_id = c.column_id AND ep.name = 'MS_Description'
        WHERE c.object_id = OBJECT_ID(N'[Sales].[Customer]') ORDER BY c.column_id""",
    )
    assert got[:2] == [("CustomerID", None), ("Name", "Display name")]
    with pytest.raises(TdsError) as info:
        run(
            session,
            "EXEC sp_addextendedproperty @name=N'MS_Description', @value=N'x',"
            " @level0type=N'SCHEMA', @level0name=N'Sales', @level1type=N'TABLE',"
            " @level1name=N'Customer'",
        )
    assert info.value.number == 15233


def test_identity_default_and_check_views(session: EngineSession) -> None:
    assert rows(
        session,
        "SELECT name, seed_value, increment_value, last_value FROM"
        " sys.identity_columns WHERE object_id = OBJECT_ID('Sales.Customer')",
    ) == [("CustomerID", 1, 1, 3)]
    assert rows(
        session,
        "SELECT name, definition FROM sys.default_constraints"
        " WHERE parent_object_id = OBJECT_ID('Sales.Customer')",
    ) == [("DF_Customer_Credit", "((0))")]
    _, data = run(
        session,
        "SELECT name, max_length, precision, scale, is_nullable,"
        " TYPE_NAME(system_type_id) FROM sys.columns"
        " WHERE object_id = OBJECT_ID('Sales.Customer')"
        " ORDER BY column_id",
    )[0]
    assert data == [
        ("CustomerID", 4, 10, 0, False, "int"),
        ("Name", 200, 0, 0, False, "nvarchar"),
        ("Email", 50, 0, 0, True, "varchar"),
        ("CreditLimit", 9, 12, 2, False, "decimal"),
    ]
    assert rows(session, "SELECT name FROM sys.types WHERE system_type_id = 231 ORDER BY name") == [
        ("nvarchar",),
        ("sysname",),
    ]


def test_object_functions(session: EngineSession) -> None:
    assert rows(
        session,
        """
        SELECT OBJECT_NAME(OBJECT_ID('Sales.Customer')),
               OBJECT_SCHEMA_NAME(OBJECT_ID('Sales.Order')),
               OBJECT_ID('Sales.Customer', 'U') - OBJECT_ID('[Sales].[Customer]'),
               OBJECT_ID('Sales.Customer', 'V'),
               OBJECT_ID('catdb.Sales.Customer') - OBJECT_ID('Sales.Customer'),
               SCHEMA_NAME(), SCHEMA_NAME(SCHEMA_ID('Sales')), DB_ID(),
               CASE WHEN OBJECT_ID('sys.tables') < 0 THEN 'system' END,
               COL_NAME(OBJECT_ID('Sales.Customer'), 2)""",
    ) == [("Customer", "Sales", 0, None, 0, "dbo", "Sales", 5, "system", "Name")]


def test_databases_files_and_properties(session: EngineSession) -> None:
    assert rows(
        session, "SELECT name, state_desc FROM sys.databases WHERE database_id = DB_ID()"
    ) == [("catdb", "ONLINE")]
    (size,) = rows(session, "SELECT size FROM sys.database_files WHERE type = 0")[0]
    assert size > 0
    # every database has a log file too ("sys.database_files": type 1, data_space_id 0)
    assert rows(
        session,
        "SELECT file_id, type_desc, data_space_id, size FROM sys.database_files WHERE type = 1",
    ) == [(2, "LOG", 0, 1024)]
    assert rows(
        session, "SELECT DATABASEPROPERTYEX(DB_NAME(), 'Collation'), SERVERPROPERTY('ProductLevel')"
    ) == [("SQL_Latin1_General_CP1_CI_AS", "RTM")]


def test_dm_exec_requests_cross_apply_sql_text(engine: Engine, session: EngineSession) -> None:
    other = engine.session(SessionInfo(spid=77, user="bob", database="catdb"))
    thread = threading.Thread(target=lambda: run(other, "WAITFOR DELAY '00:00:20'"))
    thread.start()
    try:
        for _ in range(100):
            got = rows(
                session,
                """
                SELECT r.session_id, r.status, r.command, t.text, s.login_name
                FROM sys.dm_exec_requests r
                CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) AS t
                JOIN sys.dm_exec_sessions s ON s.session_id = r.session_id
                WHERE r.session_id <> @@SPID""",
            )
            if got:
                break
            threading.Event().wait(0.02)
        assert got == [(77, "suspended", "WAITFOR", "WAITFOR DELAY '00:00:20'", "bob")]
    finally:
        other.cancel()
        thread.join()
        other.close()
    assert rows(session, "SELECT COUNT(*) FROM sys.dm_exec_sessions WHERE session_id = @@SPID") == [
        (1,)
    ]


def test_sp_datatype_info_100(session: EngineSession) -> None:
    results = list(
        session.call_procedure(
            "[sys].sp_datatype_info_100",
            [
                Param("@data_type", ColumnType("smallint"), 12),
                Param("@ODBCVer", ColumnType("tinyint"), 4),
            ],
        )
    )
    (result,) = results
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns][:6] == [
        "TYPE_NAME",
        "DATA_TYPE",
        "PRECISION",
        "LITERAL_PREFIX",
        "LITERAL_SUFFIX",
        "CREATE_PARAMS",
    ]
    assert [r[:3] for r in result.rows] == [("varchar", 12, 8000)]
    assert [r[0] for r in rows(session, "sp_datatype_info_100 -9,3")] == ["nvarchar", "sysname"]
    assert [r[0] for r in rows(session, "EXEC sp_datatype_info_100 93, 3")] == [
        "datetime",
        "datetime2",
        "smalldatetime",
    ]


def test_sp_describe_undeclared_parameters(session: EngineSession) -> None:
    (result,) = list(
        session.call_procedure(
            "sp_describe_undeclared_parameters",
            [
                Param(
                    "@tsql",
                    ColumnType("nvarchar", -1),
                    "INSERT INTO Sales.Customer (Name, CreditLimit) VALUES (@P1, @P2)",
                ),
            ],
        )
    )
    assert isinstance(result, ResultSet)
    assert [c.name for c in result.columns][:7] == [
        "parameter_ordinal",
        "name",
        "suggested_system_type_id",
        "suggested_system_type_name",
        "suggested_max_length",
        "suggested_precision",
        "suggested_scale",
    ]
    got = [r[:7] for r in result.rows]
    assert got == [
        (1, "@P1", 231, "nvarchar(100)", 200, 0, 0),
        (2, "@P2", 106, "decimal(12,2)", 9, 12, 2),
    ]
    (result,) = list(
        session.call_procedure(
            "sp_describe_undeclared_parameters",
            [
                Param("@tsql", ColumnType("nvarchar", -1), "SELECT @x"),
            ],
        )
    )
    assert isinstance(result, ResultSet)
    assert [r[3] for r in result.rows] == ["nvarchar(4000)"]


def test_showplan_xml(session: EngineSession) -> None:
    run(session, "SET SHOWPLAN_XML ON")
    out = run(
        session,
        "SELECT * FROM Sales.Customer WHERE Email = 'x'"
        " SELECT * FROM Sales.[Order] WHERE OrderID = 1",
    )
    run(session, "SET SHOWPLAN_XML OFF")
    assert len(out) == 2
    columns, data = out[0]
    assert [c.name for c in columns] == ["Microsoft SQL Server 2005 XML Showplan"]
    ns = {"p": "http://schemas.microsoft.com/sqlserver/2004/07/showplan"}
    scan = ET.fromstring(data[0][0])
    stmt = scan.find("./p:BatchSequence/p:Batch/p:Statements/p:StmtSimple", ns)
    assert stmt is not None and stmt.get("StatementType") == "SELECT"
    assert float(stmt.get("StatementSubTreeCost") or 0) > 0
    relop = stmt.find("./p:QueryPlan/p:RelOp", ns)
    assert relop is not None and relop.get("PhysicalOp") == "Clustered Index Scan"
    assert relop.get("EstimateRows") == "3"
    missing = stmt.find(".//p:MissingIndex/p:ColumnGroup/p:Column", ns)
    assert missing is not None and missing.get("Name") == "[Email]"
    seek = ET.fromstring(out[1][1][0][0]).find(".//p:RelOp", ns)
    assert seek is not None and seek.get("PhysicalOp") == "Clustered Index Seek"
    assert ET.fromstring(out[1][1][0][0]).find(".//p:MissingIndexes", ns) is None
    assert rows(session, "SELECT COUNT(*) FROM Sales.Customer") == [(3,)]  # executes again


def test_showplan_seeks_a_text_columns_index_beside_a_variable(session: EngineSession) -> None:
    """SHOWPLAN_XML declares nothing, so `Name = @n` is planned as compared as text, by
    the column's index (comparisons.py converts the column only beside a variable known
    to be of a number type)."""
    run(session, "CREATE TABLE dbo.Named (Id int PRIMARY KEY, Name nvarchar(20))")
    try:
        run(session, "CREATE INDEX IX_Named_Name ON dbo.Named (Name)")
        run(session, "SET SHOWPLAN_XML ON")
        out = run(
            session, "DECLARE @n nvarchar(20) = N'a'; SELECT Id FROM dbo.Named WHERE Name = @n"
        )
        run(session, "SET SHOWPLAN_XML OFF")
        ns = {"p": "http://schemas.microsoft.com/sqlserver/2004/07/showplan"}
        relop = ET.fromstring(out[1][1][0][0]).find(".//p:RelOp", ns)
        assert relop is not None and relop.get("PhysicalOp") == "Index Seek"
    finally:
        run(session, "SET SHOWPLAN_XML OFF")
        run(session, "DROP TABLE dbo.Named")
