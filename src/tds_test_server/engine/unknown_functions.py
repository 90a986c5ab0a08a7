"""A dotted call no rewrite claimed: `dbo.nosuch(1)`, `x.dbo.f(a)`, `@doc.value(...)`.

A schema-qualified call that names no scalar user-defined function (those are
rewritten before: user_function_calls.py) is one SQL Server cannot bind either: Msg
4121, "Cannot find either column "%.*ls" or the user-defined function or aggregate
"%.*ls", or the name is ambiguous." (an unqualified
unknown name is Msg 195, errors.not_builtin). The CLR methods the server has
(`g.STAsText()`, geography::Point) are rewritten before this check runs; the xml type's
methods and a variable's methods, which SQL Server runs, are refused as unsupported."""

from __future__ import annotations

from sqlglot import exp

from ..results import TdsError
from . import errors

_XML_METHODS = frozenset(["value", "query", "exist", "nodes", "modify"])


def check_unknown_calls(tree: exp.Expression) -> None:
    """Msg 4121 (or 40517) for the first `part.part(...)` call left in the rewritten
    `tree`."""
    for dot in tree.find_all(exp.Dot):
        method = dot.expression
        if not isinstance(method, exp.Func):
            continue
        if method.name.lower() in _XML_METHODS or isinstance(dot.this, exp.Parameter):
            raise errors.unsupported(
                f"The method call .{method.name}() (the xml type's methods, and methods of"
                " variables, are not emulated; read the value in the client)"
            )
        qualifier = list(dot.this.flatten()) if isinstance(dot.this, exp.Dot) else [dot.this]
        parts = [*(p.name for p in qualifier), method.name]
        raise TdsError(
            4121,
            f'Cannot find either column "{parts[0]}" or the user-defined function or'
            f' aggregate "{".".join(parts)}", or the name is ambiguous.',
        )
