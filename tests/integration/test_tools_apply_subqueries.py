"""read_data running the top rows per group as analysts write it, CROSS/OUTER APPLY of a
derived table correlated with the customer, as both logins (the reader is
db_datareader) through both drivers: the rows of the same query written with
ROW_NUMBER() OVER (PARTITION BY ...), the columns typed as the plain query's."""

from __future__ import annotations

from typing import Any

from fastmcp import Client

TOP_3 = (
    "SELECT c.CustomerID, o.SalesOrderID, o.TotalDue FROM SalesLT.Customer AS c"
    " {apply} (SELECT TOP (3) h.SalesOrderID, h.TotalDue FROM SalesLT.SalesOrderHeader AS h"
    " WHERE h.CustomerID = c.CustomerID ORDER BY h.TotalDue DESC) AS o"
    " WHERE c.CustomerID <= 22 ORDER BY c.CustomerID, o.TotalDue DESC"
)
RANKED = (
    "SELECT c.CustomerID, o.SalesOrderID, o.TotalDue FROM SalesLT.Customer AS c"
    " {join} (SELECT h.CustomerID, h.SalesOrderID, h.TotalDue, ROW_NUMBER() OVER"
    " (PARTITION BY h.CustomerID ORDER BY h.TotalDue DESC) AS n"
    " FROM SalesLT.SalesOrderHeader AS h) AS o ON o.CustomerID = c.CustomerID AND o.n <= 3"
    " WHERE c.CustomerID <= 22 ORDER BY c.CustomerID, o.TotalDue DESC"
)


async def _read(client: Client[Any], query: str) -> tuple[bool, str, Any]:
    result = await client.call_tool("read_data", {"query": query}, raise_on_error=False)
    return result.is_error, result.content[0].text, result.structured_content  # type: ignore[union-attr]


async def test_read_data_reads_the_top_rows_per_customer(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    for apply, join in (("CROSS APPLY", "JOIN"), ("OUTER APPLY", "LEFT JOIN")):
        failed, text, found = await _read(mcp_client, TOP_3.format(apply=apply))
        assert not failed, text
        _, _, ranked = await _read(mcp_client, RANKED.format(join=join))
        assert found["columns"] == ranked["columns"], text
        assert found["rows"] == ranked["rows"] and found["rows"], text
        per_customer = [row[0] for row in found["rows"]]
        assert max(per_customer.count(c) for c in per_customer) == 3, text
    # customer 21 has no order: OUTER APPLY keeps it with NULLs, CROSS APPLY drops it
    _, _, outer = await _read(mcp_client, TOP_3.format(apply="OUTER APPLY"))
    _, _, crossed = await _read(mcp_client, TOP_3.format(apply="CROSS APPLY"))
    assert [21, None, None] in outer["rows"]
    assert all(row[0] != 21 for row in crossed["rows"])
