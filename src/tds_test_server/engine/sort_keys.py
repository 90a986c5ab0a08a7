"""Sort keys that SQLite already sorts as the default collation does, left uncollated.

sqlite_dialect writes every ORDER BY key with COLLATE NOCASE, since SQLite sorts an
expression, an alias or a VALUES/CTE/derived column by BINARY. A plain column of a table
needs none: SQLite sorts it by its declared collation ("Collating Sequences",
sqlite.org/datatype3.html), which is NOCASE for text (sql_types.affinity), and an
INTEGER or REAL column holds no text to collate. The added collation differs from the
column's index, so SQLite sorted the whole table where it could have walked the index.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from .catalog import Catalog, Table
from .sql_types import affinity
from .sqlite_dialect import UNCOLLATED
from .temp_tables import temp_table

# declared types whose sort order is the default collation's without a COLLATE
_OWN_ORDER = frozenset({"INTEGER", "REAL", "TEXT COLLATE NOCASE"})


def mark_column_keys(tree: exp.Expression, catalog: Catalog) -> None:
    """Flag each ORDER BY key (a SELECT's or a window's) that is a column of a user or
    temporary table, named by its SQLite name, declared NOCASE, INTEGER or REAL."""

    def table_of(name: str) -> Table | None:
        return catalog.tables.get(name.casefold()) or temp_table(name)

    ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
    for ordered in tree.find_all(exp.Ordered):
        key, order = ordered.this, ordered.parent
        if not isinstance(key, exp.Column) or not isinstance(order, exp.Order):
            continue
        owner = order.parent
        if isinstance(owner, exp.Window):
            owner = owner.find_ancestor(exp.Query)
        if isinstance(owner, exp.Select) and _own_order(key, owner, ctes, table_of):
            ordered.meta[UNCOLLATED] = True


def _own_order(
    key: exp.Column,
    select: exp.Select,
    ctes: set[str],
    table_of: Callable[[str], Table | None],
) -> bool:
    name = key.name.casefold()
    if not key.table and any(
        isinstance(p, exp.Alias) and p.alias.casefold() == name for p in select.expressions
    ):
        return False  # SQLite sorts by the aliased expression
    from_ = select.args.get("from_")
    sources = [from_.this] if from_ is not None else []
    sources += [j.this for j in select.args.get("joins") or []]
    if key.table:
        sources = [s for s in sources if s.alias_or_name.casefold() == key.table.casefold()]
    found = []
    for source in sources:
        if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
            return False  # a derived table, a function: its columns' collation is its own
        if source.db or source.catalog or source.name.casefold() in ctes:
            return False
        table = table_of(source.name)
        if table is None or table.kind != "U":
            return False
        column = table.column(key.name)
        if column is not None:
            found.append(column)
    return (
        len(found) == 1
        and found[0].computed is None  # declared without a type: BINARY
        and affinity(found[0].type) in _OWN_ORDER
    )
