"""An unqualified column in a CROSS/OUTER APPLY's derived table, or in a subquery nested
in it, that names a column of the outer sources only: `CROSS APPLY (SELECT COUNT(*) AS n
FROM h WHERE h.k = c.k AND EXISTS (SELECT 1 FROM a WHERE a.k = c.k AND FirstName IS NOT
NULL)) AS o`, FirstName a column of c alone. SQL Server binds a name to the nearest scope
that has it (the subquery's own sources first, then each enclosing query's, the derived
table's, then the sources before the APPLY); apply_subqueries.py tells outer columns by
their qualifier, so such a column gets the name of the outer source that has it. A name
a nearer scope has stays there, as in SQL Server (`WHERE h.k = k` compares h.k with
itself); in a nested subquery it is qualified with the derived table's source that has
it, so that apply_subqueries.py can tell which conditions read the derived table's row.

Microsoft's pages say only that the right input of APPLY is evaluated for each row of
the left ("FROM clause plus JOIN, APPLY, PIVOT (Transact-SQL)"); the nearest-scope rule
is that of correlated subqueries ("Subqueries (SQL Server)": an unqualified column is
looked for first in the subquery's own FROM, then in the outer query's). Where a scope's
columns are not known here (a CTE, a function, a synonym, a derived table selecting `*`,
a derived table inside the derived table) or two sources of one scope have the name, the
column is left as written.
"""

from __future__ import annotations

from sqlglot import exp

from .catalog import Catalog
from .temp_tables import table_named


def bind_outer_names(
    select: exp.Select, outer: list[exp.Expression], catalog: Catalog | None
) -> bool:
    """Qualify the unqualified columns of `select` and its nested subqueries that only an
    `outer` source has (and, in a nested subquery, those `select`'s own sources have).
    Whether every such column's scopes were known, so that an unqualified column left in
    a nested subquery is that subquery's own."""
    if catalog is None:
        return False
    outer_columns = [(s.alias_or_name, _columns(s, catalog)) for s in outer]
    if any(not name or columns is None for name, columns in outer_columns):
        return False
    scopes: dict[int, list[tuple[str, set[str] | None]]] = {}
    known = True
    for column in list(select.find_all(exp.Column)):
        if column.table or not column.name:
            continue
        chain = _scopes(column, select)
        if chain is None:
            known = False
            continue
        name = column.name.casefold()
        bound = False
        for query in chain:
            if _names_alias(column, query, name):
                bound = True
                break
            if id(query) not in scopes:
                scopes[id(query)] = [(s.alias_or_name, _columns(s, catalog)) for s in _own(query)]
            owners = _owners(scopes[id(query)], name)
            if owners is None:
                known = False
                bound = True
                break
            if owners:
                bound = True
                if query is select and column.find_ancestor(exp.Select) is not select:
                    _qualify(column, owners)  # a nested subquery's name for the row
                break
        if not bound:
            _qualify(column, _owners(outer_columns, name) or [])
    return known


def _scopes(column: exp.Column, select: exp.Select) -> list[exp.Select] | None:
    """The SELECTs whose sources `column` may name, nearest first, up to `select`; None
    where one of them is a derived table (whose scope the test server does not follow)."""
    chain: list[exp.Select] = []
    query = column.find_ancestor(exp.Select)
    while query is not None:
        chain.append(query)
        if query is select:
            return chain
        holder = query.parent
        while isinstance(holder, (exp.Subquery, exp.SetOperation, exp.Paren)):
            holder = holder.parent
        if isinstance(holder, (exp.From, exp.Join)):
            return None  # a derived table within the derived table
        query = query.find_ancestor(exp.Select)
    return None


def _own(select: exp.Select) -> list[exp.Expression]:
    from_ = select.args.get("from_")
    sources = [from_.this] if from_ is not None else []
    return sources + [j.this for j in select.args.get("joins") or []]


def _names_alias(column: exp.Column, select: exp.Select, name: str) -> bool:
    """Whether `column` is in `select`'s ORDER BY naming one of its projections' aliases."""
    order = select.args.get("order")
    if order is None or column.find_ancestor(exp.Order) is not order:
        return False
    return any(isinstance(p, exp.Alias) and p.alias.casefold() == name for p in select.expressions)


def _owners(sources: list[tuple[str, set[str] | None]], name: str) -> list[str] | None:
    """The names of the sources that have a column `name`; None where one's are unknown."""
    if any(columns is None for _, columns in sources):
        return None
    return [alias for alias, columns in sources if columns and name in columns]


def _qualify(column: exp.Column, owners: list[str]) -> None:
    if len(owners) == 1 and owners[0]:
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
