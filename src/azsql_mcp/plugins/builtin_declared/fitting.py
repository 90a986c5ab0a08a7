"""A procedure tool's values against the procedure's own parameters (sys.parameters).

SQL Server converts a procedure's argument to the parameter's type without a word: it
cuts a string past the parameter's length, turns a character the code page of a
varchar lacks into '?', rounds a decimal to the parameter's scale and cuts the fraction
of a number bound for an int. So a declared parameter may allow no value that its SQL
type would change: a type that the SQL type does not take unchanged, or a bound wider
than the type's, is a problem naming the key; a bound the declaration leaves out is the
type's. And each string is measured as SQL Server stores it (UTF-16 code units for
nvarchar, bytes of the database's code page for varchar) before the call."""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from azsql_mcp.plugins.builtin_declared.datetimes import refuse_untimely
from azsql_mcp.plugins.builtin_declared.model import PYTHON_TYPES, ParameterDecl, ToolDecl
from azsql_mcp.plugins.builtin_declared.parameters import CatalogParameter

# A declared type -> the input types (of the procedure's parameter, as_input) that take
# each of its values unchanged. A string declared for a type with no JSON form (xml) is
# SQL Server's to convert: it refuses text it cannot read. A string for a binary type
# is not taken: SQL Server converts no text to it implicitly (error 257).
TAKES = {
    # a string for a uniqueidentifier or a time: checked to be one (refuse_unstorable)
    "string": {"string", "uuid", "time"},
    "integer": {"integer", "decimal", "number"},
    "number": {"number"},
    "decimal": {"decimal"},
    "boolean": {"boolean", "integer"},
    "date": {"date", "datetime"},
    "datetime": {"datetime"},
    "time": {"time"},
    "uuid": {"uuid"},
    "binary": {"binary"},
}
UTF8 = 65001
GUID = re.compile(r"^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")


def fitted(
    tool: str, decl: ToolDecl, found: Sequence[CatalogParameter]
) -> tuple[dict[str, ParameterDecl], list[str]]:
    """The declared parameters with the bounds of their SQL types added, and one line
    per declaration that allows a value its SQL type would change."""
    by_name = {p.name.casefold(): p for p in found}
    specs: dict[str, ParameterDecl] = {}
    problems: list[str] = []
    for name, spec in decl.parameters.items():
        param = by_name.get(name.casefold())
        # an OUTPUT parameter's variable starts with the caller's value, converted alike
        sql = None if param is None else param.as_input()
        specs[name] = spec
        if param is None:
            continue
        key = f"tools.{tool}.parameters.{name}"
        what = (
            f"@{param.name} of {decl.procedure} is {param.sql_type}"
            if decl.procedure is not None
            else f"@{param.name} is declared sql_type = {spec.sql_type!r}"
        )
        if sql is None:
            continue
        if sql.type not in TAKES[spec.type]:
            why = (
                "which SQL Server converts no text to implicitly (error 257)"
                if sql.type == "binary"
                else "and SQL Server would silently change a value to fit it"
            )
            problems.append(
                f"{key}: type {spec.type!r} does not fit: {what}, {why}; declare"
                f" type = {sql.type!r}"
            )
            continue
        bounds, wider = _bounds(spec, sql)
        problems += [
            f"{key}: {line} allows values that do not fit: {what}; {fix}" for line, fix in wider
        ]
        try:
            specs[name] = ParameterDecl.model_validate(spec.model_dump() | bounds)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            problems.append(f"{key}: {message} once bounded as {what}")
    return specs, problems


def _bounds(
    spec: ParameterDecl, sql: ParameterDecl
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The bounds `spec` leaves out, taken from `sql`; and (what, fix) for each bound of
    `spec` wider than `sql`'s."""
    add: dict[str, Any] = {}
    wider: list[tuple[str, str]] = []

    def narrow(key: str, mine: Any, theirs: Any, above: bool) -> None:
        if theirs is None:
            return
        if mine is None:
            add[key] = theirs
        elif (mine > theirs) if above else (mine < theirs):
            wider.append(
                (f"{key} {mine}", f"set {key} = {theirs} or {'less' if above else 'more'}")
            )

    if spec.type in ("string", "binary"):
        narrow("max_length", spec.max_length, sql.max_length, True)
        narrow("min_length", spec.min_length, sql.min_length, False)
    low, high = sql.minimum, sql.maximum
    if spec.type == "decimal":
        places = spec.decimal_places if spec.decimal_places is not None else sql.decimal_places
        narrow("decimal_places", spec.decimal_places, sql.decimal_places, True)
        if sql.max_digits is not None and places is not None:
            whole = sql.max_digits - (sql.decimal_places or 0)
            narrow(
                "max_digits", spec.max_digits, whole + min(places, sql.decimal_places or 0), True
            )
    if spec.type == "integer" and sql.type == "decimal" and sql.max_digits is not None:
        # an integer into decimal(p,s): at most p-s digits
        most = 10 ** (sql.max_digits - (sql.decimal_places or 0)) - 1
        low = max(-most, math.ceil(low)) if low is not None else -most
        high = min(most, math.floor(high)) if high is not None else most
    if spec.type == "integer" and sql.type == "number":
        # an integer into a float or real: as far as it holds every integer exactly
        # (2^53, 2^24: 53 and 24 bits of mantissa); real is the one with bounds
        most = 2**24 if sql.maximum is not None else 2**53
        low, high = -most, most
    if spec.type in ("integer", "decimal", "number") and sql.type in (
        "integer",
        "decimal",
        "number",
    ):
        narrow("minimum", spec.minimum, low, False)
        narrow("maximum", spec.maximum, high, True)
    return add, wider


def refuse_unstorable(value: Any, param: CatalogParameter, code_page: int | None) -> str | None:
    """Why SQL Server would change this string bound for `param`, or None: more UTF-16
    code units than an nchar/nvarchar holds (a character outside the Basic Multilingual
    Plane takes two), a character a char/varchar's code page lacks, or more bytes in
    that code page than it holds."""
    base = param.base_type
    if not isinstance(value, str) or base is None:
        return None
    name = f"@{param.name} ({param.sql_type})"
    if base == "uniqueidentifier" and not GUID.match(value):
        # SQL Server reads the first 36 characters of longer text ("uniqueidentifier")
        return (
            f"{name} takes a GUID as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hexadecimal"
            f" digits), and {value!r} is not one; SQL Server would cut longer text to 36"
            " characters. Send the GUID alone."
        )
    if base == "time":  # as the time it stands for, once read as one
        try:
            time = TypeAdapter(PYTHON_TYPES["time"]).validate_python(value)
        except ValidationError:
            return None  # SQL Server refuses text it cannot read as a time
        return refuse_untimely(time, name, base, param.scale)
    if base in ("nchar", "nvarchar"):
        # a lone surrogate counts one unit here; the driver refuses it, naming the value
        units = len(value.encode("utf-16-le", "surrogatepass")) // 2
        if 0 < param.max_length < units * 2:
            return (
                f"{name} holds {param.max_length // 2} UTF-16 code units and this value takes"
                f" {units} (a character outside the Basic Multilingual Plane, such as an emoji,"
                " takes two); SQL Server would cut it. Send a shorter value."
            )
        return None
    if base not in ("char", "varchar", "text") or code_page is None:
        return None
    codec = _codec(code_page)
    if codec is None:
        return None
    try:
        size = len(value.encode(codec))
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        return (
            f"{name} holds characters of code page {code_page} only, which has no"
            f" {bad!r} (U+{ord(bad):04X}); SQL Server would store it as '?'. Send the"
            " value without it."
        )
    if base != "text" and 0 < param.max_length < size:
        return (
            f"{name} holds {param.max_length} bytes of code page {code_page} and this value"
            f" takes {size}; SQL Server would cut it. Send a shorter value."
        )
    return None


def _codec(code_page: int) -> str | None:
    name = "utf-8" if code_page == UTF8 else f"cp{code_page}"
    try:
        return codecs.lookup(name).name
    except LookupError:  # a code page Python has no codec for: not checked
        return None


def check_values(
    params: Mapping[str, Any],
    specs: Mapping[str, ParameterDecl],
    found: Sequence[CatalogParameter],
    code_page: int | None,
) -> list[str]:
    """Every reason a value of `params` would not reach the procedure as it is."""
    by_name = {p.name.casefold(): p for p in found}
    folded = {k.casefold(): v for k, v in specs.items()}
    out = []
    for key, value in params.items():
        spec = folded.get(key.casefold())
        if spec is not None:
            try:
                spec.check_bounds(spec.convert(value, f"{key}:"), f"{key}:")
            except ValueError as exc:
                out.append(str(exc))
                continue
        param = by_name.get(key.casefold())
        if param is None or param.base_type is None:
            continue
        name = f"@{param.name} ({param.sql_type})"
        reason = refuse_unstorable(value, param, code_page) or refuse_untimely(
            value, name, param.base_type, param.scale
        )
        if reason is not None:
            out.append(reason)
    return out
