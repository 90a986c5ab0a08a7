"""Result columns carry SQL Server's names of their types, as the driver reports them
(SQLColAttribute's SQL_DESC_TYPE_NAME), not a name inferred from pyodbc's Python types:
varchar is not nvarchar, money is not decimal(19,4), xml is not nvarchar(max). Through
Microsoft's ODBC Driver 18 and FreeTDS, for a read, a procedure's result sets and
a write's OUTPUT rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pyodbc
import pytest
from driver_databases import DRIVER_IDS, DRIVERS, make_db

from azsql_mcp import Security
from tds_test_server import ThreadedTdsServer

# column definition -> the name read_data's columns give its type
TYPES = {
    "v varchar(30)": "varchar(30)",
    "vm varchar(max)": "varchar(max)",
    "c char(3)": "char(3)",
    "nv nvarchar(20)": "nvarchar(20)",
    "nc nchar(2)": "nchar(2)",
    "m money": "money",
    "sm smallmoney": "smallmoney",
    "d decimal(9,2)": "decimal(9,2)",
    "n numeric(12,3)": "numeric(12,3)",
    "dt datetime": "datetime",
    "sdt smalldatetime": "smalldatetime",
    "d2 datetime2(3)": "datetime2(3)",
    "t time(4)": "time(4)",
    "x xml": "xml",
    "b binary(4)": "binary(4)",
    "vb varbinary(max)": "varbinary(max)",
    "g uniqueidentifier": "uniqueidentifier",
    "ti tinyint": "tinyint",
}
COLUMNS = ", ".join(definition.split()[0] for definition in TYPES)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as srv:
        cnxn = pyodbc.connect(srv.odbc_connection_string("msodbc"), autocommit=True)
        cnxn.execute(f"CREATE TABLE dbo.Typed (id int IDENTITY(1,1), {', '.join(TYPES)})")
        cnxn.execute("CREATE PROCEDURE dbo.TypedRows AS SELECT v, sm, d2 FROM dbo.Typed")
        cnxn.execute("CREATE TABLE dbo.Places (id int, place geography, plane geometry)")
        cnxn.execute(
            "INSERT INTO dbo.Places VALUES (1, geography::STGeomFromText('POINT (1 2)', 4326),"
            " geometry::STGeomFromText('POINT (1 2)', 4326))"
        )
        cnxn.execute("CREATE PROCEDURE dbo.PlaceRows AS SELECT place, plane FROM dbo.Places")
        cnxn.close()
        yield srv


@pytest.fixture(params=DRIVERS, ids=DRIVER_IDS)
async def db(request: pytest.FixtureRequest, server: ThreadedTdsServer) -> AsyncIterator[Any]:
    database = make_db(server, driver=request.param, security=Security(read_only=False))
    yield database
    await database.close()


async def test_a_reads_columns_are_named_as_sql_server_names_their_types(db: Any) -> None:
    """No row: nothing to infer a type from but what the driver says."""
    result = await db.read(f"SELECT {COLUMNS} FROM dbo.Typed WHERE 1 = 0")
    assert [c.sql_type for c in result.columns] == list(TYPES.values())


async def test_output_rows_are_named_alike(db: Any) -> None:
    result = await db.write(
        "INSERT INTO dbo.Typed (v, m, x) OUTPUT inserted.v, inserted.m, inserted.x"
        " VALUES ('a', 1.5, '<a/>')",
        kinds=["insert"],
        json_values=True,
    )
    assert [c.sql_type for c in result.columns] == ["varchar(30)", "money", "xml"]


async def test_a_procedures_result_sets_are_named_alike(db: Any) -> None:
    called = await db.call_procedure("dbo.TypedRows", {})
    (rows,) = called.result_sets
    assert [c.sql_type for c in rows.columns] == ["varchar(30)", "smallmoney", "datetime2(3)"]


async def test_spatial_columns_of_a_procedure_are_settled_by_the_drivers_names(
    db: Any, request: pytest.FixtureRequest
) -> None:
    """SRID 4326 fits both types and a procedure's result is not described by a round
    trip: Microsoft's driver names the columns' types; FreeTDS leaves them open."""
    called = await db.call_procedure("dbo.PlaceRows", {})
    (rows,) = called.result_sets
    types = [c.sql_type for c in rows.columns]
    if "msodbc" in request.node.name:
        assert types == ["geography", "geometry"]
        assert rows.rows == [["SRID=4326;POINT (1 2)", "SRID=4326;POINT (1 2)"]]
    else:
        assert types == ["geography or geometry", "geography or geometry"]
