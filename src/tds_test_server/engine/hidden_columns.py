"""SQLite's hidden row id kept out of T-SQL.

SQLite gives every table a column its statements may read as `rowid`, `oid` or `_rowid_`
where no real column has that name; SQL Server has none, so `SELECT rowid FROM dbo.t`
is Msg 207 "Invalid column name 'rowid'." there. A statement is checked as written,
before the engine's own rewrites (dml_from.py, dml_cte.py) add references to the row id.
"""

from __future__ import annotations

from sqlglot import exp

from . import errors
from .catalog import Catalog
from .temp_tables import table_named

_HIDDEN = frozenset({"rowid", "oid", "_rowid_"})


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
