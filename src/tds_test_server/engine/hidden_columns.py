"""Columns a statement does not see: SQLite's hidden row id, and HIDDEN columns in `*`.

SQLite gives every table a column its statements may read as `rowid`, `oid` or `_rowid_`
where no real column has that name; SQL Server has none, so `SELECT rowid FROM dbo.t`
is Msg 207 "Invalid column name 'rowid'." there. A statement is checked as written,
before the engine's own rewrites (dml_from.py, dml_cte.py) add references to the row id.

A column declared HIDDEN (a temporal table's period columns, "CREATE TABLE
(Transact-SQL)") is left out of `SELECT *` and `t.*`, though it can be named: the star
over such a table becomes its other columns, before the statement is typed.
"""

from __future__ import annotations

from sqlglot import exp

from . import errors
from .catalog import Catalog, Table
from .temp_tables import table_named

_HIDDEN = frozenset({"rowid", "oid", "_rowid_"})


def expand_hidden_stars(tree: exp.Expression, catalog: Catalog) -> None:
    """`*` and `t.*` over a table with HIDDEN columns as the list of its others."""
    for select in list(tree.find_all(exp.Select)):
        sources = _sources(select, catalog)
        if not any(table is not None and _has_hidden(table) for _, table in sources):
            continue
        expanded: list[exp.Expression] = []
        for projection in select.expressions:
            if isinstance(projection, exp.Star):
                for name, table in sources:
                    expanded += _columns(name, table)
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                qualifier = projection.table.casefold()
                found = [s for s in sources if s[0].casefold() == qualifier]
                expanded += _columns(*found[0]) if found else [projection]
            else:
                expanded.append(projection)
        select.set("expressions", expanded)


def _sources(select: exp.Select, catalog: Catalog) -> list[tuple[str, Table | None]]:
    """The FROM clause's sources in order: (name or alias, the table if it is one)."""
    from_ = select.args.get("from_")
    nodes = [from_.this] if from_ is not None else []
    nodes += [join.this for join in select.args.get("joins") or []]
    found: list[tuple[str, Table | None]] = []
    for node in nodes:
        table = table_named(node, catalog) if isinstance(node, exp.Table) else None
        found.append((node.alias_or_name, table))
    return found


def _has_hidden(table: Table) -> bool:
    return any(c.hidden for c in table.columns)


def _columns(name: str, table: Table | None) -> list[exp.Expression]:
    if table is None or not name:
        return [exp.Column(this=exp.Star(), table=exp.to_identifier(name))]
    return [exp.column(c.name, table=name, quoted=True) for c in table.columns if not c.hidden]


def refuse_hidden_columns(tree: exp.Expression, catalog: Catalog) -> None:
    """207 for a name of the row id that none of `tree`'s tables or aliases gives."""
    refs = [c.this for c in tree.find_all(exp.Column) if c.name.casefold() in _HIDDEN]
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        refs += [i for i in tree.this.expressions if i.name.casefold() in _HIDDEN]
    if not refs:
        return
    given = {a.alias.casefold() for a in tree.find_all(exp.Alias)}
    given |= {c.name.casefold() for t in tree.find_all(exp.TableAlias) for c in t.columns}
    ctes = {c.alias.casefold() for c in tree.find_all(exp.CTE)}
    for node in tree.find_all(exp.Table):
        if not node.db and node.name.casefold() in ctes:
            continue
        table = table_named(node, catalog)
        if table is None:
            return  # a catalog view or a function: its columns are not known here
        given |= {c.name.casefold() for c in table.columns}
    for ref in refs:
        if ref.name.casefold() not in given:
            raise errors.invalid_column(ref.name)
