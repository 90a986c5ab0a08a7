"""(VALUES (...), (...)) AS t(a, b): SQLite names a VALUES list's columns column1,
column2, ... and takes no column list on an alias, so the list becomes a subquery that
renames them. Each column is NOCASE, as a text column of a table is: the default
collation compares, groups and counts ('a', 'A') as one value (a number ignores it)."""

from __future__ import annotations

from sqlglot import exp


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
