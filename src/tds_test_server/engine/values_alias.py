"""(VALUES (...), (...)) AS t(a, b): SQLite names a VALUES list's columns column1,
column2, ... and takes no column list on an alias, so the list becomes a subquery that
renames them. Each column is NOCASE, as a text column of a table is: the default
collation compares, groups and counts ('a', 'A') as one value (a number ignores it).
A column's type is its values' by UNION ALL's rules ("Table Value Constructor
(Transact-SQL)": the values "follow the data type conversion properties of the UNION ALL
syntax"): the type of highest precedence, a string the longest (values_type)."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..results import ColumnType
from .result_types import result_of_branches


def rewrite_values_aliases(tree: exp.Expression) -> None:
    for values in list(tree.find_all(exp.Values)):
        alias = values.args.get("alias")
        if not isinstance(alias, exp.TableAlias) or not alias.columns:
            continue
        columns = alias.columns
        bare = values.copy()
        bare.set("alias", None)
        inner = exp.select(
            *[
                exp.alias_(_nocase(exp.column(f"column{i + 1}")), col.name, quoted=True)
                for i, col in enumerate(columns)
            ]
        ).from_(exp.Subquery(this=bare))
        values.replace(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias.name)))
        )


def _nocase(column: exp.Column) -> exp.Collate:
    return exp.Collate(this=column, expression=exp.var("NOCASE"))


def values_type(
    values: exp.Values, name: str, typed: Callable[[exp.Expr], ColumnType | None]
) -> ColumnType | None:
    """The type of the column `name` of `values` (AS t(..., name, ...)), each value typed
    by `typed`; a NULL value takes no part (a column of NULLs only is int, as `SELECT
    NULL` is), and a value of a type not plain to see leaves the column untyped."""
    alias = values.args.get("alias")
    names = [c.name.casefold() for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
    if name.casefold() not in names:
        return None
    at = names.index(name.casefold())
    found: list[ColumnType | None] = []
    for row in values.expressions:
        cells = row.expressions if isinstance(row, exp.Tuple) else [row]
        if at >= len(cells) or isinstance(cells[at], exp.Null):
            continue
        found.append(typed(cells[at]))
    if not found:
        return ColumnType("int")
    return None if None in found else result_of_branches(found)
