"""DDL, constraints and the SQL Server errors they raise, straight against the engine."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import Done, SessionInfo, TdsError

SCHEMA = """
CREATE SCHEMA Shop
CREATE TABLE [Shop].[Category] (
  [CategoryID] int IDENTITY(1,1) NOT NULL,
  [Name] nvarchar(50) NOT NULL,
  [rowguid] uniqueidentifier ROWGUIDCOL NOT NULL CONSTRAINT [DF_Category_rowguid] DEFAULT (newid()),
  [ModifiedDate] datetime NOT NULL CONSTRAINT [DF_Category_ModifiedDate] DEFAULT (getdate()),
  CONSTRAINT [PK_Category_CategoryID] PRIMARY KEY CLUSTERED ([CategoryID] ASC),
  CONSTRAINT [AK_Category_Name] UNIQUE NONCLUSTERED ([Name] ASC)
)
CREATE TABLE Shop.Product (
  ProductID int IDENTITY(680,1) NOT NULL PRIMARY KEY,
  Name nvarchar(50) NOT NULL,
  ListPrice money NOT NULL CONSTRAINT CK_Product_ListPrice CHECK (ListPrice >= 0.00),
  Weight decimal(8,2) NULL,
  CategoryID int NULL CONSTRAINT FK_Product_Category REFERENCES Shop.Category(CategoryID),
  SellStartDate datetime2(7) NOT NULL DEFAULT SYSDATETIME(),
  Thumb varbinary(max) NULL,
  InStock bit NOT NULL DEFAULT 1,
  Doubled AS (ListPrice * 2)
)
CREATE NONCLUSTERED INDEX IX_Product_Name ON Shop.Product (Name) INCLUDE (ListPrice)
CREATE TABLE dbo.Counter (Id int IDENTITY(10, 5) NOT NULL, Label varchar(20) NULL)
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=99, user="sa", database="shopdb"))
        run(s, SCHEMA)
        run(s, "INSERT INTO Shop.Category (Name) VALUES (N'Bikes'), (N'Helmets')")
        s.close()
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[EngineSession]:
    s = engine.session(SessionInfo(spid=51, user="sa", database="shopdb"))
    s.begin()  # every test's writes are rolled back
    yield s
    if s.trancount:
        s.rollback()
    s.close()


def error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


def test_identity_defaults_and_declared_types_round_trip(session: EngineSession) -> None:
    out = run(
        session,
        "INSERT INTO Shop.Product (Name, ListPrice, Weight, CategoryID)"
        " VALUES ('Road-150', 12.5, 1.25, 1) SELECT * FROM Shop.Product",
    )
    assert out[0] == Done(1)
    columns, data = out[1]
    types = {c.name: (c.type.name, c.type.length, c.type.precision, c.type.scale) for c in columns}
    assert types == {
        "ProductID": ("int", None, None, None),
        "Name": ("nvarchar", 50, None, None),
        "ListPrice": ("money", None, 19, 4),
        "Weight": ("decimal", None, 8, 2),
        "CategoryID": ("int", None, None, None),
        "SellStartDate": ("datetime2", None, None, 7),
        "Thumb": ("varbinary", -1, None, None),
        "InStock": ("bit", None, None, None),
        "Doubled": ("money", None, 19, 4),
    }
    assert not columns[1].type.nullable and columns[3].type.nullable
    row = data[0]
    assert row[:5] == (680, "Road-150", Decimal("12.5000"), Decimal("1.25"), 1)
    assert isinstance(row[5], dt.datetime) and row[6] is None and row[7] is True
    assert row[8] == Decimal("25.0000")
    rowguid, modified = rows(session, "SELECT rowguid, ModifiedDate FROM Shop.Category")[0]
    assert isinstance(rowguid, uuid.UUID) and isinstance(modified, dt.datetime)


def test_scope_identity_and_identity_seed_increment(session: EngineSession) -> None:
    run(session, "INSERT INTO dbo.Counter (Label) VALUES ('a'), ('b')")
    assert rows(session, "SELECT SCOPE_IDENTITY(), @@IDENTITY") == [(Decimal(15), Decimal(15))]
    assert rows(session, "SELECT Id FROM dbo.Counter ORDER BY Id") == [(10,), (15,)]
    run(session, "INSERT INTO Shop.Category (Name) VALUES ('Gloves')")
    assert rows(session, "SELECT CAST(SCOPE_IDENTITY() AS int)") == [(3,)]


def test_explicit_identity_value_needs_identity_insert(session: EngineSession) -> None:
    err = error(session, "INSERT INTO Shop.Category (CategoryID, Name) VALUES (50, 'X')")
    assert err.number == 544 and "IDENTITY_INSERT is set to OFF" in err.message
    run(
        session,
        "SET IDENTITY_INSERT Shop.Category ON"
        " INSERT INTO Shop.Category (CategoryID, Name) VALUES (50, 'X')"
        " SET IDENTITY_INSERT Shop.Category OFF",
    )
    assert rows(session, "SELECT Name FROM Shop.Category WHERE CategoryID = 50") == [("X",)]


def test_duplicate_key_2627(session: EngineSession) -> None:
    err = error(session, "INSERT INTO Shop.Category (Name) VALUES (N'bikes')")
    assert (err.number, err.severity, err.state) == (2627, 14, 1)
    assert err.message == (
        "Violation of UNIQUE KEY constraint 'AK_Category_Name'. Cannot insert duplicate key in"
        " object 'Shop.Category'. The duplicate key value is (bikes)."
    )
    run(session, "SET IDENTITY_INSERT Shop.Category ON")
    err = error(session, "INSERT INTO Shop.Category (CategoryID, Name) VALUES (1, N'Other')")
    assert err.message.startswith("Violation of PRIMARY KEY constraint 'PK_Category_CategoryID'")
    assert err.message.endswith("The duplicate key value is (1).")


def test_unique_index_2601(session: EngineSession) -> None:
    run(
        session,
        "CREATE TABLE dbo.Tagged (Id int NOT NULL, Tag varchar(10))"
        " CREATE UNIQUE INDEX UX_Tag ON dbo.Tagged (Tag)"
        " INSERT INTO dbo.Tagged VALUES (1, 'x')",
    )
    err = error(session, "INSERT INTO dbo.Tagged VALUES (2, 'x')")
    assert err.number == 2601
    assert "with unique index 'UX_Tag'. The duplicate key value is (x)." in err.message


def test_not_null_515(session: EngineSession) -> None:
    err = error(session, "INSERT INTO Shop.Product (Name, ListPrice) VALUES (NULL, 1)")
    assert (err.number, err.state) == (515, 2)
    assert err.message == (
        "Cannot insert the value NULL into column 'Name', table 'shopdb.Shop.Product'; column"
        " does not allow nulls. INSERT fails."
    )


def test_foreign_key_547_both_directions(session: EngineSession) -> None:
    err = error(
        session, "INSERT INTO Shop.Product (Name, ListPrice, CategoryID) VALUES ('X', 1, 99)"
    )
    assert err.number == 547
    assert err.message == (
        'The INSERT statement conflicted with the FOREIGN KEY constraint "FK_Product_Category".'
        ' The conflict occurred in database "shopdb", table "Shop.Category", column'
        " 'CategoryID'."
    )
    run(session, "INSERT INTO Shop.Product (Name, ListPrice, CategoryID) VALUES ('X', 1, 2)")
    err = error(session, "DELETE FROM Shop.Category WHERE CategoryID = 2")
    assert err.number == 547 and "DELETE statement conflicted with the REFERENCE constraint" in (
        err.message
    )
    assert "table \"Shop.Product\", column 'CategoryID'" in err.message


def test_check_constraint_547(session: EngineSession) -> None:
    err = error(session, "INSERT INTO Shop.Product (Name, ListPrice) VALUES ('X', -1)")
    assert err.number == 547
    assert 'CHECK constraint "CK_Product_ListPrice"' in err.message
    assert "column 'ListPrice'" in err.message


def test_create_existing_table_2714_and_drop_missing_3701(session: EngineSession) -> None:
    assert error(session, "CREATE TABLE Shop.Product (a int)").number == 2714
    err = error(session, "DROP TABLE dbo.NoSuchTable")
    assert (err.number, err.severity) == (3701, 11)
    run(session, "DROP TABLE IF EXISTS dbo.NoSuchTable")
    assert error(session, "CREATE TABLE Nope.T (a int)").number == 2760
    assert error(session, "DROP TABLE Shop.Category").number == 3726


def test_a_synonym_without_its_base_5313_and_on_a_linked_server_7202(
    session: EngineSession,
) -> None:
    # "Database engine events and errors": 5313 is severity 16, 7202 severity 11
    run(session, "CREATE SYNONYM dbo.Gone FOR dbo.NotThere")
    run(session, "CREATE SYNONYM dbo.Remote FOR Srv.Sales.dbo.Orders")
    err = error(session, "SELECT * FROM dbo.Gone")
    assert (err.number, err.severity) == (5313, 16)
    err = error(session, "SELECT * FROM dbo.Remote")
    assert (err.number, err.severity) == (7202, 11)


def test_alter_table_add_constraints_after_create(session: EngineSession) -> None:
    run(
        session,
        """
        CREATE TABLE dbo.Parent (Id int NOT NULL, Code nchar(3) NOT NULL)
        CREATE TABLE dbo.Child (Id int NOT NULL, ParentId int NOT NULL, Qty smallint NOT NULL)
        ALTER TABLE dbo.Parent ADD CONSTRAINT PK_Parent PRIMARY KEY CLUSTERED (Id)
        ALTER TABLE [dbo].[Child] WITH CHECK ADD CONSTRAINT [FK_Child_Parent]
            FOREIGN KEY([ParentId]) REFERENCES [dbo].[Parent] ([Id]) ON DELETE CASCADE
        ALTER TABLE [dbo].[Child] CHECK CONSTRAINT [FK_Child_Parent]
        ALTER TABLE dbo.Child ADD CONSTRAINT DF_Child_Qty DEFAULT ((1)) FOR Qty
        ALTER TABLE dbo.Child ADD CONSTRAINT CK_Child_Qty CHECK (Qty > 0)
        INSERT INTO dbo.Parent VALUES (1, 'abc')
        INSERT INTO dbo.Child (Id, ParentId) VALUES (1, 1)
    """,
    )
    assert rows(session, "SELECT Qty FROM dbo.Child") == [(1,)]
    assert rows(session, "SELECT Code FROM dbo.Parent") == [("abc",)]
    assert error(session, "INSERT INTO dbo.Child VALUES (2, 7, 1)").number == 547
    assert error(session, "INSERT INTO dbo.Child VALUES (2, 1, 0)").number == 547
    run(session, "DELETE FROM dbo.Parent")
    assert rows(session, "SELECT COUNT(*) FROM dbo.Child") == [(0,)]
    assert rows(
        session, "SELECT definition FROM sys.default_constraints WHERE name = 'DF_Child_Qty'"
    ) == [("((1))",)]


def test_view_create_select_and_catalog(session: EngineSession) -> None:
    run(
        session,
        "CREATE VIEW Shop.vProduct AS SELECT p.Name, p.ListPrice, c.Name AS Category"
        " FROM Shop.Product p JOIN Shop.Category c ON c.CategoryID = p.CategoryID",
    )
    run(session, "INSERT INTO Shop.Product (Name, ListPrice, CategoryID) VALUES ('Y', 3, 1)")
    columns, data = run(session, "SELECT * FROM Shop.vProduct")[0]
    assert data == [("Y", Decimal("3.0000"), "Bikes")]
    assert [c.type.name for c in columns] == ["nvarchar", "money", "nvarchar"]
    assert rows(
        session,
        "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES"
        " WHERE TABLE_SCHEMA = 'Shop' ORDER BY TABLE_NAME",
    ) == [("Category", "BASE TABLE"), ("Product", "BASE TABLE"), ("vProduct", "VIEW")]
    run(session, "DROP VIEW Shop.vProduct")
    assert error(session, "SELECT * FROM Shop.vProduct").number == 208


def test_truncate_resets_identity_and_drop_table(session: EngineSession) -> None:
    run(
        session,
        "INSERT INTO dbo.Counter (Label) VALUES ('a') TRUNCATE TABLE dbo.Counter"
        " INSERT INTO dbo.Counter (Label) VALUES ('b')",
    )
    assert rows(session, "SELECT Id FROM dbo.Counter") == [(10,)]
    run(session, "CREATE TABLE dbo.Gone (a int) DROP TABLE dbo.Gone")
    assert rows(session, "SELECT OBJECT_ID('dbo.Gone')") == [(None,)]


def test_ddl_rolls_back_with_the_transaction(engine: Engine) -> None:
    s = engine.session(SessionInfo(spid=52, user="sa", database="shopdb"))
    run(s, "BEGIN TRAN CREATE TABLE dbo.Temporary (a int) ROLLBACK")
    assert error(s, "SELECT * FROM dbo.Temporary").number == 208
    assert rows(s, "SELECT COUNT(*) FROM sys.tables WHERE name = 'Temporary'") == [(0,)]
    s.close()


def test_temp_tables_are_per_session(session: EngineSession, engine: Engine) -> None:
    run(
        session,
        "CREATE TABLE #work (Id int IDENTITY(1,1), Note nvarchar(20))"
        " INSERT INTO #work (Note) VALUES (N'x')",
    )
    assert rows(session, "SELECT Id, Note FROM #work") == [(1, "x")]
    other = engine.session(SessionInfo(spid=53, user="sa", database="shopdb"))
    assert error(other, "SELECT * FROM #work").number == 208
    other.close()
