"""The shape of a `[tools.NAME]` table and its parameters, and every check that needs
no database: types, bounds, defaults, names."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from azsql_mcp import string_sql_type

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# a digit past the microseconds, which pydantic would cut
_PAST_MICROSECONDS = re.compile(r"[.,]\d{6}\d*[1-9]")


def _refuse_past_microseconds(value: Any) -> None:
    if isinstance(value, str) and _PAST_MICROSECONDS.search(value):
        raise ValueError(
            f"{value!r} has more than 6 decimals of a second, which would be cut: send at"
            " most 6 (microseconds)"
        )


def _iso_text(value: Any) -> Any:
    """A date or datetime argument as ISO 8601 text (or a TOML date from the config):
    pydantic would read a number, or a string of digits, as seconds since 1970, so that
    20240102 became 1970-08-23T06:28:22."""
    _refuse_past_microseconds(value)
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise ValueError(
        f"{value!r} is not an ISO 8601 date: send text such as 2024-01-02 or"
        " 2024-01-02T03:04:05, optionally with a UTC offset such as +02:00"
    )


_ISO_TIME = re.compile(r"^\d{2}:\d{2}")


def _iso_time(value: Any) -> Any:
    """A time argument as ISO 8601 text without an offset (or a TOML local time): pydantic
    would read a number as seconds since midnight, and SQL Server's time has no offset."""
    _refuse_past_microseconds(value)
    if isinstance(value, dt.time) or (isinstance(value, str) and _ISO_TIME.match(value)):
        return value
    raise ValueError(f"{value!r} is not a time of day: {_TIME_TEXT}")


_TIME_TEXT = "send ISO 8601 text such as 03:04:05 or 03:04:05.123, without a UTC offset"


def _local_time(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError(f"{value.isoformat()} has a UTC offset: {_TIME_TEXT}")
    return value


def _hex_bytes(value: Any) -> Any:
    """A binary argument as results show one: 0x and hexadecimal digits (0x0A1B)."""
    if isinstance(value, bytes):  # validated already, checked again before a call
        return value
    if isinstance(value, str) and HEX.match(value):
        return bytes.fromhex(value[2:])
    raise ValueError(
        f"{value!r} is not binary: send 0x and pairs of hexadecimal digits, e.g. 0x0A1B"
    )


HEX = re.compile(r"^0[xX]([0-9A-Fa-f]{2})*$")
ParamType = Literal[
    "string",
    "integer",
    "number",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "time",
    "uuid",
    "binary",
]
PYTHON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    # SQL Server's float has no NaN or infinity (an RPC value like that is a protocol error)
    "number": Annotated[float, Field(allow_inf_nan=False)],
    # exact: a JSON number or a numeric string, bound as a Decimal (never through a float)
    "decimal": Annotated[
        Decimal, Field(allow_inf_nan=False, json_schema_extra=lambda s: _numeric_strings(s))
    ],
    "boolean": bool,
    "date": Annotated[dt.date, BeforeValidator(_iso_text)],
    "datetime": Annotated[dt.datetime, BeforeValidator(_iso_text)],
    "time": Annotated[dt.time, BeforeValidator(_iso_time), AfterValidator(_local_time)],
    # a uniqueidentifier: any form Python reads, sent as XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX
    "uuid": uuid.UUID,
    "binary": Annotated[bytes, BeforeValidator(_hex_bytes)],
}
DECIMAL_TEXT = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _numeric_strings(schema: dict[str, Any]) -> None:
    """A decimal's JSON schema: a number, or a string that holds one (exact: a JSON
    number with more than 15 significant digits is rounded by most clients' parsers)."""
    for arm in schema.get("anyOf", []):
        if arm.get("type") == "string":
            arm["pattern"] = DECIMAL_TEXT


# bigint, the widest integer SQL Server takes: the bounds of an `integer` without its own
BIGINT = (-(2**63), 2**63 - 1)
INTEGER_TEXT = r"^-?[0-9]+$"
# Arguments the tools add themselves: a declared parameter may not take these names.
RESERVED = frozenset({"source", "cursor", "ctx"})
# An argument's name. ASCII: Claude's API and Amazon Bedrock refuse a whole tool list in
# which one input property name has other characters (^[a-zA-Z0-9_.-]{1,64}$), so a
# T-SQL name such as @Größe, which MCP and FastMCP would take, is not offered.
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
NOT_ASCII = (
    "letters outside A-Z, which Claude's API and Amazon Bedrock refuse in a tool's input"
    " schema, failing every tool of the server for their clients"
)
_ANY_SCRIPT = re.compile(r"^[^\W\d]\w*$")
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROCEDURE_NAME = re.compile(r"^(\[?[A-Za-z_]\w*\]?\.)?\[?[A-Za-z_]\w*\]?$")


def is_other_script(name: str) -> bool:
    """A name of letters of another script (@Größe): a T-SQL regular identifier, not an
    argument name that every MCP client takes."""
    return not name.isascii() and _ANY_SCRIPT.match(name) is not None


class ParameterDecl(BaseModel):
    """`[tools.NAME.parameters.PARAM]`: one @PARAM of the statement."""

    model_config = ConfigDict(extra="forbid")

    type: ParamType
    description: str | None = None
    default: Any = None
    # kept as given: an int exact (bigint), a Decimal only from the catalog (money)
    minimum: int | float | Decimal | None = None
    maximum: int | float | Decimal | None = None
    max_digits: int | None = Field(None, ge=1, le=38)
    decimal_places: int | None = Field(None, ge=0, le=38)
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    enum: list[Any] | None = Field(None, min_length=1)
    from_claim: str | None = Field(None, min_length=1)
    # a statement's string parameter: the column's character type, sent as such
    sql_type: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _implied_type(cls, data: Any) -> Any:
        """`sql_type` alone declares a string (the only type it applies to)."""
        if isinstance(data, dict) and data.get("sql_type") is not None:
            return {"type": "string", **data}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ParameterDecl:
        if self.sql_type is not None:
            string_sql_type(self.sql_type)  # ValueError: what it takes
            if self.type != "string":
                raise ValueError(
                    f"sql_type applies to string parameters only (this one is {self.type}):"
                    " other values are sent as their own type (a date as date, a decimal"
                    " with its digits); remove sql_type"
                )
        numeric = self.type in ("integer", "number", "decimal")
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise ValueError(
                "minimum and maximum apply to integer, number and decimal parameters only"
            )
        digits = self.max_digits is not None or self.decimal_places is not None
        if digits and self.type != "decimal":
            raise ValueError("max_digits and decimal_places apply to decimal parameters only")
        if (self.max_digits or 38) < (self.decimal_places or 0):
            raise ValueError("decimal_places cannot exceed max_digits")
        lengths = self.min_length is not None or self.max_length is not None
        if lengths and self.type not in ("string", "binary"):
            raise ValueError("min_length and max_length apply to string and binary parameters only")
        # bounds no value meets: every call would be refused, so the tool is useless
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            if low > high:
                raise ValueError(f"minimum {low:g} is above maximum {high:g}: no value is allowed")
            if self.type == "integer" and math.ceil(low) > math.floor(high):
                raise ValueError(f"no integer lies between minimum {low:g} and maximum {high:g}")
        shortest, longest = self.min_length, self.max_length
        if shortest is not None and longest is not None and shortest > longest:
            raise ValueError(
                f"min_length {self.min_length} is above max_length {self.max_length}:"
                " no value is allowed"
            )
        if self.from_claim is not None and self.default is not None:
            raise ValueError("a from_claim parameter takes its value from the token: no default")
        if self.enum is not None and self.type == "decimal":
            raise ValueError("enum does not apply to decimal parameters: use minimum and maximum")
        if self.enum is not None and self.type in ("uuid", "binary"):
            raise ValueError(f"enum does not apply to {self.type} parameters")
        if self.default is not None and self.type == "binary":  # no JSON form in the schema
            raise ValueError("a binary parameter takes no default: make it required")
        if self.enum is not None:
            self.enum = [self.convert(v, "enum") for v in self.enum]
            for value in self.enum:  # a choice that every call would have refused
                self.check_bounds(value, "enum value")
        if self.default is not None:
            self.default = self.convert(self.default, "default")
            self.check_bounds(self.default, "default")
        return self

    @property
    def required(self) -> bool:
        return self.default is None and self.from_claim is None

    def convert(self, value: Any, what: str) -> Any:
        """`value` as this parameter's Python type, or ValueError naming `what`."""
        try:
            return TypeAdapter(self.python_type).validate_python(value, strict=False)
        except ValidationError:
            raise ValueError(f"{what} {value!r} is not a {self.type}") from None

    @property
    def python_type(self) -> Any:
        """The type a value is validated as, with the digits of a decimal."""
        base = PYTHON_TYPES[self.type]
        if self.max_digits is not None or self.decimal_places is not None:
            digits = Field(max_digits=self.max_digits, decimal_places=self.decimal_places)
            return Annotated[base, digits]
        return base

    def check_bounds(self, value: Any, what: str) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{what} {value!r} is below minimum {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{what} {value!r} is above maximum {self.maximum:g}")
        if self.min_length is not None and len(value) < self.min_length:
            raise ValueError(f"{what} {value!r} is shorter than min_length {self.min_length}")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"{what} {value!r} is longer than max_length {self.max_length}")
        if self.enum is not None and value not in self.enum:
            raise ValueError(f"{what} {value!r} is not one of enum {self.enum!r}")


class ToolDecl(BaseModel):
    """`[tools.NAME]`: one SQL statement offered as a tool."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(..., min_length=1)
    title: str | None = None
    source: str | None = None
    statement: str | None = None
    procedure: str | None = None
    writes: bool = False
    scopes: list[str] | None = None
    parameters: dict[str, ParameterDecl] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_body(self) -> ToolDecl:
        if (self.statement is None) == (self.procedure is None):
            raise ValueError("give exactly one of statement, procedure")
        if self.scopes == []:  # needs no scope: read as "nobody", it opens the tool to all
            raise ValueError(
                "scopes = []: an empty list needs no scope, so every token could call the"
                " tool, one with no scope at all included; name the scopes a token needs,"
                " or leave scopes out for the default (sql.read; sql.write with writes)"
            )
        return self
