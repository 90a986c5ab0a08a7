"""A @variable's (or a statement parameter's) declared type, which a translated statement
needs where it converts or compares the value but which is known only when the
statement runs: the translation names it as a parameter, the variable's name with a
suffix, and statements.py binds the declared type's name (and scale) under it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar

from sqlglot import exp

TYPE_SUFFIX = "__azsql_type"
SCALE_SUFFIX = "__azsql_scale"
# The variables of the statement being translated that are known, when it is translated,
# to be of a string type (Translator.translate sets it): comparisons.py leaves a string
# column beside one of them as SQLite compares it, so that `Name = @name` keeps its index.
STRING_VARIABLES: ContextVar[frozenset[str]] = ContextVar("string_variables", default=frozenset())
_STRING_TYPES = ("char", "varchar", "nchar", "nvarchar")
_NAMES = re.compile(r"@(\w+)")


def variable_name(node: exp.Expression) -> str | None:
    """'x' for a T-SQL @x, else None."""
    if isinstance(node, exp.Parameter) and isinstance(node.this, (exp.Var, exp.Identifier)):
        return node.this.name.lower()
    return None


def declared(name: str, suffix: str = TYPE_SUFFIX) -> exp.Parameter:
    """The parameter bound to variable `name`'s type name (or, with SCALE_SUFFIX, scale)."""
    return exp.Parameter(this=exp.Var(this=name + suffix))


def declared_in(node: exp.Expression) -> set[str]:
    """The names `node` binds a declared type or scale under (not its variables' own)."""
    return {
        name
        for param in node.find_all(exp.Parameter)
        if (name := variable_name(param)) and name.endswith((TYPE_SUFFIX, SCALE_SUFFIX))
    }


def named_variables(text: str) -> frozenset[str]:
    """The @variables `text` names, in lower case."""
    return frozenset(name.lower() for name in _NAMES.findall(text))


def string_variables(text: str, types: Mapping[str, str | None]) -> frozenset[str]:
    """The variables `text` names whose declared type (`types`, by lower-case name) is
    char, varchar, nchar or nvarchar."""
    return frozenset(n for n in named_variables(text) if types.get(n) in _STRING_TYPES)
