"""What the translator does to a statement as parsed, before it copies and rewrites it:
SQL Server's binding checks (query_rules.py), `*` without HIDDEN columns
(hidden_columns.py), the keyword DEFAULT as a value (default_values.py) and the recursion
limit its OPTION clause sets (recursion.py)."""

from __future__ import annotations

from sqlglot import exp

from .catalog import Catalog
from .default_values import drop_default_values
from .hidden_columns import expand_hidden_stars
from .query_rules import check_query_rules
from .recursion import note_max_recursion


def prepare(tree: exp.Expression, text: str, catalog: Catalog) -> exp.Expression:
    check_query_rules(tree, catalog)
    expand_hidden_stars(tree, catalog)
    drop_default_values(tree, catalog)
    return note_max_recursion(tree, text)
