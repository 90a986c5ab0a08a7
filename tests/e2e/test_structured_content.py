"""Every built-in tool's structuredContent against the outputSchema it advertises, as the
MCP TypeScript SDK's client checks it (with Ajv: `callTool` throws on a mismatch, and on
a tool with an outputSchema that answers a success without structuredContent), here
with a strict JSON Schema 2020-12 validator (MCP's default dialect) and its format
checks. Reads cover every SQL type the drivers return (the CLR types too), NULLs, both
caps, cursors and errors, on a server of this module's own (the writes change data)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from jsonschema import Draft202012Validator
from mcp.types import CallToolResult

from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS, READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)

# One column of each SQL type the drivers return, then the same types as NULL.
TYPES = {
    "bit": "CAST(1 AS bit)",
    "tinyint": "CAST(255 AS tinyint)",
    "smallint": "CAST(-32768 AS smallint)",
    "int": "CAST(2147483647 AS int)",
    "bigint": "CAST(9223372036854775807 AS bigint)",
    "decimal": "CAST(12345678901234567890.1234567891 AS decimal(38, 10))",
    "numeric": "CAST(-123.45 AS numeric(5, 2))",
    "money": "CAST(123456789012.3456 AS money)",
    "smallmoney": "CAST(-214748.3648 AS smallmoney)",
    "float": "CAST(1.5E+300 AS float)",
    "real": "CAST(3.25 AS real)",
    "date": "CAST('0001-01-01' AS date)",
    "time": "CAST('23:59:59.9999999' AS time(7))",
    "datetime": "CAST('2024-02-29T12:34:56.997' AS datetime)",
    "smalldatetime": "CAST('2024-02-29T12:35:00' AS smalldatetime)",
    "datetime2": "CAST('9999-12-31T23:59:59.9999999' AS datetime2(7))",
    "datetimeoffset": "CAST('2024-01-02T03:04:05.1234567+05:30' AS datetimeoffset(7))",
    "char": "CAST('ab' AS char(3))",
    "varchar": "CAST('text' AS varchar(10))",
    "varchar_max": "CAST(REPLICATE('x', 300) AS varchar(max))",
    "nchar": "CAST(N'é' AS nchar(2))",
    "nvarchar": "CAST(N'日本語 ✓' AS nvarchar(20))",
    "nvarchar_max": "CAST(REPLICATE(N'ü', 300) AS nvarchar(max))",
    "binary": "CAST(0x00FF AS binary(4))",
    "varbinary": "CAST(0xDEADBEEF AS varbinary(8))",
    "varbinary_max": "CAST(REPLICATE(CAST(0xAB AS varbinary(max)), 300) AS varbinary(max))",
    "uniqueidentifier": "CAST('6F9619FF-8B86-D011-B42D-00C04FC964FF' AS uniqueidentifier)",
    "xml": "CAST('<a b=\"1\">c</a>' AS xml)",
}
TYPE_MATRIX = "SELECT " + ", ".join(
    [f"{sql} AS [{name}]" for name, sql in TYPES.items()]
    + [f"CAST(NULL AS {sql.rsplit(' AS ', 1)[1]} AS [null_{name}]" for name, sql in TYPES.items()]
)
PAGE = {"query": "SELECT ProductID, Name FROM SalesLT.Product ORDER BY ProductID", "max_rows": 2}

# (tool, arguments) of the read tools; the admin ones are refused to the reader
READS: list[tuple[str, dict[str, Any]]] = [
    ("list_tables", {}),
    ("list_tables", {"schema": "SalesLT", "name_pattern": "Product%"}),
    ("list_tables", {"schema": "nosuch"}),
    ("list_tables", {"column_pattern": "%ID"}),
    ("describe_table", {"table": "SalesLT.Customer"}),
    ("describe_table", {"table": "SalesLT.SalesOrderDetail"}),
    ("describe_table", {"table": "SalesLT.vProductAndDescription"}),
    ("read_data", {"query": TYPE_MATRIX}),
    ("read_data", {"query": "SELECT * FROM dbo.Places"}),
    ("read_data", {"query": "SELECT * FROM SalesLT.Product WHERE ProductID < 0"}),
    (
        "read_data",
        {"query": "SELECT @n AS n, @s AS s, @b AS b", "params": {"n": 1.5, "s": "x", "b": True}},
    ),
    ("read_data", {"query": "SELECT * FROM SalesLT.Customer FOR JSON PATH"}),
    ("read_data", PAGE),
    ("read_data", {"query": "SELECT * FROM SalesLT.Product", "max_rows": 100_000}),
    (
        "explain_query",
        {"query": "SELECT * FROM SalesLT.Customer WHERE CustomerID = @id", "params": {"id": 1}},
    ),
    ("explain_query", {"query": "SELECT 1 AS one", "include_xml": True}),
    ("database_info", {}),
    ("health_check", {}),
    ("list_long_running_queries", {"min_seconds": 0}),
    ("list_available_tools", {}),
]
# Calls that fail: a result with isError, whose structuredContent (if any) is not checked
FAILURES: list[tuple[str, dict[str, Any]]] = [
    ("read_data", {"query": "DELETE FROM SalesLT.Customer"}),
    ("read_data", {"query": "SELECT 1 AS one", "max_rows": "ten"}),
    ("read_data", {"query": "SELECT * FROM SalesLT.Nope"}),
    ("read_data", {"query": "SELECT 1 AS one", "cursor": "not-a-cursor"}),
    ("describe_table", {"table": "SalesLT.Nope"}),
    ("database_info", {"nosuch": 1}),
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database of this module's own, with a table to write to and one of the
    CLR types."""
    with sample_tds_server(
        tds_password,
        setup=[
            "CREATE TABLE dbo.SchemaChecked (id int IDENTITY(1, 1) PRIMARY KEY,"
            " name nvarchar(50) NOT NULL, stamp datetimeoffset(7) NULL)",
            # the CLR types, which read_data returns as their bytes
            "CREATE TABLE dbo.Places (id int, place geography, plane geometry, node hierarchyid)",
            "INSERT INTO dbo.Places VALUES (1, geography::STGeomFromText('POINT (1 2)', 4326),"
            " geometry::STGeomFromText('POINT (1 2)', 0), hierarchyid::Parse('/1/2/'))",
        ],
    ) as server:
        yield server


class Checked:
    """A client's view of the tools: each tool's outputSchema, compiled once, and every
    call's result checked against it."""

    def __init__(self, client: Client[Any]) -> None:
        self.client = client
        self.schemas: dict[str, Draft202012Validator] = {}

    async def list(self) -> list[str]:
        for tool in await self.client.list_tools():
            Draft202012Validator.check_schema(tool.input_schema)
            assert tool.output_schema is not None, f"{tool.name} advertises no outputSchema"
            Draft202012Validator.check_schema(tool.output_schema)
            assert tool.output_schema["type"] == "object"  # MCP asks for an object
            # a field's schema of {} accepts anything: the MCP Inspector's --strict flags it
            unsaid = [name for name, sub in tool.output_schema["properties"].items() if not sub]
            assert not unsaid, f"{tool.name}'s outputSchema says nothing of {unsaid}"
            checker = Draft202012Validator.FORMAT_CHECKER
            self.schemas[tool.name] = Draft202012Validator(
                tool.output_schema, format_checker=checker
            )
        return list(self.schemas)

    async def call(self, tool: str, arguments: dict[str, Any]) -> CallToolResult:
        result = await self.client.call_tool_mcp(tool, arguments)
        if not result.is_error:
            assert result.structured_content is not None, f"{tool} answered no structuredContent"
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.schemas[tool].iter_errors(result.structured_content)
            ]
            assert not errors, (tool, arguments, errors)
        return result


@pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)
async def test_every_read_tool_answers_what_its_output_schema_says(
    make_azsql_server, azsql_principal: str
) -> None:
    app = make_azsql_server(config={"limits": {"max_rows": 50}})
    async with Client(app) as client:
        checked = Checked(client)
        listed = await checked.list()
        refused = (
            {"explain_query", "list_long_running_queries"} if azsql_principal == READER else set()
        )
        for tool, arguments in READS:
            assert tool in listed
            result = await checked.call(tool, arguments)
            assert result.is_error == (tool in refused), (tool, result.content)
        for tool, arguments in FAILURES:
            assert (await checked.call(tool, arguments)).is_error, (tool, arguments)

        # the type matrix came back whole; a cursor's next page, a byte cap
        matrix = (await checked.call("read_data", {"query": TYPE_MATRIX})).structured_content
        assert matrix is not None and len(matrix["rows"][0]) == 2 * len(TYPES)
        # beyond 2**53 a string: JavaScript clients would round a number
        assert matrix["rows"][0][list(TYPES).index("bigint")] == "9223372036854775807"
        first = (await checked.call("read_data", PAGE)).structured_content
        assert first is not None and first["truncated"] and first["next_cursor"]
        more = await checked.call("read_data", {**PAGE, "cursor": first["next_cursor"]})
        assert (
            more.structured_content and more.structured_content["rows"][0][0] > first["rows"][-1][0]
        )

    capped = make_azsql_server(config={"limits": {"max_result_bytes": 2048}})
    async with Client(capped) as client:
        checked = Checked(client)
        await checked.list()
        cut = await checked.call("read_data", {"query": "SELECT * FROM SalesLT.Customer"})
        assert cut.structured_content and cut.structured_content["truncated_by"] == "bytes"


async def test_every_write_tool_answers_what_its_output_schema_says(make_azsql_server) -> None:
    """As the privileged login (the reader may not write)."""
    app = make_azsql_server(config={"security": {"read_only": False}})
    table = "dbo.SchemaChecked"
    async with Client(app) as client:
        checked = Checked(client)
        assert {"insert_data", "update_data", "execute_batch"} <= set(await checked.list())
        writes: list[tuple[str, dict[str, Any]]] = [
            (
                "insert_data",
                {"sql": f"INSERT INTO {table} (name) VALUES (@n)", "params": {"n": "a"}},
            ),
            (
                "insert_data",
                {
                    "sql": f"INSERT INTO {table} (name, stamp)"
                    " OUTPUT inserted.id, inserted.name, inserted.stamp"
                    " VALUES (N'b', SYSDATETIMEOFFSET())"
                },
            ),
            ("update_data", {"sql": f"UPDATE {table} SET name = N'c' WHERE id = 1"}),
            ("update_data", {"sql": f"DELETE FROM {table} OUTPUT deleted.id WHERE id = 2"}),
            ("update_data", {"sql": f"DELETE FROM {table} WHERE id = -1"}),
            (
                "execute_batch",
                {
                    "statements": [
                        f"INSERT INTO {table} (name) OUTPUT inserted.id VALUES (N'd')",
                        f"UPDATE {table} SET name = N'e' WHERE id = 1",
                    ]
                },
            ),
        ]
        for tool, arguments in writes:
            result = await checked.call(tool, arguments)
            assert not result.is_error, (tool, result.content)
        refused = await checked.call("update_data", {"sql": f"DELETE FROM {table}"})
        assert refused.is_error


# Declared tools answer the shapes of read_data, the write tools and a procedure's result.
DECLARED = {
    "cheap_products": {
        "statement": "SELECT ProductID, Name, ListPrice FROM SalesLT.Product"
        " WHERE ListPrice < @below ORDER BY ProductID",
        "description": "products below a price",
        "parameters": {"below": {"type": "decimal"}},
    },
    "echo_big": {
        "statement": "SELECT @n AS n",
        "description": "an integer back",
        "parameters": {"n": {"type": "integer"}},
    },
    "add_name": {
        "statement": "INSERT INTO dbo.SchemaChecked (name) OUTPUT inserted.id VALUES (@name)",
        "description": "adds a name",
        "writes": True,
        "parameters": {"name": {"type": "string", "max_length": 50}},
    },
    "orders": {"procedure": "SalesLT.uspCustomerOrders", "description": "orders of a customer"},
    "products": {"procedure": "SalesLT.uspProductsByCategory", "description": "by category"},
}


async def test_every_declared_tool_answers_what_its_output_schema_says(make_azsql_server) -> None:
    """As the privileged login (the reader holds no EXECUTE on the procedures)."""
    config = {
        "security": {"read_only": False},
        "limits": {"max_rows": 2},
        "tools": DECLARED,
    }
    app = make_azsql_server(config=config)
    async with Client(app) as client:
        checked = Checked(client)
        assert set(DECLARED) <= set(await checked.list())
        first = await checked.call("cheap_products", {"below": "100"})
        page = first.structured_content
        assert page is not None and page["truncated"] and page["next_cursor"]
        more = {"below": "100", "cursor": page["next_cursor"]}
        assert not (await checked.call("cheap_products", more)).is_error
        big = await checked.call("echo_big", {"n": "9223372036854775807"})
        assert big.structured_content and big.structured_content["rows"] == [
            ["9223372036854775807"]
        ]
        added = await checked.call("add_name", {"name": "declared"})
        assert added.structured_content and added.structured_content["rows_affected"] == 1
        orders = await checked.call("orders", {"CustomerID": 17})
        assert orders.structured_content and orders.structured_content["outputs"]
        by_category = await checked.call("products", {"Category": "Saddles"})
        assert by_category.structured_content and by_category.structured_content["result_sets"]
        assert (await checked.call("products", {"Category": "x" * 51})).is_error
