"""The keyword DEFAULT as a value ("INSERT (Transact-SQL)": "Forces the Database Engine to
load the default value defined for a column"; NULL where the column has none), which
SQLite has no word for. A column whose value is DEFAULT in every row of an INSERT ...
VALUES is left out of the INSERT, so SQLite puts the column's DEFAULT in it; a row of
nothing but DEFAULT is `DEFAULT VALUES`. DEFAULT in some rows of a column only, and
`UPDATE ... SET a = DEFAULT`, are 40517 (the default's T-SQL is not at hand here).
"""

from __future__ import annotations

from sqlglot import exp

from . import errors
from .catalog import Catalog
from .temp_tables import table_named


def _is_default(node: exp.Expression) -> bool:
    return isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"


def drop_default_values(tree: exp.Expression, catalog: Catalog) -> None:
    if isinstance(tree, exp.Update):
        if any(_is_default(a.expression) for a in tree.expressions if isinstance(a, exp.EQ)):
            raise errors.unsupported("SET column = DEFAULT (set the default's value itself)")
        return
    values = tree.expression if isinstance(tree, exp.Insert) else None
    if not isinstance(values, exp.Values):
        return
    rows = [r.expressions for r in values.expressions if isinstance(r, exp.Tuple)]
    if not any(_is_default(v) for row in rows for v in row):
        return
    schema = tree.this
    if isinstance(schema, exp.Schema):
        names = [i.name for i in schema.expressions]
    else:
        table = table_named(schema, catalog)
        if table is None:
            raise errors.invalid_object(schema.sql("tsql"))
        names = [c.name for c in table.columns if not c.is_identity and not c.computed]
        schema = exp.Schema(this=schema.copy(), expressions=[])
    defaulted = {i for i in range(len(names)) if all(_is_default(r[i]) for r in rows if i < len(r))}
    if any(_is_default(v) for row in rows for i, v in enumerate(row) if i not in defaulted):
        raise errors.unsupported(
            "DEFAULT in some rows of a column only (insert those rows in an INSERT of their own)"
        )
    if len(defaulted) == len(names) and len(rows) == 1:
        tree.set("expression", None)
        tree.set("this", schema.this)
        tree.set("default", True)
        return
    schema.set(
        "expressions", [exp.to_identifier(n) for i, n in enumerate(names) if i not in defaulted]
    )
    tree.set("this", schema)
    for row in values.expressions:
        row.set("expressions", [v for i, v in enumerate(row.expressions) if i not in defaulted])
