"""SQL Server 2025's built-ins on the test server's default edition, SQL Server 2022 at
compatibility level 160, through both drivers, as the privileged login and the
db_datareader login: the server refuses them as SQL Server 2022 does (195, and 207 for
CURRENT_DATE, a name to it), and read_data says why and what to write instead
(catalog/versions.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SQL_SERVER_2022 = "this is SQL Server 2022 (16.x), database at compatibility level 160."


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT COUNT(*) AS n FROM SalesLT.Customer WHERE REGEXP_LIKE(LastName, N'^A')",
            "'REGEXP_LIKE' is not a recognized built-in function name. REGEXP_LIKE needs SQL"
            f" Server 2025 and later; {SQL_SERVER_2022} Write LIKE and PATINDEX patterns"
            " instead.",
        ),
        (
            "SELECT REGEXP_COUNT(LastName, N'a') AS n FROM SalesLT.Customer",
            "REGEXP_COUNT needs SQL Server 2025 and later;",
        ),
        (
            "SELECT PRODUCT(CustomerID) AS p FROM SalesLT.Customer",
            f"PRODUCT needs SQL Server 2025 and later; {SQL_SERVER_2022} Write"
            " EXP(SUM(LOG(x))) for positive values instead.",
        ),
        (
            "SELECT CustomerID FROM SalesLT.Customer WHERE ModifiedDate < CURRENT_DATE",
            "Invalid column name 'CURRENT_DATE'. CURRENT_DATE needs SQL Server 2025 and"
            f" later; {SQL_SERVER_2022} Write CAST(GETDATE() AS date) instead.",
        ),
    ],
    ids=["regexp-like", "regexp-count", "product", "current-date"],
)
async def test_a_2025_built_in_says_why_and_what_instead(
    mcp_client: Client[Any], query: str, expected: str
) -> None:
    result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
    assert result.is_error
    text = "\n".join(c.text for c in result.content)
    assert expected in text, text
    assert "Did you mean" not in text, text  # not a column near the name


async def test_database_info_names_what_2022_lacks(mcp_client: Client[Any]) -> None:
    result = await mcp_client.call_tool("database_info", {}, raise_on_error=False)
    text = "\n".join(c.text for c in result.content)
    assert "This is SQL Server 2022 (16.x), database at compatibility level 160: do not use" in (
        text
    ), text
    assert "CURRENT_DATE" in text and "REGEXP_REPLACE" in text, text
