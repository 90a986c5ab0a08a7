"""The sql_type advice of `azsql-mcp check` for each type SQL Server may deduce, and the
declared statements it reads from the config's tables."""

from __future__ import annotations

from azsql_mcp.diagnostics.statement_types import (
    DeclaredStatement,
    declared_statements,
    sql_type_advice,
)


def test_the_advice_of_each_deduced_type() -> None:
    """char(n) is advised as varchar(n) (a char value is padded, which LIKE sees); a max
    type, which no sql_type holds, and a type SQL Server did not suggest are left."""
    declared = DeclaredStatement("t", "...", ("a", "b", "c", "d", "e"))
    rows = [
        (1, "@a", 175, "char(8)"),
        (2, "@b", 167, "varchar(max)"),
        (3, "@c", 231, "nvarchar(20)"),
        (4, "@D", 167, "VARCHAR(30)"),
        (5, "@e", 240, None),
    ]
    lines = sql_type_advice(declared, rows)
    assert len(lines) == 2
    assert 'sql_type = "varchar(8)" to [tools.t.parameters.a]' in lines[0]
    assert 'sql_type = "varchar(30)" to [tools.t.parameters.d]' in lines[1]


def test_the_statements_of_a_source_and_their_strings_without_sql_type() -> None:
    tools = {
        "b": {"statement": "SELECT 1", "source": "other"},
        "a": {
            "statement": "SELECT @x, @y, @z",
            "parameters": {
                "x": {"type": "string"},
                "y": {"type": "string", "sql_type": "varchar(5)"},
                "z": {"type": "integer"},
            },
        },
        "p": {"procedure": "dbo.p"},
        "z": {"statement": "SELECT @q", "parameters": ["q"]},  # invalid: config says so
    }
    assert declared_statements(tools, "main", "main") == [
        DeclaredStatement("a", "SELECT @x, @y, @z", ("x",)),
        DeclaredStatement("z", "SELECT @q", ()),
    ]
    assert [d.tool for d in declared_statements(tools, "other", "main")] == ["b"]
