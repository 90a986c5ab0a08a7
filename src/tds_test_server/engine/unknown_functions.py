"""A schema-qualified call no rewrite claimed: `dbo.nosuch(1)`, `x.dbo.f(a)`.

This server keeps no scalar user-defined functions, so such a call is one SQL Server
cannot bind either: Msg 4121, "Cannot find either column "%.*ls" or the user-defined
function or aggregate "%.*ls", or the name is ambiguous." (an unqualified unknown name is
Msg 195, errors.not_builtin). The CLR methods (`g.STAsText()`, geography::Point) are
rewritten before this check runs."""

from __future__ import annotations

from sqlglot import exp

from ..results import TdsError


def check_unknown_calls(tree: exp.Expression) -> None:
    """Msg 4121 for the first `part.part(...)` call left in the rewritten `tree`."""
    for dot in tree.find_all(exp.Dot):
        if isinstance(dot.expression, exp.Func):
            qualifier = list(dot.this.flatten()) if isinstance(dot.this, exp.Dot) else [dot.this]
            parts = [*(p.name for p in qualifier), dot.expression.name]
            raise TdsError(
                4121,
                f'Cannot find either column "{parts[0]}" or the user-defined function or'
                f' aggregate "{".".join(parts)}", or the name is ambiguous.',
            )
