"""The batch explain_query sends under SET SHOWPLAN_XML ON.

Under SHOWPLAN_XML nothing runs, but a parameterized statement sent as an RPC
(sp_executesql with every parameter bound as NULL) would have those NULLs sniffed
when the plan is compiled, so `WHERE x > @p` would be estimated for `x > NULL`.
The estimate SQL Server documents for an unknown value is that of a local variable,
so the statement goes as a plain batch that declares its parameters, typed as
sp_describe_undeclared_parameters suggests (it needs no permission beyond the
statement's own, and runs before SHOWPLAN is switched on): driverhost.showplan.
Where it suggests none (a CLR type, or `@a = @b`, which fails the whole call) the
parameter is declared nvarchar(4000).
"""

from __future__ import annotations

from collections.abc import Sequence


def named_parameters(sql: str, names: Sequence[str]) -> str:
    """`sql` with each `?` placeholder written back as its `@name`, in order."""
    if not names:
        return sql
    # sqlglot loads only when it is needed (the server loads it once its sources are up)
    from sqlglot.dialects.tsql import TSQL
    from sqlglot.tokens import TokenType

    placeholders = [t for t in TSQL().tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
    if len(placeholders) != len(names):
        raise ValueError(f"{len(placeholders)} placeholders for {len(names)} parameter names")
    parts: list[str] = []
    last = 0
    for token, name in zip(placeholders, names, strict=True):
        parts.append(sql[last : token.start])
        parts.append(f"@{name}")
        last = token.end + 1
    parts.append(sql[last:])
    return "".join(parts)
