"""A derived table's column list, `FROM (SELECT 1, 2) AS o(a, b)` and `CROSS APPLY (SELECT
...) AS o(a, b)`: "column_alias ... replace[s] a column name in the result set of the
derived table" ("FROM clause plus JOIN, APPLY, PIVOT (Transact-SQL)"). SQLite takes no
column list on a table alias, so each name becomes its projection's alias (of the first
SELECT of a set operation, whose names the result takes), and ORDER BY's references to
the old alias follow it. A CTE's column list SQLite takes as it is; both are checked as
SQL Server checks them, with the texts of its message catalog ("Database engine events
and errors"): a list shorter or longer than the select list is 8158 / 8159, a name twice
in it 8156, and a derived table with a column that has no name and no list is 8155.
(VALUES ...) AS t(a, b) is renamed by values_alias.py; only its count is checked here.
"""

from __future__ import annotations

from sqlglot import exp

from . import errors


def rewrite_derived_column_lists(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.Subquery, exp.Lateral, exp.CTE, exp.Values)):
        alias = node.args.get("alias")
        if isinstance(node, exp.Values):
            if isinstance(alias, exp.TableAlias) and alias.columns and node.expressions:
                row = node.expressions[0]
                width = len(row.expressions) if isinstance(row, exp.Tuple) else 1
                _check_list(alias, width)
            continue
        query = node.this.this if isinstance(node, exp.Lateral) else node.this
        if not isinstance(alias, exp.TableAlias) or not isinstance(query, exp.Query):
            continue
        if isinstance(node, exp.Subquery) and not isinstance(node.parent, (exp.From, exp.Join)):
            continue  # a scalar or IN subquery, or one a Lateral holds (named by the Lateral)
        first = _first_select(query)
        if first is None or any(p.is_star for p in first.expressions):
            if alias.columns and not isinstance(node, exp.CTE):
                raise errors.unsupported(
                    f"A column list on the derived table '{alias.name}' that selects `*`;"
                    " list its columns in its SELECT"
                )
            continue
        if not alias.columns:
            if not isinstance(node, exp.CTE):
                _check_named(first, alias.name)
            continue
        _check_list(alias, len(first.expressions))
        if isinstance(node, exp.CTE):
            continue  # SQLite takes `WITH c(a, b) AS (...)` as it is
        _rename(first, query, list(alias.columns))
        alias.set("columns", None)


def _first_select(query: exp.Query) -> exp.Select | None:
    """The SELECT whose select list names a set operation's columns (its first)."""
    while isinstance(query, exp.SetOperation):
        query = query.this
    return query if isinstance(query, exp.Select) else None


def _check_list(alias: exp.TableAlias, width: int) -> None:
    names = [c.name for c in alias.columns]
    if width != len(names):
        raise errors.column_list_width(alias.name, more=width > len(names))
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise errors.column_listed_twice(name, alias.name)
        seen.add(name.casefold())


def _check_named(select: exp.Select, table: str) -> None:
    for i, projection in enumerate(select.expressions):
        if not isinstance(projection, (exp.Alias, exp.Column, exp.Dot)):
            raise errors.unnamed_column(i + 1, table)


def _rename(select: exp.Select, query: exp.Query, names: list[exp.Identifier]) -> None:
    """Each projection of `select` aliased by its name in the list (the identifier as
    written: a reserved word unquoted is still 156, query_rules.py)."""
    renamed: dict[str, exp.Identifier] = {}
    for projection, name in zip(list(select.expressions), names, strict=True):
        old = projection.alias_or_name
        if isinstance(projection, exp.Alias):
            projection.set("alias", name.copy())
            if old:
                renamed[old.casefold()] = name
        else:
            projection.replace(exp.alias_(projection.copy(), name.copy()))
    # ORDER BY may name a projection by its alias (T-SQL looks there first)
    for owner in {id(select): select, id(query): query}.values():
        order = owner.args.get("order")
        for column in list(order.find_all(exp.Column)) if order is not None else []:
            new = renamed.get(column.name.casefold()) if not column.table else None
            if new is not None:
                column.set("this", new.copy())
