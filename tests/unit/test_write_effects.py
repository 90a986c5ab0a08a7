"""What the catalog's answer about a write's table means (db/write_effects.py), from rows
built here as SQL Server returns them (INSTEAD OF triggers, a cut answer: the test server
has no INSTEAD OF trigger; tests/integration/test_tools_write_triggers.py meets real
AFTER ones)."""

from azsql_mcp.api import Column, QueryResult
from azsql_mcp.db import write_effects

COLUMNS = [Column(name, "nvarchar(128)") for name in ("kind", "name", "other_table", "what")]


def answer(*rows: tuple[str | None, ...], truncated: bool = False) -> QueryResult:
    return QueryResult(COLUMNS, list(rows), truncated=truncated)


def test_triggers_are_named_with_when_they_fire() -> None:
    result = answer(
        ("trigger", "trAudit", None, "AFTER"),
        ("trigger", "trInstead", None, "INSTEAD OF"),
    )
    assert write_effects.uncounted(result, "INSERT") == [
        "trigger trAudit (AFTER INSERT)",
        "trigger trInstead (INSTEAD OF INSERT)",
    ]


def test_a_key_is_named_once() -> None:
    key = ("foreign key", "FK_C_P", "[dbo].[C]", "SET_NULL")
    assert write_effects.uncounted(answer(key, key), "DELETE") == [
        "foreign key FK_C_P of [dbo].[C] (ON DELETE SET NULL)"
    ]


def test_an_answer_cut_by_the_row_cap_still_refuses_and_says_so() -> None:
    result = answer(("trigger", "tr", None, "AFTER"), truncated=True)
    found = write_effects.uncounted(result, "DELETE")
    assert found == ["trigger tr (AFTER DELETE)", "more, in a list cut by the row cap"]


def test_an_update_asks_only_for_keys_on_the_columns_it_sets() -> None:
    """SQL Server resolves the SET names to column ids, as the UPDATE itself does."""
    sql, values = write_effects.uncounted_statement("[dbo].[P]", "UPDATE", ["code", "Note"])
    assert values == {"table": "[dbo].[P]", "action": "UPDATE", "c0": "code", "c1": "Note"}
    assert (
        "fc.referenced_column_id IN (COLUMNPROPERTY(OBJECT_ID(@table), @c0, 'ColumnId'),"
        " COLUMNPROPERTY(OBJECT_ID(@table), @c1, 'ColumnId'))" in sql
    )
    delete, values = write_effects.uncounted_statement("[dbo].[P]", "DELETE", [])
    assert "COLUMNPROPERTY" not in delete and values == {"table": "[dbo].[P]", "action": "DELETE"}


def test_a_view_or_synonym_is_named_as_what_cannot_be_checked() -> None:
    result = answer(("indirect", "vOrders", None, "VIEW"))
    [found] = write_effects.uncounted(result, "DELETE")
    assert found.startswith("the view itself") and "write to the table" in found
