"""The scalar functions `azsql-mcp check` looks for in a declared statement
(diagnostics/function_access.py): `schema.function(...)` calls, each once."""

from __future__ import annotations

from typing import Any

from azsql_mcp.diagnostics.function_access import called_functions, uncallable_lines
from azsql_mcp.diagnostics.statement_types import DeclaredStatement


def test_two_part_calls_are_found_once_in_order() -> None:
    sql = (
        "SELECT dbo.FullName(a, b), [Sales].[Net](x) FROM t"
        " WHERE dbo.FullName(a, b) = @name ORDER BY Sales.Net(x)"
    )
    assert called_functions(sql) == ["[dbo].[FullName]", "[Sales].[Net]"]


def test_a_table_valued_function_in_from_or_apply_is_no_scalar_call() -> None:
    """A function read in FROM or under CROSS/OUTER APPLY returns a table: SQL Server
    checks SELECT on it, not EXECUTE ("GRANT Object Permissions"), so `check` warned
    falsely of a missing EXECUTE; its arguments may still call scalar functions."""
    sql = (
        "SELECT f.FirstName, a.x FROM dbo.ufnGetCustomerInformation(1) AS f"
        " CROSS APPLY dbo.Lines(f.CustomerID) AS a OUTER APPLY [Sales].[Notes](dbo.Twice(a.x))"
    )
    assert called_functions(sql) == ["[dbo].[Twice]"]


def test_a_variables_method_and_an_unparsable_statement_name_none() -> None:
    assert called_functions("SELECT @doc.value('(/a)[1]', 'int')") == []
    assert called_functions("SELECT (((") == []


def test_a_function_the_user_cannot_see_is_warned_about_as_one_it_may_not_run() -> None:
    """HAS_PERMS_BY_NAME is NULL for a name that is no object the user sees: under a
    schema of the database that is a missing function or one hidden from the user (no
    permission on it), warned about; under no schema, a method call on a column, not."""
    answers = {
        "[dbo].[Hidden]": ("reader", None, 1),
        "[dbo].[Denied]": ("reader", 0, 1),
        "[dbo].[Granted]": ("reader", 1, 1),
        "[g].[STAsText]": ("reader", None, None),
    }

    def rows(sql: str, *params: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
        return ["user_name", "held", "schema_id"], [answers[params[0]]]

    sql = "SELECT dbo.Hidden(1), dbo.Denied(2), dbo.Granted(3), g.STAsText() FROM t AS g"
    statement = DeclaredStatement(tool="t", statement=sql, strings=())
    lines = uncallable_lines(rows, [statement])
    assert len(lines) == 2, lines
    assert "sees no function [dbo].[Hidden]" in lines[0]
    assert "GRANT EXECUTE ON OBJECT::[dbo].[Hidden] TO [reader];" in lines[0]
    assert "may not run [dbo].[Denied]" in lines[1]
