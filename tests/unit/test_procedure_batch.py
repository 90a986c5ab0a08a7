"""The batch that calls a declared procedure: names are checked and bracketed, never
spliced as given."""

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.procedures import call_batch, quoted_procedure


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("dbo.uspOrders", "[dbo].[uspOrders]"),
        ("[Sales].[uspOrders]", "[Sales].[uspOrders]"),
        ("uspOrders", "[uspOrders]"),
        ("dbo.uspÜber", "[dbo].[uspÜber]"),  # a regular identifier in another script
    ],
)
def test_procedure_names_are_bracketed(name: str, quoted: str) -> None:
    assert quoted_procedure(name) == quoted


@pytest.mark.parametrize(
    "name", ["dbo.x]; DROP TABLE t--", "dbo.[a]]b]", "dbo.1abc", "a.b.c", "dbo.x y", ""]
)
def test_anything_but_a_schema_and_a_name_is_refused(name: str) -> None:
    with pytest.raises(QueryRefused, match="is not a procedure name"):
        quoted_procedure(name)


def test_parameters_are_bound_and_outputs_declared() -> None:
    batch, columns, order = call_batch("dbo.p", ["v", "Größe"], {"Größe": "int"})
    assert "@v = ?" in batch and "DECLARE @__rc int, @__o_Größe int = ?" in batch
    assert "@Größe = @__o_Größe OUTPUT" in batch
    assert columns == ["return_value", "Größe"] and order == ["Größe", "v"]
    with pytest.raises(QueryRefused, match="is not a parameter name"):
        call_batch("dbo.p", ["v = 1; DROP TABLE t"], {})
    with pytest.raises(QueryRefused, match="is not a SQL type"):
        call_batch("dbo.p", [], {"x": "int; DROP TABLE t"})
