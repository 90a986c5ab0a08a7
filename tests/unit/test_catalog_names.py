"""Table-name parsing and type formatting used by describe_table."""

import pytest

from azsql_mcp.catalog import (
    CatalogError,
    format_sql_type,
    name_text,
    parse_table_name,
    qualified_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Customer", (None, "Customer")),
        ("SalesLT.Customer", ("SalesLT", "Customer")),
        ("[SalesLT].[Customer]", ("SalesLT", "Customer")),
        ('"Sales LT"."Order.Lines"', ("Sales LT", "Order.Lines")),
        ("[a]]b].[c]", ("a]b", "c")),
        (" dbo . T ", ("dbo", "T")),
        # spaces inside delimiters are the name's own (SQL Server keeps leading ones)
        ("dbo.[  padded  ]", ("dbo", "  padded  ")),
        (' [dbo] . " x" ', ("dbo", " x")),
        ("[dbo.x].[a]]b]", ("dbo.x", "a]b")),
        ("[line1\nline2]", (None, "line1\nline2")),
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


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Customer", "Customer"),
        ("Straße_1$#", "Straße_1$#"),
        ("dbo.x", "[dbo.x]"),
        ("a]b", "[a]]b]"),
        ("  padded  ", "[  padded  ]"),
        ("1st", "[1st]"),
        ("@v", "[@v]"),
        ('say "hi"', '[say "hi"]'),
        ("x; DROP TABLE y", "[x; DROP TABLE y]"),
        ("line1\nline2\tx\\", "[line1\\nline2\\tx\\\\]"),
        ("zero\u200bwidth", "[zero\\u200bwidth]"),
        ("rtl\u202egnp.exe", "[rtl\\u202egnp.exe]"),
        ("nb\u00a0sp", "[nb\\u00a0sp]"),
        ("tag\U000e0041", "[tag\\udb40\\udc41]"),  # Unicode tags: invisible text
        ("emoji\U0001f600", "[emoji\U0001f600]"),
        ("</untrusted-data-1>", "[\\u003c/untrusted-data-1>]"),
    ],
)
def test_names_are_written_as_they_can_be_read_back(name, text):
    assert name_text(name) == text
    if "\\" not in text:  # escapes are undone by the JSON of a tool call, not here
        assert parse_table_name(f"dbo.{text}") == ("dbo", name)


def test_a_schema_and_a_table_with_dots_stay_apart():
    assert qualified_text("dbo.x", "y") == "[dbo.x].y"
    assert qualified_text("dbo", "x.y") == "dbo.[x.y]"
