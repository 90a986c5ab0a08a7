"""catalog.first_page and cursor_after: where a page of tables ends, and the cursor of
the rest that list_tables and database://tables both give."""

from __future__ import annotations

import pytest

from azsql_mcp import catalog
from azsql_mcp.catalog import TableList, TableSummary


def listing(count: int, *, truncated: bool = False) -> TableList:
    tables = [
        TableSummary(schema_name="dbo", name=f"t{i}", type="table", row_count=i)
        for i in range(count)
    ]
    return TableList(tables=tables, truncated=truncated)


def test_a_page_of_all_there_is_has_no_cursor() -> None:
    found = listing(3)
    assert catalog.first_page(found, 3) is found
    assert catalog.first_page(listing(0), 0).next_cursor is None


def test_a_cut_page_gives_the_position_of_its_last_table() -> None:
    page = catalog.first_page(listing(5), 2)
    assert [t.name for t in page.tables] == ["t0", "t1"] and page.truncated
    assert page.next_cursor is not None
    assert catalog.cursor_after(page.next_cursor) == ("dbo", "t1")
    # what the database left unread is more, though every table read is shown
    whole = catalog.first_page(listing(2, truncated=True), 2)
    assert catalog.cursor_after(whole.next_cursor) == ("dbo", "t1")


def test_a_page_holds_one_table_at_least() -> None:
    assert [t.name for t in catalog.first_page(listing(2), 0).tables] == ["t0"]


def test_a_cursor_it_did_not_give_is_refused_saying_what_it_takes() -> None:
    assert catalog.cursor_after(None) is None
    with pytest.raises(catalog.CatalogError, match="next_cursor of the last list_tables page"):
        catalog.cursor_after("not a cursor")
