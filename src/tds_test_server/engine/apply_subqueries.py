"""CROSS/OUTER APPLY of a derived table, `FROM c CROSS APPLY (SELECT TOP (3) ... FROM h
WHERE h.k = c.k ORDER BY ...) AS o`, the usual way to write the top rows per group. SQLite
cannot correlate a subquery in FROM, so the derived table loses its correlation and is
joined on it: each equality `inner = outer` of its WHERE becomes a key the derived table
selects and the join compares (`o.key = outer`, which never matches a NULL, as the
equality would not), and TOP (n) becomes ROW_NUMBER() OVER (PARTITION BY the keys ORDER
BY its ORDER BY) <= n in the join (RANK() for WITH TIES; for PERCENT the rows up to
n percent of the partition's, rounded up as top.py does). OUTER APPLY is the left join,
whose outer rows without a match keep NULLs. Per outer row the same rows as SQL Server's
APPLY, which applies the derived table to each row of the left input (Microsoft Learn,
"Use the APPLY operator"; "FROM clause plus JOIN, APPLY, PIVOT" allows a derived table
as right_table_source). A derived table naming no outer column is a cross join (OUTER
APPLY: a left join), a set operation included. An aggregate without GROUP BY gives
one row per outer row, the aggregate over no rows where it has none (_per_outer_row).
A condition on the outer row alone (`c.Active = 1`, or a subquery that reads only its
own sources and the outer row) joins with the keys: the derived table has no rows for
an outer row it refuses. A subquery nested in the derived table reads an outer column an
equality sets equal to an inner one as that inner one (_read_keys_inside). An
unqualified column only the outer sources have is theirs, also in a nested subquery
(apply_outer_names.py). The APPLY may stand in an UPDATE's or a
DELETE's FROM clause too, whose target dml_from.py then joins to the rewritten one.

Other correlations (a comparison other than an equality, an OR, an outer column in the
select list, ORDER BY or a join of the derived table or one no equality gives in a
nested subquery that also reads the derived table's row, a correlated set operation), an
aggregate without GROUP BY under TOP or beside a window function or tested by the
outer row alone, DISTINCT with TOP and OFFSET are Msg 40517 naming the shape.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from . import errors
from .apply_outer_names import bind_outer_names
from .apply_stars import named_columns, write_out_stars
from .catalog import Catalog
from .top import order_key

Key = tuple[str, str]  # an outer column's qualifier and name, folded
_KEY = "__azsql_apply_key"
_RANK = "__azsql_apply_rank"
_TOTAL = "__azsql_apply_total"
_EMPTY = "__azsql_apply_empty"
_PER_OUTER_ROW = "apply_per_outer_row"
_ADVICE = (
    "; correlate the derived table only by equalities `inner column = outer column` in its"
    " WHERE, or join a ROW_NUMBER() OVER (PARTITION BY ...) subquery"
)


def rewrite_apply_subqueries(tree: exp.Expression, catalog: Catalog | None = None) -> None:
    """Each CROSS/OUTER APPLY of a derived table in `tree` as a join, innermost first;
    `catalog` tells the tables' columns, for unqualified outer columns (apply_outer_names)."""
    for lateral in reversed(list(tree.find_all(exp.Lateral, bfs=False))):
        subquery = lateral.this
        join = lateral.parent
        if not isinstance(subquery, exp.Subquery) or not isinstance(join, exp.Join):
            continue
        outer = join.parent
        if not isinstance(outer, exp.Expression):
            continue
        if not isinstance(outer, exp.Select) and not _dml_from(outer):
            continue
        select = subquery.this
        if isinstance(select, exp.Select):
            known = bind_outer_names(select, _sources(outer, join), catalog)
            _rewrite(outer, join, lateral, select, known)
            continue
        before = _names(_sources(outer, join))
        if any(c.table.casefold() in before for c in select.find_all(exp.Column)):
            raise errors.unsupported(
                f"CROSS APPLY / OUTER APPLY of a correlated set operation{_ADVICE}"
            )
        join.replace(_join(exp.Subquery(this=select, alias=lateral.args.get("alias")), lateral))


def _dml_from(first: exp.Expression) -> bool:
    """Whether `first` heads the FROM clause of an UPDATE or a DELETE (its joins hang on
    it, where a SELECT's hang on the SELECT); dml_from.py then joins the target to it."""
    parent = first.parent
    if isinstance(parent, exp.From):
        return isinstance(parent.parent, exp.Update)
    return isinstance(parent, exp.Delete) and parent.this is first


def _rewrite(
    outer: exp.Expression, join: exp.Join, lateral: exp.Lateral, select: exp.Select, known: bool
) -> None:
    """`known`: whether an unqualified column of a nested subquery is its own
    (apply_outer_names.py), not a column of the derived table's row."""
    alias = lateral.alias
    if not alias:
        raise errors.unsupported(
            "CROSS APPLY / OUTER APPLY of a derived table without an alias; name it"
            " `(SELECT ...) AS o`"
        )
    before = _names(_sources(outer, join))
    inner = _names(_sources(select, None))
    outer_names = before - inner  # an inner alias hides an outer one of the same name

    def is_outer(node: exp.Expression) -> bool:
        return (
            isinstance(node, exp.Column)
            and node.table.casefold() in outer_names
            and not _shadowed(node, select)  # a nested subquery's own source of that name
        )

    def reads_row(column: exp.Column) -> bool:
        """Whether `column` reads the derived table's own row (not the outer row's, nor
        that of a subquery's own sources)."""
        if is_outer(column):
            return False
        if column.find_ancestor(exp.Select) is select or column.table.casefold() in inner:
            return True
        return not column.table and not known

    where = select.args.get("where")
    conjuncts = _conjuncts(where.this) if where is not None else []
    kept: list[exp.Expression] = []
    pairs: list[tuple[exp.Expression, exp.Expression]] = []
    filters: list[exp.Expression] = []  # conditions on the outer row alone
    pending: list[exp.Expression] = []  # ones that read it in a nested subquery
    for conjunct in conjuncts:
        columns = list(conjunct.find_all(exp.Column))
        if not any(is_outer(c) for c in columns):
            kept.append(conjunct)
            continue
        if not any(reads_row(c) for c in columns):  # also `EXISTS (... a.k = c.k)`
            filters.append(conjunct)
            continue
        pair = _correlation(conjunct, is_outer)
        if pair is None:
            pending.append(conjunct)
        else:
            pairs.append(pair)
    keys = _outer_keys(pairs)
    for conjunct in pending:  # kept where it reads the outer row by its keys, nested
        for column in conjunct.find_all(exp.Column):
            if is_outer(column) and (
                column.find_ancestor(exp.Select) is select or _key(column) not in keys
            ):
                raise errors.unsupported(
                    f"CROSS APPLY / OUTER APPLY of a derived table correlated by"
                    f" `{conjunct.sql('tsql')}` (a condition on both rows other than an"
                    f" equality of an inner and an outer column, reading an outer column no"
                    f" such equality gives){_ADVICE}"
                )
        kept.append(conjunct)
    select.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    _read_keys_inside(select, keys, is_outer)
    stray = next((c for c in select.find_all(exp.Column) if is_outer(c)), None)
    if stray is not None:
        raise errors.unsupported(
            f"CROSS APPLY / OUTER APPLY of a derived table that reads the outer column"
            f" {stray.sql('tsql')} outside its WHERE's equalities{_ADVICE}"
        )
    limit = select.args.get("limit")
    grouped = _aggregates(select) or select.args.get("having")
    if filters and not pairs and grouped and not select.args.get("group"):
        raise errors.unsupported(
            "CROSS APPLY / OUTER APPLY of an aggregate without GROUP BY whose WHERE tests"
            f" the outer row alone{_ADVICE}"
        )
    if pairs:
        if select.args.get("offset") or isinstance(limit, exp.Fetch):
            raise errors.unsupported(f"CROSS APPLY / OUTER APPLY of a correlated OFFSET{_ADVICE}")
        if grouped and not select.args.get("group"):
            if limit is not None or select.find(exp.Window):
                raise errors.unsupported(
                    "CROSS APPLY / OUTER APPLY of a correlated aggregate without GROUP BY"
                    " under TOP or beside a window function; join a GROUP BY subquery on"
                    " the key (LEFT JOIN and ISNULL(count, 0) for COUNT)"
                )
            names = [p.alias_or_name for p in select.expressions]
            replacement = _per_outer_row(select, pairs, filters, alias, lateral)
            join.replace(replacement)
            if isinstance(outer, exp.Select):
                write_out_stars(outer, replacement.this, lambda: named_columns(names, alias), alias)
            return
        if limit is not None and select.args.get("distinct"):
            raise errors.unsupported(
                f"CROSS APPLY / OUTER APPLY of a correlated SELECT DISTINCT TOP{_ADVICE}"
            )
    stars = any(p.is_star for p in select.expressions)
    names = [p.alias_or_name for p in select.expressions]
    keyed = _keyed(select, pairs, alias, limit)
    # the derived table has no rows for an outer row its filters refuse
    condition = exp.and_(*([keyed] if keyed else []), *filters) if keyed or filters else None
    derived = exp.Subquery(this=select, alias=lateral.args["alias"].copy())
    replacement = _join(derived, lateral, condition)
    join.replace(replacement)
    if isinstance(outer, exp.Select) and len(select.expressions) > len(names):
        refused = (
            "`*` over CROSS APPLY / OUTER APPLY of a correlated derived table that selects"
            " `*`; list the derived table's columns"
            if stars
            else None
        )
        write_out_stars(outer, derived, lambda: named_columns(names, alias), alias, refused)


def _join(derived: exp.Subquery, lateral: exp.Lateral, on: exp.Expr | None = None) -> exp.Join:
    """The APPLY as a join on `on`; not correlated: a cross join or a left join."""
    cross = bool(lateral.args.get("cross_apply"))
    if on is None:
        return (
            exp.Join(this=derived, kind="CROSS")
            if cross
            else exp.Join(this=derived, side="LEFT", on=exp.true())
        )
    return exp.Join(this=derived, side=None if cross else "LEFT", on=on)


def _per_outer_row(
    select: exp.Select,
    pairs: list[tuple[exp.Expression, exp.Expression]],
    filters: list[exp.Expression],
    alias: str,
    lateral: exp.Lateral,
) -> exp.Join:
    """An aggregate without GROUP BY gives one row per outer row: its group's, or where
    the outer row has no rows the aggregate over none (COUNT 0, SUM NULL; none at all
    where HAVING refuses it). So the derived table is its groups by the keys UNION ALL
    its one row over no rows, flagged, joined `ON (flag = 0 AND key = outer) OR (flag = 1
    AND NOT EXISTS (its rows for the outer row))`."""
    keys = [inner for inner, _ in pairs]
    where = select.args.get("where")
    found = exp.select(exp.Literal.number(1))
    found.set("from_", select.args["from_"].copy() if select.args.get("from_") else None)
    found.set("joins", [j.copy() for j in select.args.get("joins") or []])
    matched: list[exp.Expression] = [exp.EQ(this=i.copy(), expression=o.copy()) for i, o in pairs]
    matched += [f.copy() for f in filters]  # an outer row they refuse has no rows
    found.where(exp.and_(*([where.this.copy()] if where else []), *matched), copy=False)
    empty = select.copy()
    for i in range(len(keys)):
        empty.select(exp.alias_(exp.null(), f"{_KEY}{i}", quoted=True), copy=False)
    empty.select(exp.alias_(exp.Literal.number(1), _EMPTY, quoted=True), copy=False)
    empty.where(exp.false(), copy=False)
    for i, key in enumerate(keys):
        select.select(exp.alias_(key.copy(), f"{_KEY}{i}", quoted=True), copy=False)
    select.select(exp.alias_(exp.Literal.number(0), _EMPTY, quoted=True), copy=False)
    select.set("group", exp.Group(expressions=[k.copy() for k in keys]))
    union = exp.Union(this=select, expression=empty, distinct=False)
    union.meta[_PER_OUTER_ROW] = True
    derived = exp.Subquery(this=union, alias=lateral.args["alias"].copy())
    flag = exp.column(_EMPTY, table=alias, quoted=True)
    own = exp.and_(
        exp.EQ(this=flag, expression=exp.Literal.number(0)),
        *(
            exp.EQ(this=exp.column(f"{_KEY}{i}", table=alias, quoted=True), expression=o.copy())
            for i, (_, o) in enumerate(pairs)
        ),
        *(f.copy() for f in filters),
    )
    none = exp.and_(
        exp.EQ(this=flag.copy(), expression=exp.Literal.number(1)),
        exp.Not(this=exp.Exists(this=found)),
    )
    return _join(derived, lateral, exp.or_(exp.paren(own), exp.paren(none)))


def is_per_outer_row(union: exp.Union) -> bool:
    """Whether `union` is an aggregate's groups and its row over none (_per_outer_row),
    whose columns are typed by the first branch alone (the second selects the same)."""
    return bool(union.meta.get(_PER_OUTER_ROW))


def _keyed(
    select: exp.Select,
    pairs: list[tuple[exp.Expression, exp.Expression]],
    alias: str,
    limit: exp.Expression | None,
) -> exp.Expr | None:
    """`select` selecting each key (and its rank under TOP), and the join's condition."""
    if not pairs:
        return None
    keys = [inner for inner, _ in pairs]
    for window in list(select.find_all(exp.Window)):
        if window.find_ancestor(exp.Query) is select:  # over the outer row's rows only
            partition = window.args.get("partition_by") or []
            window.set("partition_by", [*partition, *(k.copy() for k in keys)])
    for i, key in enumerate(keys):
        select.select(exp.alias_(key.copy(), f"{_KEY}{i}", quoted=True), copy=False)
    group = select.args.get("group")
    if group is not None:
        group.set("expressions", [*group.expressions, *(k.copy() for k in keys)])
    condition: list[exp.Expr] = [
        exp.EQ(this=exp.column(f"{_KEY}{i}", table=alias, quoted=True), expression=o.copy())
        for i, (_, o) in enumerate(pairs)
    ]
    if isinstance(limit, exp.Limit):
        condition.append(_top(select, keys, limit, alias))
    return exp.and_(*condition)


def _top(
    select: exp.Select, keys: list[exp.Expression], limit: exp.Limit, alias: str
) -> exp.Expression:
    """TOP (n) [PERCENT] [WITH TIES] per key: the rank `select` selects, and the bound."""
    opts = limit.args.get("limit_options")
    ties = bool(opts and opts.args.get("with_ties"))
    percent = bool(opts and opts.args.get("percent"))
    order = select.args.get("order")
    if ties and order is None:
        raise errors.syntax_error(
            "WITH TIES",
            "The TOP N WITH TIES clause is not allowed without a corresponding ORDER BY clause.",
        )
    window_order = (
        exp.Order(expressions=[order_key(o, select) for o in order.expressions]) if order else None
    )
    partition = [k.copy() for k in keys]
    number = exp.Window(
        this=exp.Anonymous(this="RANK" if ties else "ROW_NUMBER"),
        partition_by=partition,
        order=window_order,
    )
    select.select(exp.alias_(number, _RANK, quoted=True), copy=False)
    select.set("limit", None)
    select.set("order", None)
    rank = exp.column(_RANK, table=alias, quoted=True)
    n = exp.paren(limit.expression.copy())
    if not percent:
        return exp.LTE(this=rank, expression=n)
    total = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[k.copy() for k in keys])
    select.select(exp.alias_(total, _TOTAL, quoted=True), copy=False)
    # rank <= ceil(n * total / 100)  <=>  (rank - 1) * 100 < n * total
    return exp.LT(
        this=exp.Mul(
            this=exp.paren(exp.Sub(this=rank, expression=exp.Literal.number(1))),
            expression=exp.Literal.number(100),
        ),
        expression=exp.Mul(this=n, expression=exp.column(_TOTAL, table=alias, quoted=True)),
    )


def _outer_keys(pairs: list[tuple[exp.Expression, exp.Expression]]) -> dict[Key, exp.Expression]:
    """The outer columns the WHERE's equalities set equal to an inner expression."""
    return {_key(o): i for i, o in pairs if isinstance(o, exp.Column)}


def _key(column: exp.Column) -> Key:
    return column.table.casefold(), column.name.casefold()


def _read_keys_inside(
    select: exp.Select,
    keys: dict[Key, exp.Expression],
    is_outer: Callable[[exp.Expression], bool],
) -> None:
    """An outer column a subquery nested in the derived table reads, that one of its
    WHERE's equalities sets equal to an inner expression, reads that expression instead:
    every row the derived table keeps for an outer row has the two equal, so
    `ca.CustomerID = c.CustomerID` nested below `h.CustomerID = c.CustomerID` is
    `ca.CustomerID = h.CustomerID`, which SQLite can correlate once the APPLY is a join.
    Not in the derived table's own select list, where a string equal by its collation
    ('a' = 'A ') would show the inner row's spelling."""
    for column in list(select.find_all(exp.Column)):
        if not is_outer(column) or column.find_ancestor(exp.Select) is select:
            continue
        inner = keys.get(_key(column))
        if inner is not None:
            column.replace(inner.copy())


def _shadowed(column: exp.Column, select: exp.Select) -> bool:
    """Whether a query nested in `select` around `column` has a source of its qualifier."""
    query = column.find_ancestor(exp.Select)
    while query is not None and query is not select:
        if column.table.casefold() in _names(_sources(query, None)):
            return True
        query = query.find_ancestor(exp.Select)
    return False


def _correlation(
    conjunct: exp.Expression, is_outer: Callable[[exp.Expression], bool]
) -> tuple[exp.Expression, exp.Expression] | None:
    """(inner side, outer side) of `inner = outer` (either way round), else None."""
    if not isinstance(conjunct, exp.EQ):
        return None
    for inner, outer in (
        (conjunct.this, conjunct.expression),
        (conjunct.expression, conjunct.this),
    ):
        inner_columns = list(inner.find_all(exp.Column))
        outer_columns = list(outer.find_all(exp.Column))
        if (
            inner_columns
            and outer_columns
            and not any(is_outer(c) for c in inner_columns)
            and all(is_outer(c) for c in outer_columns)
            and not inner.find(exp.Query)
            and not outer.find(exp.Query)
        ):
            return inner, outer
    return None


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    inner = condition.unnest()
    if isinstance(inner, exp.And):
        return [*_conjuncts(inner.this), *_conjuncts(inner.expression)]
    return [inner if isinstance(inner, exp.Expression) else condition]


def _aggregates(select: exp.Select) -> bool:
    """Whether the select list holds an aggregate of this query (not of a subquery's)."""
    for projection in select.expressions:
        for agg in projection.find_all(exp.AggFunc):
            if agg.find_ancestor(exp.Query, exp.Window) is select:
                return True
    return False


def _sources(outer: exp.Expression, stop: exp.Join | None) -> list[exp.Expression]:
    """A SELECT's FROM source, or the source that heads an UPDATE's or DELETE's FROM, and
    the joins before `stop` (all of them when None)."""
    if isinstance(outer, exp.Select):
        from_ = outer.args.get("from_")
        sources = [from_.this] if from_ is not None else []
        joins = outer.args.get("joins") or []
    else:
        sources, joins = [outer], outer.args.get("joins") or []
    for join in joins:
        if join is stop:
            break
        sources.append(join.this)
    return sources


def _names(sources: list[exp.Expression]) -> set[str]:
    return {s.alias_or_name.casefold() for s in sources if s.alias_or_name}
