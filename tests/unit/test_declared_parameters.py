"""Catalog parameters of a declared procedure as tool inputs: the JSON type of each SQL
type, bounds and lengths, and which are not offered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from azsql_mcp.api import Column, QueryResult
from azsql_mcp.plugins.builtin_declared.description import describe
from azsql_mcp.plugins.builtin_declared.model import ToolDecl
from azsql_mcp.plugins.builtin_declared.parameters import (
    CatalogParameter,
    ProcedureCatalog,
    offered,
    problems_of,
)

MONEY = (Decimal("-922337203685477.5808"), Decimal("922337203685477.5807"))


def param(
    base: str, max_length: int = 4, *, name: str = "p", output: bool = False
) -> CatalogParameter:
    return CatalogParameter(name, base, max_length, 0, 0, output)


@pytest.mark.parametrize(
    ("base", "max_length", "expected"),
    [
        ("tinyint", 1, ("integer", 0, 255, None)),
        ("int", 4, ("integer", -(2**31), 2**31 - 1, None)),
        ("bigint", 8, ("integer", -(2**63), 2**63 - 1, None)),
        ("money", 8, ("decimal", MONEY[0], MONEY[1], None)),
        ("decimal", 9, ("decimal", None, None, None)),
        ("float", 8, ("number", None, None, None)),
        ("uniqueidentifier", 16, ("uuid", None, None, None)),
        ("time", 5, ("time", None, None, None)),
        ("varbinary", 4, ("binary", None, None, 4)),
        ("binary", 4, ("binary", None, None, 4)),
        ("image", 16, ("binary", None, None, None)),
        ("real", 4, ("number", -3.4028234663852886e38, 3.4028234663852886e38, None)),
        ("bit", 1, ("boolean", None, None, None)),
        ("date", 3, ("date", None, None, None)),
        ("datetimeoffset", 10, ("datetime", None, None, None)),
        ("smalldatetime", 4, ("datetime", None, None, None)),
        ("nvarchar", 100, ("string", None, None, 50)),
        ("varchar", 30, ("string", None, None, 30)),
        ("nvarchar", -1, ("string", None, None, None)),
    ],
)
def test_each_sql_type_has_its_json_type(
    base: str, max_length: int, expected: tuple[str, float | None, float | None, int | None]
) -> None:
    spec = param(base, max_length).as_input()
    assert spec is not None
    assert (spec.type, spec.minimum, spec.maximum, spec.max_length) == expected
    assert spec.default is None and spec.description is not None
    # binary(n) pads a shorter value: it takes n bytes exactly
    assert spec.min_length == (max_length if base == "binary" else None)


@pytest.mark.parametrize("base", ["xml", "sql_variant", "hierarchyid"])
def test_types_without_a_json_form_are_not_offered(base: str) -> None:
    assert param(base).as_input() is None


def test_declared_output_and_unnamable_parameters_are_not_offered() -> None:
    decl = ToolDecl.model_validate(
        {"procedure": "dbo.p", "description": "x", "parameters": {"Id": {"type": "integer"}}}
    )
    found = [
        param("int", name="ID"),  # declared (names match case-insensitively)
        param("int", name="Count", output=True),
        param("int", name="source"),  # the tools' own argument
        param("int", name="a#b"),
        param("xml", name="Doc"),
        param("nvarchar", 20, name="Name"),
        # a T-SQL name, but some MCP clients refuse a tool list with it as an argument
        param("int", name="Größe"),
    ]
    assert list(offered(decl, found)) == ["Name"]
    described = describe(decl, found)
    assert "@Doc xml, @Größe int.\n" in described  # the end of "Not offered (...): ..."
    assert "A name with letters outside A-Z, which Claude's API" in described


def test_the_description_lists_every_parameter_and_marks_output() -> None:
    decl = ToolDecl.model_validate({"procedure": "dbo.p", "description": "Does p."})
    found = [
        param("int", name="Id"),
        param("int", name="Count", output=True),
        param("xml", -1, name="Doc"),
    ]
    text = describe(decl, found)
    assert "Parameters: @Id int, @Count int OUTPUT, @Doc xml." in text
    assert "OUTPUT values come back in `outputs`." in text
    assert "Not offered (the procedure's default applies): @Doc xml." in text
    assert describe(decl, []).count("Parameters: none.") == 1


class _Catalog:
    """The rows SQL Server gives a login with EXECUTE on dbo.uspRename and no permission
    on the types of its parameters: a CLR or table type it cannot see has no name."""

    source = "main"

    def __init__(self) -> None:
        self.sql = ""

    async def read(self, sql: str, params: Any = None, **_: Any) -> QueryResult:
        self.sql = sql
        columns = [
            "ordinal",
            "object_id",
            "name",
            "base_type",
            "max_length",
            "precision",
            "scale",
            "is_output",
            "user_name",
            "code_page",
        ]
        rows = [
            [0, 1234, "@Name", None, 100, 0, 0, False, "azsql_reader", 1252],
            [0, 1234, "@Label", None, 100, 0, 0, True, "azsql_reader", 1252],
            [0, 1234, "@Count", "int", 4, 10, 0, True, "azsql_reader", 1252],
        ]
        return QueryResult([Column(c, "x") for c in columns], rows)


async def test_a_type_this_login_cannot_see_is_reported_never_named_none() -> None:
    decl = ToolDecl.model_validate({"procedure": "dbo.uspRename", "description": "rename"})
    catalog = ProcedureCatalog()
    catalog.want("dbo.uspRename", None)
    db = _Catalog()
    found = await catalog.procedure(db, "dbo.uspRename")  # type: ignore[arg-type]
    # the base type comes from sys.parameters alone, not from a sys.types row
    assert "sys.types" not in db.sql and "TYPE_NAME(p.system_type_id)" in db.sql
    assert found.parameters is not None
    name, label, _ = found.parameters
    assert name.base_type is None and name.as_input() is None
    assert label.sql_type == "(a type this login cannot see)"
    assert dict(offered(decl, found.parameters)) == {}
    text = describe(decl, found.parameters)
    assert "None" not in text
    assert "@Name (a type this login cannot see)" in text
    problems = problems_of("rename", decl, "main", found)
    assert problems == [
        "tools.rename.procedure: the OUTPUT parameter @Label of 'dbo.uspRename' has a type"
        " this login cannot see (sys.parameters names none), so the call cannot declare its"
        " variable; grant [azsql_reader] VIEW DEFINITION on the type"
    ]
