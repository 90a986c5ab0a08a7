"""A login whose default language is British, through both ODBC drivers.

"datetime (Transact-SQL)": under a dmy language, '2022-02-01' compared with a datetime
column reads as yyyy-dd-mm (1 February is 2 January); 'yyyymmdd' and ISO 8601 with a
T read alike in every language. A session starts in the language its login (LOGIN7)
names, else in the login's default (CREATE LOGIN ... WITH DEFAULT_LANGUAGE): Microsoft's
driver names none unless told, FreeTDS names us_english. azsql-mcp names the source's
`language` (us_english unless set), so both drivers read dates and report errors alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import DRIVERS, READER, READER_USER, TEST_USER, MakeServer
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", [READER], indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

# The sample's orders of January 2022 (one on 1 January), read three ways
ORDERS = (
    "SELECT @@LANGUAGE AS lang, @@DATEFIRST AS first_day,"
    " (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader WHERE OrderDate < '2022-02-01') AS dashed,"
    " (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader WHERE OrderDate < @before) AS param,"
    " (SELECT COUNT(*) FROM SalesLT.SalesOrderHeader WHERE OrderDate < '20220201') AS plain"
)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=tds_password,
        logins=[f"{READER_USER}:{tds_password}:DEFAULT_LANGUAGE=British"],
    ) as server:
        yield server


async def _orders(app: Any) -> list[Any]:
    async with Client(app) as client:
        result = await client.call_tool(
            "read_data", {"query": ORDERS, "params": {"before": "2022-02-01"}}
        )
    return list(result.structured_content["rows"][0])  # type: ignore[index]


async def test_the_session_is_us_english_whatever_the_logins_default(
    make_azsql_server: MakeServer,
) -> None:
    language, first_day, dashed, param, plain = await _orders(make_azsql_server())
    assert (language, first_day) == ("us_english", 7)
    assert dashed == param == plain > 1  # every order of January, through either driver


async def test_a_source_may_name_the_logins_language(make_azsql_server: MakeServer) -> None:
    app = make_azsql_server(config={"sources": {"main": {"language": "British"}}})
    language, first_day, dashed, param, plain = await _orders(app)
    assert (language, first_day) == ("British", 1)
    assert dashed == param == 1  # before 2 January: the order of 1 January alone
    assert plain > 1
    async with Client(app) as client:
        assert "write 'yyyymmdd' or 'yyyy-mm-ddThh:mm:ss', as main" in (client.instructions or "")


async def test_us_english_sources_are_not_told_about_date_order(
    make_azsql_server: MakeServer,
) -> None:
    async with Client(make_azsql_server()) as client:
        assert "yyyymmdd" not in (client.instructions or "")


async def test_a_declared_tools_date_parameters_are_typed_so_read_alike(
    make_azsql_server: MakeServer,
) -> None:
    """A declared date or datetime parameter is bound as its type, not as text: no
    session language reorders it."""
    january = {
        "description": "Orders of a period",
        "statement": "SELECT COUNT(*) AS n FROM SalesLT.SalesOrderHeader"
        " WHERE OrderDate >= @since AND OrderDate < @before",
        "parameters": {"since": {"type": "date"}, "before": {"type": "datetime"}},
    }
    counts = []
    for language in ("us_english", "British"):
        app = make_azsql_server(
            config={"sources": {"main": {"language": language}}, "tools": {"january": january}}
        )
        async with Client(app) as client:
            result = await client.call_tool(
                "january", {"since": "2022-01-01", "before": "2022-02-01T00:00:00"}
            )
        counts.append(result.structured_content["rows"][0][0])  # type: ignore[index]
    assert counts[0] == counts[1] > 1
