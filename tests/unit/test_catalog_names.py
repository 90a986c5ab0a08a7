"""Table-name parsing and type formatting used by describe_table."""

import pytest

from azsql_mcp.catalog import CatalogError, format_sql_type, parse_table_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Customer", (None, "Customer")),
        ("SalesLT.Customer", ("SalesLT", "Customer")),
        ("[SalesLT].[Customer]", ("SalesLT", "Customer")),
        ('"Sales LT"."Order.Lines"', ("Sales LT", "Order.Lines")),
        ("[a]]b].[c]", ("a]b", "c")),
        (" dbo . T ", ("dbo", "T")),
    ],
)
def test_parse_table_name(text, expected):
    assert parse_table_name(text) == expected


@pytest.mark.parametrize("text", ["", "a.b.c", "[open", "a.", ".b"])
def test_unreadable_names_say_how_to_write_them(text):
    with pytest.raises(CatalogError, match=r"schema\.table"):
        parse_table_name(text)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("nvarchar", 100, 0, 0), "nvarchar(50)"),
        (("nvarchar", -1, 0, 0), "nvarchar(max)"),
        (("varbinary", -1, 0, 0), "varbinary(max)"),
        (("char", 10, 0, 0), "char(10)"),
        (("decimal", 9, 19, 4), "decimal(19,4)"),
        (("datetime2", 8, 27, 7), "datetime2(7)"),
        (("int", 4, 10, 0), "int"),
        (("money", 8, 19, 4), "money"),
        (("xml", -1, 0, 0), "xml"),
    ],
)
def test_format_sql_type(args, expected):
    assert format_sql_type(*args) == expected
