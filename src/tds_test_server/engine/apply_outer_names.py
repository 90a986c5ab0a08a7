"""An unqualified column in a CROSS/OUTER APPLY's derived table that names a column of
the outer sources only: `CROSS APPLY (SELECT COUNT(*) AS n FROM h WHERE h.k = c.k AND
FirstName IS NOT NULL) AS o`, FirstName a column of c alone. SQL Server binds a name to
the nearest scope that has it (the derived table's own sources first, then the sources
before the APPLY); apply_subqueries.py tells outer columns by their qualifier, so such a
column gets the name of the outer source that has it. A name the derived table's sources
have stays theirs, as in SQL Server (`WHERE h.k = k` compares h.k with itself).

Microsoft's pages say only that the right input of APPLY is evaluated for each row of
the left ("FROM clause plus JOIN, APPLY, PIVOT (Transact-SQL)"); the nearest-scope rule
is that of correlated subqueries ("Subqueries (SQL Server)": an unqualified column is
looked for first in the subquery's own FROM). Where any source's columns are not known
here (a CTE, a function, a synonym, a derived table selecting `*`) or two outer sources
have the name, the column is left as written.
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import Catalog
from .temp_tables import table_named


def bind_outer_names(
    select: exp.Select, outer: list[exp.Expression], catalog: Catalog | None
) -> None:
    """Qualify `select`'s own unqualified columns that only an `outer` source has."""
    if catalog is None:
        return
    from_ = select.args.get("from_")
    inner = [from_.this] if from_ is not None else []
    inner += [j.this for j in select.args.get("joins") or []]
    inner_names: set[str] = set()
    for source in inner:
        columns = _columns(source, catalog)
        if columns is None:
            return
        inner_names |= columns
    outer_columns = [(s.alias_or_name, _columns(s, catalog)) for s in outer]
    if any(not name or columns is None for name, columns in outer_columns):
        return
    aliases = {p.alias.casefold() for p in select.expressions if isinstance(p, exp.Alias)}
    order = select.args.get("order")
    for column in list(select.find_all(exp.Column)):
        if column.table or column.find_ancestor(exp.Query) is not select:
            continue  # qualified, or in a subquery of its own scope
        name = column.name.casefold()
        if name in inner_names or not name:
            continue
        if order is not None and name in aliases and column.find_ancestor(exp.Order) is order:
            continue  # ORDER BY names a projection by its alias
        owners = [alias for alias, columns in outer_columns if columns and name in columns]
        if len(owners) == 1:
            column.set("table", exp.to_identifier(owners[0]))


def _columns(source: exp.Expression, catalog: Catalog) -> set[str] | None:
    """The column names of a FROM source, None where they are not known here."""
    if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
        table = table_named(source, catalog)
        return {c.name.casefold() for c in table.columns} if table is not None else None
    query = source.this if isinstance(source, (exp.Subquery, exp.Lateral)) else None
    if isinstance(query, exp.Subquery):  # a Lateral's
        query = query.this
    while isinstance(query, exp.SetOperation):
        query = query.this
    if not isinstance(query, exp.Select) or any(p.is_star for p in query.expressions):
        return None
    return {p.alias_or_name.casefold() for p in query.expressions}
