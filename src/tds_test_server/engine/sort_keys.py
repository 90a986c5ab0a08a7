"""How SQLite sorts an ORDER BY key that is a plain column of a table.

sqlite_dialect writes an ORDER BY key with COLLATE NOCASE, or as SORT_KEY(key) where it
is computed, since SQLite sorts an expression, an alias or a VALUES/CTE/derived column by
BINARY. A column of a table needs neither: SQLite sorts it by its declared collation
("Collating Sequences", sqlite.org/datatype3.html), which is NOCASE for text
(sql_types.affinity), and an INTEGER or REAL column holds no text to collate. Written
bare, the column can be sorted by walking its index; an INTEGER column with COLLATE
NOCASE could not, and SQLite sorted the whole table. A text column no index leads is
sorted by SORT_KEY(column): one call a row where NOCASE takes two a comparison. So is
a select-list alias of a text expression (`ORDER BY n` for `a + b AS n`), as
SORT_KEY(a + b), where evaluating the expression once more a row gives the same value.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from .catalog import Catalog, Column, Table
from .collation import SORT_KEY
from .sql_types import TEXT_NOCASE, affinity
from .sqlite_dialect import SORT_BY
from .temp_tables import temp_table

# a GROUP BY's ROLLUP, CUBE and GROUPING SETS (grouping_sets.py rewrote those it could)
_GROUPINGS = ("rollup", "cube", "grouping_sets")
# declared types whose sort order is the default collation's without a COLLATE
_OWN_ORDER = frozenset({"INTEGER", "REAL", TEXT_NOCASE})
# what an alias's expression may hold to be evaluated again for its sort key: nothing
# that reads a clock, a sequence or a random source, runs a subquery or aggregates
_PURE_NODES = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Null,
    exp.Boolean,
    exp.Paren,
    exp.Neg,
    exp.Coalesce,
    exp.Case,
    exp.If,
    exp.Concat,
    exp.Trim,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.DPipe,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Is,
)
_PURE_CALLS = frozenset(
    {"TSQL_ADD", "TSQL_UPPER", "TSQL_LOWER", "TSQL_LEFT", "TSQL_RIGHT", "TSQL_SUBSTRING"}
    | {"TSQL_CONVERT", "LTRIM", "RTRIM", "TRIM"}
)


def mark_column_keys(tree: exp.Expression, catalog: Catalog) -> None:
    """Mark each ORDER BY key (a SELECT's or a window's) that is a column of a user or
    temporary table (named by its SQLite name) declared NOCASE, INTEGER or REAL: sorted
    as the column, or by SORT_KEY where it is text that leads no index (`_keyed`); a
    catalog view's text column (sys.objects.name) by SORT_KEY. A GROUP BY key that is
    such a text column groups by SORT_KEY(column), the same groups as NOCASE's with one
    call a row (the select list's bare column shows one row's value of each group, as
    SQL Server shows one of a group's spellings); so does a SELECT DISTINCT of columns,
    as a GROUP BY of them; and COUNT(DISTINCT column) counts SORT_KEY(column)."""

    def table_of(name: str) -> Table | None:
        return catalog.tables.get(name.casefold()) or temp_table(name)

    ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
    for ordered in tree.find_all(exp.Ordered):
        key, order = ordered.this, ordered.parent
        if not isinstance(key, exp.Column) or not isinstance(order, exp.Order):
            continue
        owner = order.parent
        aliased = _aliased(key, owner) if isinstance(owner, exp.Select) else None
        if aliased is not None:
            ordered.set("this", aliased.copy())
            ordered.meta[SORT_BY] = "key"
            continue
        if isinstance(owner, exp.Window):
            owner = owner.find_ancestor(exp.Query)
        found = _own_order(key, owner, ctes, table_of) if isinstance(owner, exp.Select) else None
        if found is None:
            continue
        table, column = found
        if table.kind == "V":  # a catalog view's column: sorted as SQLite computes it
            if affinity(column.type) == TEXT_NOCASE:
                ordered.meta[SORT_BY] = "key"
            continue
        ordered.meta[SORT_BY] = "key" if _keyed(table, column, catalog) else "column"

    def keyed(key: exp.Expr, select: exp.Expr | None) -> bool:
        if not isinstance(key, exp.Column) or not isinstance(select, exp.Select):
            return False
        found = _own_order(key, select, ctes, table_of)
        return found is not None and found[0].kind == "U" and _keyed(*found, catalog)

    for group in tree.find_all(exp.Group):
        if not any(group.args.get(k) for k in _GROUPINGS):
            for key in group.expressions:
                if keyed(key, group.parent):
                    key.replace(_sort_key(key))
    for select in list(tree.find_all(exp.Select)):  # SELECT DISTINCT of columns: grouped
        columns = [p.unalias() for p in select.expressions]
        distinct = select.args.get("distinct")
        if distinct is None or distinct.args.get("on") or select.args.get("group"):
            continue
        if not all(isinstance(c, exp.Column) and not c.is_star for c in columns):
            continue
        if any(keyed(c, select) for c in columns):
            keys = [_sort_key(c) if keyed(c, select) else c.copy() for c in columns]
            select.set("distinct", None)
            select.set("group", exp.Group(expressions=keys))
    for distinct in tree.find_all(exp.Distinct):  # COUNT(DISTINCT x): the same count
        if isinstance(distinct.parent, exp.Count) and len(distinct.expressions) == 1:
            key = distinct.expressions[0]
            if keyed(key, distinct.parent.find_ancestor(exp.Select)):
                key.replace(_sort_key(key))


def _sort_key(key: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=SORT_KEY, expressions=[key.copy()])


def _keyed(table: Table, column: Column, catalog: Catalog) -> bool:
    """Whether a column sorts or groups by SORT_KEY: text of a user table that leads no
    index, or of a temporary table (object_id 0, whose indexes are not known here)."""
    if affinity(column.type) != TEXT_NOCASE or table.object_id < 0:
        return False
    return table.object_id == 0 or (table.object_id, column.column_id) not in catalog.index_leads


def _aliased(key: exp.Column, select: exp.Select) -> exp.Expr | None:
    """The expression a bare `key` names as the select list's alias, where it may be
    evaluated again: pure, and not a plain column (sorted as a column by SQLite)."""
    if key.table:
        return None
    name = key.name.casefold()
    named = [p for p in select.expressions if p.alias_or_name.casefold() == name]
    if len(named) != 1 or not isinstance(named[0], exp.Alias):
        return None
    if isinstance(named[0].this, exp.Column):
        return None
    pure = all(
        isinstance(node, _PURE_NODES)
        or (isinstance(node, exp.Anonymous) and node.name.upper() in _PURE_CALLS)
        for node in named[0].this.walk()
    )
    return named[0].this if pure else None


def _own_order(
    key: exp.Column,
    select: exp.Select,
    ctes: set[str],
    table_of: Callable[[str], Table | None],
) -> tuple[Table, Column] | None:
    """The table and column `key` names, where SQLite sorts it as the collation does."""
    name = key.name.casefold()
    if not key.table and any(
        isinstance(p, exp.Alias) and p.alias.casefold() == name for p in select.expressions
    ):
        return None  # SQLite sorts by the aliased expression
    from_ = select.args.get("from_")
    sources = [from_.this] if from_ is not None else []
    sources += [j.this for j in select.args.get("joins") or []]
    if key.table:
        sources = [s for s in sources if s.alias_or_name.casefold() == key.table.casefold()]
    found = []
    for source in sources:
        if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
            return None  # a derived table, a function: its columns' collation is its own
        if source.db or source.catalog or source.name.casefold() in ctes:
            return None
        table = table_of(source.name)
        if table is None or (table.kind != "U" and table.object_id >= 0):
            return None  # a user view's column may be its table's, whose index serves
        column = table.column(key.name)
        if column is not None:
            found.append((table, column))
    if len(found) != 1:
        return None
    table, column = found[0]
    if column.computed is not None or affinity(column.type) not in _OWN_ORDER:
        return None  # a computed column is declared without a type: BINARY
    return table, column
