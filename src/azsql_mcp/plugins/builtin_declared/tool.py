"""One declared statement as a tool function: a signature built from the declaration
(so the input schema is typed), values bound as parameters, the same Database calls as
read_data and the write tools (guard, caps, rollback, max_affected_rows, audit)."""

from __future__ import annotations

import datetime as dt
import inspect
import keyword
import math
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from mcp_types import TextContent
from pydantic import BaseModel, Field

from azsql_mcp import Database, DatabaseError, ToolContext, WriteKind
from azsql_mcp.catalog import access, memory_optimized
from azsql_mcp.plugins.builtin_declared.datetimes import (
    refuse_finer_than_milliseconds as finer_than_ms,
)
from azsql_mcp.plugins.builtin_declared.fitting import check_values, fitted
from azsql_mcp.plugins.builtin_declared.model import (
    BIGINT,
    HEX,
    INTEGER_TEXT,
    ParameterDecl,
    ToolDecl,
)
from azsql_mcp.plugins.builtin_declared.statement_types import (
    CodePage,
    declared_types,
    needs_code_page,
)
from azsql_mcp.values import (
    MAX_SAFE_INTEGER,
    call_fingerprint,
    decode_cursor,
    encode_cursor,
    render_result,
    render_write,
    result_to_structured,
    write_to_structured,
)

READ_HINTS = {
    "readOnlyHint": True,
    "destructiveHint": False,
    "idempotentHint": True,
    "openWorldHint": False,
}
WRITE_HINTS = {
    "readOnlyHint": False,
    "destructiveHint": True,
    "idempotentHint": False,
    "openWorldHint": False,
}
CURSOR = "cursor"
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def make_tool(name: str, decl: ToolDecl) -> Callable[..., Awaitable[ToolResult]]:
    """The async function FastMCP calls for `[tools.NAME]` (ToolContext injected)."""
    statement = decl.statement or ""
    claimed = {p: d for p, d in decl.parameters.items() if d.from_claim is not None}
    # the parameters with a sql_type: bounded by it, checked and sent as it
    typed = declared_types(decl)
    specs = fitted(name, decl, typed)[0]
    sql_types = {p.name: p.sql_type for p in typed} or None
    code_page = CodePage()

    real = python_names(decl.parameters)

    async def declared_tool(ctx: ToolContext, **arguments: Any) -> ToolResult:
        cursor = arguments.pop(CURSOR, None)
        given = {real.get(k, k): v for k, v in arguments.items()}
        given |= claimed_values(name, claimed, ctx.client.claims)
        cut = [why for key, value in given.items() if (why := finer_than_ms(value, key))]
        if typed:  # what SQL Server would change converting it to its sql_type
            page = await code_page.of(ctx.db) if needs_code_page(typed) else None
            cut += check_values(given, specs, typed, page)
        if cut:
            raise ToolError(f"{name}: " + "\n".join(cut))
        params = {key: sql_value(key, value) for key, value in given.items()}
        if decl.writes:
            kinds: list[WriteKind] = ["insert", "update", "delete"]
            write = ctx.db.write(
                statement, params, kinds=kinds, json_values=True, sql_types=sql_types
            )
            result = await advised(ctx.db, write)
            written = write_to_structured(result, max_rows=ctx.db.limits.max_rows)
            return respond(written, render_write(written, name))
        fingerprint = call_fingerprint(ctx.source, name, params)
        offset = decode_cursor(cursor, fingerprint) if cursor else 0
        read = ctx.db.read(statement, params, offset=offset, json_values=True, sql_types=sql_types)
        result = await advised(ctx.db, read)
        next_cursor = None
        if result.truncated and result.next_offset is not None:
            next_cursor = encode_cursor(result.next_offset, fingerprint)
        structured = result_to_structured(result, next_cursor=next_cursor)
        return respond(structured, render_result(structured))

    parameters = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=ToolContext)
    ]
    for param, spec in specs.items():
        if spec.from_claim is None:
            parameters.append(
                parameter(param, noted(spec, TO_UTC), python=python_name(real, param))
            )
    if not decl.writes:
        cursor_type = Annotated[
            str | None, Field(description="next_cursor from the previous page of this tool")
        ]
        parameters.append(inspect.Parameter(CURSOR, _KEYWORD, default=None, annotation=cursor_type))
    # required parameters first: Python signatures want them before those with defaults
    parameters[1:] = sorted(parameters[1:], key=lambda p: p.default is not inspect.Parameter.empty)
    signature = inspect.Signature(parameters, return_annotation=ToolResult)
    declared_tool.__signature__ = signature  # type: ignore[attr-defined]
    declared_tool.__annotations__ = {p.name: p.annotation for p in parameters} | {
        "return": ToolResult
    }
    declared_tool.__name__ = declared_tool.__qualname__ = name
    declared_tool.__doc__ = decl.description
    return declared_tool


T = TypeVar("T")


async def advised(db: Database, call: Awaitable[T]) -> T:
    """The call's result; SQL Server's error 41368 (a memory-optimized table in the
    transaction every call runs in) says which table hint lets it through, and error 229
    or 230 the GRANT that allows the statement (EXECUTE on a function it calls, SELECT or
    the write's permission on a table or column, a state permission on a DMV), as
    read_data's and the write tools' do."""
    try:
        return await call
    except DatabaseError as e:
        advice = (
            await access.call_missing(db, e)
            or await access.statement_missing(db, e)
            or await access.state_missing(db, e)
            or await memory_optimized.isolation_advice(db, e)
        )
        if advice is None:
            raise
        raise e.reworded(advice) from e


def python_names(names: Iterable[str]) -> dict[str, str]:
    """The Python name of each parameter whose name is a Python keyword (@from, @class),
    which no Python signature takes: '_' appended until it is neither a keyword nor
    another name (or the tools' own `ctx`, `cursor`). Maps it to the parameter's name,
    which the input schema keeps (an alias)."""
    names = list(names)
    taken = {*names, "ctx", CURSOR}
    renamed = {}
    for name in names:
        python = name
        while keyword.iskeyword(python):
            python += "_"
            while python in taken:
                python += "_"
        if python != name:
            taken.add(python)
            renamed[python] = name
    return renamed


def python_name(renamed: Mapping[str, str], name: str) -> str:
    return next((python for python, real in renamed.items() if real == name), name)


def parameter(
    name: str, spec: ParameterDecl, *, optional: bool = False, python: str | None = None
) -> inspect.Parameter:
    """The keyword parameter of one declared parameter; `optional`: omitted, it is None
    (a default factory, not a default, so that the schema shows no `"default": null`);
    `python`: its name in the signature, when `name` cannot be one (see python_names)."""
    base: Any = spec.python_type
    if spec.enum is not None:
        base = Literal.__getitem__(tuple(spec.enum))
    bounds: dict[str, Any] = {}
    if spec.type == "integer":
        # an integer has to fit bigint; a fractional bound is narrowed, never widened
        low, high = BIGINT
        if spec.minimum is not None:
            low = max(low, math.ceil(spec.minimum))
        if spec.maximum is not None:
            high = min(high, math.floor(spec.maximum))
        bounds["ge"], bounds["le"] = low, high
        if spec.enum is None and max(-low, high) > MAX_SAFE_INTEGER:
            bounds["json_schema_extra"] = _digit_strings
    else:
        exact = spec.type == "decimal"  # a float bound from the config, as written
        if spec.minimum is not None:
            bounds["ge"] = Decimal(str(spec.minimum)) if exact else spec.minimum
        if spec.maximum is not None:
            bounds["le"] = Decimal(str(spec.maximum)) if exact else spec.maximum
    if spec.min_length is not None:
        bounds["min_length"] = spec.min_length
    if spec.max_length is not None:
        bounds["max_length"] = spec.max_length
    if spec.type == "binary":  # bytes, given as 0x and two digits a byte
        bounds["json_schema_extra"] = _hex_text(spec.min_length, spec.max_length)
    if optional:
        bounds["default_factory"] = _none
    if python is not None and python != name:
        bounds["alias"] = name
    annotation = Annotated[base, Field(description=spec.description, **bounds)]
    default = inspect.Parameter.empty if spec.default is None else spec.default
    return inspect.Parameter(python or name, _KEYWORD, default=default, annotation=annotation)


TO_UTC = (
    "A value with a UTC offset is passed as the same instant in UTC, without the offset;"
    " at most 3 decimals of a second."
)


def noted(spec: ParameterDecl, note: str) -> ParameterDecl:
    """A declared datetime parameter with what happens to an offset in its description."""
    if spec.type != "datetime":
        return spec
    text = f"{spec.description} {note}" if spec.description else note
    return spec.model_copy(update={"description": text})


def sql_value(name: str, value: Any, sql_type: str | None = None) -> Any:
    """A validated value as it is bound for a parameter of `sql_type` (None: unknown).

    pyodbc binds a datetime without its tzinfo and cut to the millisecond, so an aware
    one would reach SQL Server as its wall-clock time at +00:00 (the wrong instant) and
    a datetime2 or datetimeoffset would lose its microseconds. For those two types it
    goes as ISO 8601 text (`2024-01-02T03:04:05.123456+05:00`), which SQL Server
    converts exactly whatever SET LANGUAGE and SET DATEFORMAT say. Otherwise an aware
    value is converted to UTC (the same instant, without an offset); a datetime or
    smalldatetime keeps the driver's binding, as such text with more than 3 decimals
    would not convert to datetime."""
    if isinstance(value, uuid.UUID):  # as SQL Server writes one, converted exactly
        return str(value).upper()
    if isinstance(value, dt.time):  # ISO 8601 text, which SQL Server converts exactly
        return value.isoformat()
    if not isinstance(value, dt.datetime):
        return value
    offset = value.utcoffset() or dt.timedelta()
    if sql_type == "datetimeoffset" and offset % dt.timedelta(minutes=1) == dt.timedelta():
        return value.replace(tzinfo=value.tzinfo or dt.UTC).isoformat(timespec="microseconds")
    if value.tzinfo is not None:
        value = _in_utc(name, value)
    if sql_type == "datetime2":
        return value.isoformat(timespec="microseconds")
    return value


def _in_utc(name: str, value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the year 1 in UTC
        raise ToolError(
            f"{name}: {value.isoformat()} is out of range once converted to UTC; send a value"
            " between 0001-01-02 and 9999-12-30, or one without a UTC offset"
        ) from None


def _digit_strings(schema: dict[str, Any]) -> None:
    """An integer that may lie beyond MAX_SAFE_INTEGER: a number, or a string of digits
    (which pydantic converts, and the bounds then check), so that a JavaScript client
    can send 9223372036854775807 exactly."""
    number = {key: schema.pop(key) for key in ("type", "minimum", "maximum") if key in schema}
    schema["anyOf"] = [number, {"type": "string", "pattern": INTEGER_TEXT}]


def _hex_text(shortest: int | None, longest: int | None) -> Callable[[dict[str, Any]], None]:
    """The input schema of a binary value: its text (pydantic's is bytes of format
    binary), with that text's lengths."""

    def text(schema: dict[str, Any]) -> None:
        schema.pop("format", None)
        schema |= {"type": "string", "pattern": HEX.pattern}
        for key, length in (("minLength", shortest), ("maxLength", longest)):
            if length is not None:
                schema[key] = 2 + 2 * length

    return text


def _none() -> None:
    return None


def claimed_values(
    tool: str, claimed: Mapping[str, ParameterDecl], claims: Mapping[str, Any]
) -> dict[str, Any]:
    """Values of the `from_claim` parameters, from the caller's verified token."""
    values = {}
    for param, spec in claimed.items():
        claim = spec.from_claim or ""
        if claims.get(claim) is None:
            raise ToolError(
                f"{tool} needs the claim {claim!r} of an authenticated caller's token, and this"
                " call has none. Call it with a bearer token that carries that claim."
            )
        try:
            values[param] = spec.convert(_numeric_date(spec, claims[claim]), f"claim {claim!r}")
        except ValueError as exc:
            raise ToolError(f"{tool}: {exc}") from None
    return values


def _numeric_date(spec: ParameterDecl, value: Any) -> Any:
    """A number claimed for a date or datetime is a JWT NumericDate: seconds since
    1970-01-01 UTC (RFC 7519), as ISO 8601 text, which an argument has to be."""
    if spec.type not in ("date", "datetime") or isinstance(value, bool):
        return value
    if not isinstance(value, int | float):
        return value
    instant = dt.datetime.fromtimestamp(value, dt.UTC)
    return (instant.date() if spec.type == "date" else instant).isoformat()


def respond(structured: BaseModel, text: str) -> ToolResult:
    return ToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)
