"""The scalar functions `azsql-mcp check` looks for in a declared statement
(diagnostics/function_access.py): `schema.function(...)` calls, each once."""

from __future__ import annotations

from azsql_mcp.diagnostics.function_access import called_functions


def test_two_part_calls_are_found_once_in_order() -> None:
    sql = (
        "SELECT dbo.FullName(a, b), [Sales].[Net](x) FROM t"
        " WHERE dbo.FullName(a, b) = @name ORDER BY Sales.Net(x)"
    )
    assert called_functions(sql) == ["[dbo].[FullName]", "[Sales].[Net]"]


def test_a_variables_method_and_an_unparsable_statement_name_none() -> None:
    assert called_functions("SELECT @doc.value('(/a)[1]', 'int')") == []
    assert called_functions("SELECT (((") == []
