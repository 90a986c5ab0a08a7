"""Declared parameters against their procedure's SQL types (fitting.py): the bounds a
declaration leaves out are the type's, and a wider one is a problem."""

from __future__ import annotations

from decimal import Decimal

from azsql_mcp.plugins.builtin_declared.fitting import fitted, refuse_unstorable
from azsql_mcp.plugins.builtin_declared.model import ToolDecl
from azsql_mcp.plugins.builtin_declared.parameters import CatalogParameter


def _param(base: str, max_length: int = 0, precision: int = 0, scale: int = 0) -> CatalogParameter:
    return CatalogParameter("v", base, max_length, precision, scale, is_output=False)


def _fit(spec: dict[str, object], param: CatalogParameter) -> tuple[dict[str, object], list[str]]:
    decl = ToolDecl.model_validate(
        {"procedure": "dbo.p", "description": "x", "parameters": {"v": spec}}
    )
    specs, problems = fitted("t", decl, [param])
    return specs["v"].model_dump(exclude_none=True) if "v" in specs else {}, problems


def test_a_decimal_takes_the_digits_its_type_leaves_room_for() -> None:
    spec, problems = _fit({"type": "decimal"}, _param("decimal", 9, 5, 2))
    assert (spec["max_digits"], spec["decimal_places"], problems) == (5, 2, [])
    # fewer places than the type: the whole digits stay the type's three
    spec, problems = _fit({"type": "decimal", "decimal_places": 1}, _param("decimal", 9, 5, 2))
    assert (spec["max_digits"], spec["decimal_places"], problems) == (4, 1, [])
    _, problems = _fit({"type": "decimal", "max_digits": 6}, _param("decimal", 9, 5, 2))
    assert problems == [
        "tools.t.parameters.v: max_digits 6 allows values that do not fit: @v of dbo.p is"
        " decimal(5,2); set max_digits = 5 or less"
    ]


def test_money_bounds_an_undeclared_range() -> None:
    spec, problems = _fit({"type": "decimal"}, _param("smallmoney", 4, 10, 4))
    assert spec["minimum"] == Decimal("-214748.3648") and problems == []


def test_an_integer_into_a_decimal_has_its_whole_digits() -> None:
    spec, problems = _fit({"type": "integer", "minimum": 0}, _param("decimal", 9, 5, 2))
    assert (spec["minimum"], spec["maximum"], problems) == (0, 999, [])


def test_an_integer_into_a_float_stays_where_it_holds_every_integer() -> None:
    spec, problems = _fit({"type": "integer"}, _param("float", 8))
    assert (spec["minimum"], spec["maximum"], problems) == (-(2**53), 2**53, [])
    _, problems = _fit({"type": "integer", "maximum": 2**30}, _param("real", 4))
    assert problems == [
        "tools.t.parameters.v: maximum 1073741824 allows values that do not fit: @v of"
        " dbo.p is real; set maximum = 16777216 or less"
    ]


def test_a_type_without_a_json_form_is_sql_servers_to_convert() -> None:
    spec, problems = _fit({"type": "string"}, _param("xml", -1))
    assert spec == {"type": "string"} and problems == []


def test_text_for_a_uniqueidentifier_is_a_guid_alone() -> None:
    guid = _param("uniqueidentifier", 16)
    assert _fit({"type": "string"}, guid) == ({"type": "string"}, [])
    assert refuse_unstorable("6F9619FF-8B86-D011-B42D-00C04FC964FF", guid, 1252) is None
    # SQL Server would read the first 36 characters
    assert "not one" in (refuse_unstorable("6F9619FF-8B86-D011-B42D-00C04FC964FFx", guid, 1) or "")


def test_varchar_is_measured_in_bytes_of_its_code_page() -> None:
    ansi = _param("varchar", 4)
    assert refuse_unstorable("caf\u00e9", ansi, 1252) is None
    assert "takes 5" in (refuse_unstorable("caf\u00e9", ansi, 65001) or "")
    assert "U+00E9" in (refuse_unstorable("caf\u00e9", ansi, 1251) or "")
    assert refuse_unstorable("\u4e16", ansi, 1) is None  # no codec: not checked
    assert refuse_unstorable("x" * 9000, _param("varchar", -1), 1252) is None


def test_a_lone_surrogate_is_left_to_the_driver_to_refuse() -> None:
    assert refuse_unstorable("a\ud800b", _param("nvarchar", -1), 1252) is None
    assert "U+D800" in (refuse_unstorable("a\ud800b", _param("varchar", 10), 1252) or "")
