"""What the catalog's answer about a write's table means (db/write_effects.py): the
test server runs no triggers, so their rows are built here as SQL Server returns them."""

from azsql_mcp.api import Column, QueryResult
from azsql_mcp.db import write_effects

COLUMNS = [Column(name, "nvarchar(128)") for name in ("kind", "name", "other_table", "what")]
COLUMNS.append(Column("key_column", "nvarchar(128)"))


def answer(*rows: tuple[str | None, ...]) -> QueryResult:
    return QueryResult(COLUMNS, list(rows))


def test_triggers_are_named_with_when_they_fire() -> None:
    result = answer(
        ("trigger", "trAudit", None, "AFTER", None),
        ("trigger", "trInstead", None, "INSTEAD OF", None),
    )
    assert write_effects.uncounted(result, "INSERT", ()) == [
        "trigger trAudit (AFTER INSERT)",
        "trigger trInstead (INSTEAD OF INSERT)",
    ]


def test_a_key_is_named_once_and_an_update_must_set_one_of_its_columns() -> None:
    key = ("foreign key", "FK_C_P", "[dbo].[C]", "SET_NULL")
    result = answer((*key, "a"), (*key, "b"))
    assert write_effects.uncounted(result, "DELETE", ()) == [
        "foreign key FK_C_P of [dbo].[C] (ON DELETE SET NULL)"
    ]
    assert write_effects.uncounted(result, "UPDATE", ("note",)) == []
    assert write_effects.uncounted(result, "UPDATE", ("B",)) == [
        "foreign key FK_C_P of [dbo].[C] (ON UPDATE SET NULL)"
    ]


def test_a_view_or_synonym_is_named_as_what_cannot_be_checked() -> None:
    result = answer(("indirect", "vOrders", None, "VIEW", None))
    [found] = write_effects.uncounted(result, "DELETE", ())
    assert found.startswith("the view itself") and "write to the table" in found
