"""The table sources of a write and the names its tables are written with, as the
write filters (write_filters.py) read them: which source the statement changes, the
sources of a FROM (joins written in parentheses read as their tables), and when two
names are one table."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from azsql_mcp.db.sqlpolicy import ReadPolicy

if TYPE_CHECKING:
    from sqlglot import exp


def target_table(statement: exp.Expr) -> exp.Expr | None:
    """The table source written after INSERT INTO, UPDATE or DELETE (None for several)."""
    from sqlglot import exp

    if isinstance(statement, exp.Delete) and statement.args.get("tables"):
        tables: list[exp.Expr] = statement.args["tables"]
        return tables[0] if len(tables) == 1 else None  # `DELETE d FROM ... AS d`
    this = statement.this
    if isinstance(this, exp.Schema):  # INSERT INTO t (a, b)
        this = this.this
    return this if isinstance(this, exp.Expr) else None


def sources(node: exp.Expr) -> Iterator[tuple[exp.Expr, exp.Join | None]]:
    """The table sources of a statement's or a SELECT's own FROM, each with its join."""
    from sqlglot import exp

    if isinstance(node, exp.Delete):
        # `DELETE d FROM src`: sqlglot keeps the FROM source as `this`
        first = node.this if node.args.get("tables") else None
    else:
        from_ = node.args.get("from_")
        first = from_.this if from_ is not None else None
    if not isinstance(first, exp.Expr):
        return
    yield from _grouped(first, None)
    for join in [*(first.args.get("joins") or ()), *(node.args.get("joins") or ())]:
        yield from _grouped(join.this, join)


def _grouped(source: exp.Expr, join: exp.Join | None) -> Iterator[tuple[exp.Expr, exp.Join | None]]:
    """`source` with its join; for joins written in parentheses (`(a JOIN b ON c)`, which
    sqlglot reads as a subquery of the table a that the joins hang on), each table with
    its own join, the first with the group's. The ON conditions inside the group can
    name only its tables: as an INNER JOIN's, they restrict the rows the group keeps."""
    from sqlglot import exp

    group = isinstance(source, exp.Subquery) and isinstance(source.this, exp.Table | exp.Subquery)
    if not group or source.alias:
        yield source, join
        return
    yield from _grouped(source.this, join)
    for own in source.this.args.get("joins") or ():
        yield from _grouped(own.this, own)


def cte_names(statement: exp.Expr) -> set[str]:
    """The names of the statement's common table expressions, casefolded."""
    from sqlglot import exp

    return {cte.alias_or_name.casefold() for cte in statement.find_all(exp.CTE)}


def written_parts(table: exp.Table) -> tuple[str, ...]:
    """The name's parts, a temporary table's with its # (sqlglot keeps it as a flag:
    `#t` is not the table `t`), and an omitted schema as "" (`db..t` is db's table t
    of the default schema; sqlglot's parts leave the empty one out, which reads as
    schema db)."""
    from sqlglot import exp

    name = table.this
    if not isinstance(name, exp.Identifier):
        return ()
    prefix = "##" if name.args.get("global_") else "#" if name.args.get("temporary") else ""
    qualifiers = [part.name for part in table.parts[:-1]]
    if table.args.get("catalog") and not isinstance(table.args.get("db"), exp.Identifier):
        qualifiers.insert(1, "")
    return (*qualifiers, prefix + name.name)


def folded_parts(table: exp.Table) -> tuple[str, ...]:
    """`written_parts`, casefolded."""
    return tuple(part.casefold() for part in written_parts(table))


def table_key(parts: Sequence[str], database: str | None) -> tuple[str, ...]:
    """A table's name parts as compared: casefolded, `dbo.t` and `db..t` the same as `t`,
    and `db.s.t` as `s.t` when db is the source's own `database` or that is not known (a
    three-part name of any other database is refused unless the operator opened it,
    and then it is another table)."""
    folded = tuple(part.casefold() for part in parts)
    if len(folded) == 3 and (database is None or ReadPolicy(database).is_own(folded[0])):
        folded = folded[1:]
    return folded[1:] if len(folded) == 2 and folded[0] in ("dbo", "") else folded


def branches(query: object) -> list[object]:
    """The SELECTs of a UNION [ALL], each of whose rows it returns (`query` itself when
    it is no UNION): its rows hold a branch's. INTERSECT, EXCEPT and a UNION's own
    ORDER BY ... OFFSET may drop rows: they are one branch, which no copy is."""
    from sqlglot import exp

    select = query.this if isinstance(query, exp.Subquery) else query
    kept = {"this", "expression", "distinct"}
    if type(select) is not exp.Union or any(v for k, v in select.args.items() if k not in kept):
        return [query]
    return [*branches(select.this), *branches(select.expression)]


def tie(source: exp.Expr, join: exp.Join | None, copies: Collection[str]) -> str | None:
    """How a table source beside copies of T in a SELECT's FROM keeps their rows:
    "other" when it keeps every row or none of them, whatever T's row holds (an INNER,
    CROSS or RIGHT join, whose ON counts with the WHERE: `u.k = x.k` ties it to the
    copy's row and drops rows), "linked" when each is kept and its columns depend on
    the copy's row (a LEFT or FULL join, OUTER APPLY), None when it may drop rows as
    the row tells (CROSS APPLY whose body reads a copy)."""
    from sqlglot import exp

    if isinstance(source, exp.Lateral):
        if not source.args.get("cross_apply"):
            return "linked"
        body = (column.table.casefold() for column in source.find_all(exp.Column))
        return None if any(name in copies for name in body) else "other"
    if join is not None and join.args.get("side") in ("LEFT", "FULL"):
        return "linked"
    return "other"
