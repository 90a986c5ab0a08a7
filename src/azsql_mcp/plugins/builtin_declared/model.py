"""The shape of a `[tools.NAME]` table and its parameters, and every check that needs
no database: types, bounds, defaults, names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

ParamType = Literal["string", "integer", "number", "boolean", "date", "datetime"]
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "date": dt.date,
    "datetime": dt.datetime,
}
# Arguments the tools add themselves: a declared parameter may not take these names.
RESERVED = frozenset({"source", "cursor", "ctx"})
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROCEDURE_NAME = re.compile(r"^(\[?[A-Za-z_]\w*\]?\.)?\[?[A-Za-z_]\w*\]?$")


class ParameterDecl(BaseModel):
    """`[tools.NAME.parameters.PARAM]`: one @PARAM of the statement."""

    model_config = ConfigDict(extra="forbid")

    type: ParamType
    description: str | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    enum: list[Any] | None = Field(None, min_length=1)
    from_claim: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ParameterDecl:
        numeric = self.type in ("integer", "number")
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise ValueError("minimum and maximum apply to integer and number parameters only")
        if (self.min_length is not None or self.max_length is not None) and self.type != "string":
            raise ValueError("min_length and max_length apply to string parameters only")
        if self.from_claim is not None and self.default is not None:
            raise ValueError("a from_claim parameter takes its value from the token: no default")
        if self.enum is not None:
            self.enum = [self.convert(v, "enum") for v in self.enum]
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
            return TypeAdapter(PYTHON_TYPES[self.type]).validate_python(value, strict=False)
        except ValidationError:
            raise ValueError(f"{what} {value!r} is not a {self.type}") from None

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
        return self
