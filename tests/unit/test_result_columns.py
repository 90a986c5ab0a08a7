"""Result columns without a name get one that no other column of the result has."""

from azsql_mcp.api import Column
from azsql_mcp.db.result_columns import result_columns


def test_unnamed_columns_are_named_by_position():
    described = [("", "int"), ("x", "int"), ("", "nvarchar(10)")]
    assert result_columns(described) == [
        Column("(column 1, no name)", "int"),
        Column("x", "int"),
        Column("(column 3, no name)", "nvarchar(10)"),
    ]


def test_a_real_column_of_that_name_keeps_it():
    described = [("", "int"), ("(column 1, no name)", "int")]
    names = [c.name for c in result_columns(described)]
    assert names == ["((column 1, no name))", "(column 1, no name)"]


def test_named_columns_are_left_as_the_server_named_them():
    assert [c.name for c in result_columns([("x", "int"), ("x", "int")])] == ["x", "x"]
