"""Rules SQL Server's binding applies to a query and SQLite does not, checked on the
statement as written (before the engine's rewrites):

- 8120, 8121, 8127: in a query that groups (GROUP BY, or an aggregate in its select list,
  HAVING or ORDER BY), a column of its own FROM clause outside an aggregate and not among
  the GROUP BY expressions, in the select list (8120, "Column 'dbo.t.b' is invalid in the
  select list because it is not contained in either an aggregate function or the GROUP BY
  clause."), HAVING (8121) or ORDER BY (8127, the name in double quotes), as Microsoft's
  8000-8999 message list words each. SQLite takes such a column's value from some row of
  the group.
- 164: a constant in GROUP BY (`GROUP BY 1`, which SQLite reads as the first column).
- An aggregate in WHERE (147), of an aggregate or a subquery (130); a window function in
  WHERE, GROUP BY or HAVING (4108).
- OFFSET ... FETCH: TOP beside OFFSET (10741), a negative OFFSET (10742), a FETCH of no
  rows (10744), all level 15 ("SELECT - ORDER BY Clause (Transact-SQL)").
- ORDER BY: in a derived table, subquery or CTE without TOP or OFFSET (1033), of what a
  SELECT DISTINCT (145) or the first query of a UNION (104) does not select; a position
  past the select list (108).
- A select list's alias named in WHERE or GROUP BY (207), which SQLite resolves.
- A condition as a select list's value (`SELECT a > 1`, `x IS NULL`): 102 or 156.

Where a column's source cannot be told (a catalog view, a function), it is let pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlglot import exp

from ..results import TdsError
from . import errors
from .catalog import DEFAULT_SCHEMA, Catalog
from .hidden_columns import refuse_hidden_columns
from .temp_tables import table_named

# aggregates sqlglot reads as plain calls
_CALLED_AGGREGATES = frozenset({"STDEVP", "VAR", "VARP", "CHECKSUM_AGG", "PRODUCT"})
_CLAUSES = {"expressions": "select list", "having": "HAVING clause", "order": "ORDER BY clause"}
# each clause's error number and the quote around the column's name in its text
_UNGROUPED = {
    "select list": (8120, "'"),
    "HAVING clause": (8121, "'"),
    "ORDER BY clause": (8127, '"'),
}


def check_query_rules(tree: exp.Expression, catalog: Catalog) -> None:
    """The error SQL Server's binding gives `tree`, if any (module doc)."""
    refuse_hidden_columns(tree, catalog)
    for select in tree.find_all(exp.Select):
        _check_paging(select)
        _check_projections(select)
        _check_placement(select)
        _check_ordering(select)
        _check_aliases(select, tree, catalog)
        _check_grouping(select, tree, catalog)
    for union in tree.find_all(exp.SetOperation):
        _check_union_order(union)


def check_reserved_aliases(tree: exp.Expression) -> None:
    """A reserved keyword as a bare alias (`SELECT 1 AS key`, `FROM t AS file`, a column
    list's `t(a, from)`, an INSERT's `INSERT t (a, from)`) is Msg 156: T-SQL takes one as
    a name only delimited ("Reserved Keywords (Transact-SQL)": they are part of the
    grammar SQL Server parses by). Run as the statement is parsed, before a column list
    is counted (derived_columns.py, an INSERT's), as SQL Server's parser reports it first."""
    lists: list[exp.Expression] = list(tree.find_all(exp.Alias, exp.TableAlias))
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        lists.append(tree.this)  # INSERT t (a, from) VALUES ...
    for node in lists:
        if isinstance(node, exp.Schema):
            names = list(node.expressions)
        elif isinstance(node, exp.TableAlias):
            names = [node.this, *node.columns]
        else:
            names = [node.args.get("alias")]
        for name in names:
            if not isinstance(name, exp.Identifier) or name.quoted:
                continue
            if name.name.upper() in errors.RESERVED_KEYWORDS:
                raise errors.syntax_near(name.name)


def _check_ordering(select: exp.Select) -> None:
    """ORDER BY in a derived table, subquery or CTE without TOP or OFFSET (1033), and of
    what a SELECT DISTINCT does not select (145)."""
    order = select.args.get("order")
    if order is None:
        return
    if (
        isinstance(select.parent, (exp.Subquery, exp.CTE))
        and select.args.get("limit") is None
        and select.args.get("offset") is None
        and select.args.get("for_") is None
    ):
        raise TdsError(
            1033,
            "The ORDER BY clause is invalid in views, inline functions, derived tables,"
            " subqueries, and common table expressions, unless TOP, OFFSET or FOR XML is also"
            " specified.",
            severity=15,
        )
    if select.args.get("distinct") and _orders_unselected(order, select.expressions):
        raise TdsError(
            145,
            "ORDER BY items must appear in the select list if SELECT DISTINCT is specified.",
            severity=15,
        )


def _check_union_order(union: exp.SetOperation) -> None:
    """ORDER BY after UNION, INTERSECT or EXCEPT names the first query's columns (104)."""
    order = union.args.get("order")
    first: exp.Expression = union
    while isinstance(first, exp.SetOperation):
        first = first.this
    if (
        isinstance(order, exp.Order)
        and isinstance(first, exp.Select)
        and _orders_unselected(order, first.selects)
    ):
        raise TdsError(
            104,
            "ORDER BY items must appear in the select list if the statement contains a"
            " UNION, INTERSECT or EXCEPT operator.",
            severity=15,
        )


def _orders_unselected(order: exp.Order, selects: Sequence[exp.Expr]) -> bool:
    """Whether ORDER BY names what the select list does not select (by expression or
    name; a position is checked apart, 108); never for a list with `*`."""
    if any(p.is_star for p in selects):
        return False
    names = {p.alias_or_name.casefold() for p in selects}
    names |= {_key(p.this if isinstance(p, exp.Alias) else p) for p in selects}
    return any(_constant(i.this) is None and _key(i.this) not in names for i in order.expressions)


def _check_aliases(select: exp.Select, tree: exp.Expression, catalog: Catalog) -> None:
    """A select list's alias named in WHERE or GROUP BY, which SQL Server binds before the
    select list: 207 where no source of the query has a column of that name."""
    aliases = {p.alias.casefold() for p in select.expressions if isinstance(p, exp.Alias)}
    if not aliases:
        return
    sources = None
    for clause in ("where", "group"):
        node = select.args.get(clause)
        for col in node.find_all(exp.Column) if node is not None else []:
            if col.table or col.name.casefold() not in aliases:
                continue
            if col.find_ancestor(exp.Select) is not select:
                continue
            sources = sources or _Sources(select, tree, catalog)
            if sources.all_known() and sources.owner(col) is None:
                raise TdsError(207, f"Invalid column name '{col.name}'.")


_SYMBOLS = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_KEYWORDS = {
    exp.Is: "IS",
    exp.Like: "LIKE",
    exp.In: "IN",
    exp.Between: "BETWEEN",
    exp.And: "AND",
    exp.Or: "OR",
    exp.Not: "NOT",
    exp.Exists: "EXISTS",
}


def _check_projections(select: exp.Select) -> None:
    """A condition is no value in T-SQL: `SELECT a > 1` is a syntax error there (SQLite
    selects 0 or 1). `SELECT @v = x` assigns, and `SELECT name = x` sqlglot reads as an
    alias."""
    for projection in select.expressions:
        node = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(node, exp.EQ) and isinstance(node.this, exp.Parameter):
            continue
        if type(node) in _SYMBOLS:
            raise TdsError(102, f"Incorrect syntax near '{_SYMBOLS[type(node)]}'.", severity=15)
        if type(node) in _KEYWORDS:
            raise TdsError(
                156, f"Incorrect syntax near the keyword '{_KEYWORDS[type(node)]}'.", severity=15
            )


def _check_placement(select: exp.Select) -> None:
    """Aggregates and window functions where SQL Server does not take them."""
    for clause in ("where", "group", "having"):
        node = select.args.get(clause)
        window = node.find(exp.Window) if node is not None else None
        if window is not None and window.find_ancestor(exp.Select) is select:
            raise TdsError(
                4108, "Windowed functions can only appear in the SELECT or ORDER BY clauses."
            )
    order = select.args.get("order")
    width = None if any(p.is_star for p in select.expressions) else len(select.expressions)
    for item in order.expressions if order is not None and width is not None else []:
        position = _constant(item.this)
        if position is not None and width is not None and not 1 <= position <= width:
            raise TdsError(
                108,
                f"The ORDER BY position number {position} is out of range of the number of"
                " items in the select list.",
            )
    where = select.args.get("where")
    if where is not None and next(_own(select, [where]), None) is not None:
        raise TdsError(
            147,
            "An aggregate may not appear in the WHERE clause unless it is in a subquery"
            " contained in a HAVING clause or a select list, and the column being aggregated"
            " is an outer reference.",
            severity=15,
        )
    for agg in _own(select, select.expressions):
        inner = [
            n for arg in agg.iter_expressions() for n in arg.find_all(exp.Subquery, exp.AggFunc)
        ]
        if any(isinstance(n, exp.Subquery) or _is_aggregate(n) for n in inner):
            raise TdsError(
                130,
                "Cannot perform an aggregate function on an expression containing an aggregate"
                " or a subquery.",
            )


def _check_paging(select: exp.Select) -> None:
    offset = select.args.get("offset")
    if not isinstance(offset, exp.Offset):
        return
    limit = select.args.get("limit")
    if isinstance(limit, exp.Limit):
        raise TdsError(
            10741,
            "A TOP cannot be used in the same query or sub-query as an OFFSET.",
            severity=15,
            state=2,
        )
    skip = _constant(offset.expression)
    if skip is not None and skip < 0:
        raise TdsError(
            10742, "The offset specified in an OFFSET clause may not be negative.", severity=15
        )
    count = _constant(limit.args.get("count")) if isinstance(limit, exp.Fetch) else None
    if count is not None and count <= 0:
        raise TdsError(
            10744,
            "The number of rows provided for a FETCH clause must be greater then zero.",
            severity=15,
        )


def _constant(node: exp.Expression | None) -> int | None:
    """The value of an integer literal (in parentheses, negated), else None."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Neg):
        inner = _constant(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Literal) and not node.is_string and node.this.isdigit():
        return int(node.this)
    return None


# ---------------------------------------------------------------- grouping


class _Sources:
    """The FROM clause of one SELECT: each source's name and, where known, its columns."""

    def __init__(self, select: exp.Select, tree: exp.Expression, catalog: Catalog) -> None:
        self.by_name: dict[str, tuple[str, set[str] | None]] = {}  # name -> (shown, columns)
        from_ = select.args.get("from_")
        joins = select.args.get("joins") or []
        for node in ([from_.this] if isinstance(from_, exp.From) else []) + [j.this for j in joins]:
            self._add(node, tree, catalog)

    def _add(self, node: exp.Expression, tree: exp.Expression, catalog: Catalog) -> None:
        alias = node.alias
        listed = node.args.get("alias")
        listed_columns = (
            {c.name.casefold() for c in listed.columns}
            if isinstance(listed, exp.TableAlias)
            else set()
        )
        columns: set[str] | None = listed_columns or None
        shown = alias
        if node.args.get("pivots"):
            columns = None  # PIVOT's columns are its own, not the table's
        elif isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            table = table_named(node, catalog)
            cte = _cte(tree, node) if not node.db else None
            if table is not None and cte is None:
                columns = columns or {c.name.casefold() for c in table.columns}
                shown = alias or f"{node.db or DEFAULT_SCHEMA}.{node.name}"
            elif cte is not None:
                columns = columns or _projected(cte.this)
                shown = alias or node.name
        elif isinstance(node, exp.Subquery) and columns is None:
            columns = _projected(node.this)
        self.by_name[(alias or node.name).casefold()] = (shown or node.name, columns)

    def all_known(self) -> bool:
        return all(cols is not None for _, cols in self.by_name.values())

    def owner(self, column: exp.Column) -> str | None:
        """How an error names the column's source, if the column is this SELECT's own."""
        if column.table:
            found = self.by_name.get(column.table.casefold())
            return found[0] if found else None
        known = [(shown, cols) for shown, cols in self.by_name.values() if cols is not None]
        if len(known) < len(self.by_name):
            return None  # a source of unknown columns may have it, or it is an outer one
        return next((shown for shown, cols in known if column.name.casefold() in cols), None)


def _cte(tree: exp.Expression, table: exp.Table) -> exp.CTE | None:
    return next(
        (c for c in tree.find_all(exp.CTE) if c.alias.casefold() == table.name.casefold()), None
    )


def _projected(query: exp.Expression) -> set[str] | None:
    while isinstance(query, exp.SetOperation):
        query = query.this
    if not isinstance(query, exp.Select) or any(
        isinstance(p, exp.Star) or p.is_star for p in query.selects
    ):
        return None
    return {p.alias_or_name.casefold() for p in query.selects}


def _is_aggregate(node: exp.Expr) -> bool:
    if isinstance(node, exp.Anonymous):
        return node.name.upper() in _CALLED_AGGREGATES
    return isinstance(node, (exp.AggFunc, exp.WithinGroup))


def _own(select: exp.Select, nodes: Iterable[exp.Expression]) -> Iterator[exp.Expr]:
    """The aggregates among `nodes` that are `select`'s own (not windowed, not a subquery's)."""
    for node in nodes:
        for agg in node.find_all(exp.AggFunc, exp.WithinGroup, exp.Anonymous):
            if _is_aggregate(agg) and agg.find_ancestor(exp.Window, exp.Select) is select:
                yield agg


def _key(node: exp.Expr) -> str:
    """The text of an expression with its columns unqualified, to match GROUP BY's."""
    if isinstance(node, exp.Column):
        return node.name.casefold()
    bare = node.copy()
    for col in bare.find_all(exp.Column):
        col.set("table", None)
    return bare.sql("tsql").casefold()


def _check_grouping(select: exp.Select, tree: exp.Expression, catalog: Catalog) -> None:
    group = select.args.get("group")
    having = select.args.get("having")
    if group is not None:
        for item in group.expressions:
            if _constant(item) is not None or isinstance(item, exp.Literal):
                raise TdsError(
                    164,
                    "Each GROUP BY expression must contain at least one column that is not an"
                    " outer reference.",
                    severity=15,
                )
    order = select.args.get("order")
    clauses = [*select.expressions, *(c for c in (having, order) if c is not None)]
    aggregated = next(_own(select, clauses), None)
    if group is None and aggregated is None:
        return
    items = list(_grouped(group)) if group is not None else []
    grouped = _Grouped({_key(e) for e in items}, any(not isinstance(e, exp.Column) for e in items))
    sources = _Sources(select, tree, catalog)
    aliases = {p.alias.casefold() for p in select.expressions if isinstance(p, exp.Alias)}
    for arg, clause in _CLAUSES.items():
        value = select.args.get(arg)
        items = value if isinstance(value, list) else [value] if value is not None else []
        for item in items:
            if arg == "order":
                item = [o.this for o in item.expressions]
            for node in item if isinstance(item, list) else [item]:
                if arg == "order" and (
                    isinstance(node, exp.Literal)
                    or (
                        isinstance(node, exp.Column)
                        and not node.table
                        and node.name.casefold() in aliases
                    )
                ):
                    continue
                _check_node(
                    node.this if isinstance(node, exp.Alias) else node, grouped, sources, clause
                )


@dataclass(frozen=True)
class _Grouped:
    keys: set[str]  # the GROUP BY expressions' texts (_key)
    expressions: bool  # whether any is more than a column


def _grouped(group: exp.Group) -> Iterable[exp.Expression]:
    """The expressions GROUP BY names, those of ROLLUP, CUBE and GROUPING SETS too."""
    for key in ("expressions", "grouping_sets", "cube", "rollup"):
        for item in group.args.get(key) or []:
            if isinstance(item, (exp.Cube, exp.Rollup, exp.GroupingSets, exp.Tuple)):
                yield from (e for e in item.find_all(exp.Expression) if e is not item)
            else:
                yield item


def _check_node(node: exp.Expression, grouped: _Grouped, sources: _Sources, clause: str) -> None:
    if isinstance(node, (exp.Subquery, exp.Select, exp.Exists, exp.Star, exp.Literal)):
        return
    if _is_aggregate(node):
        return
    # (a GROUP BY of columns only has no expression to match: spare the text)
    if (isinstance(node, exp.Column) or grouped.expressions) and _key(node) in grouped.keys:
        return
    if isinstance(node, exp.Column):
        owner = sources.owner(node)
        if owner is not None and not node.is_star:
            number, quote = _UNGROUPED[clause]
            raise TdsError(
                number,
                f"Column {quote}{owner}.{node.name}{quote} is invalid in the {clause} because"
                " it is not contained in either an aggregate function or the GROUP BY clause.",
            )
        return
    for child in node.iter_expressions():
        _check_node(child, grouped, sources, clause)
