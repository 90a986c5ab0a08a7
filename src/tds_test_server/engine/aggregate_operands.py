"""SUM and AVG of a value that is no number: SQL Server refuses the statement, SQLite
adds what it can read as a number (0 for a name).

"SUM (Transact-SQL)" and "AVG (Transact-SQL)": the expression is "of the exact numeric
or approximate numeric data type category, except for the bit data type". Any other
type is Msg 8117, level 16, "Operand data type nvarchar is invalid for sum operator."
(sys.messages' "Operand data type %ls is invalid for %ls operator."; the pages name no
error, so the number and words are sys.messages', not the pages'). Only operands whose
type is plain to see (a column, a literal, a CAST) are checked: the rest pass.
"""

from __future__ import annotations

from sqlglot import exp

from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .text_numbers import MONEY_TYPES, NUMBER_TYPES

_SUMMABLE = frozenset(t for t in (*NUMBER_TYPES, *MONEY_TYPES) if t != "bit")
_OPERATORS = {exp.Sum: "sum", exp.Avg: "avg"}


def check_aggregate_operands(tree: exp.Expression, catalog: Catalog) -> None:
    """Msg 8117 for the first SUM or AVG in `tree` whose operand is of no number type."""
    calls = [node for node in tree.find_all(exp.Sum, exp.Avg) if node.this is not None]
    if not calls:
        return
    columns = ColumnSources(tree, catalog)
    for call in calls:
        operand = call.this
        if isinstance(operand, exp.Distinct):  # SUM(DISTINCT a): one expression
            operand = operand.expressions[0]
        found = source_type(operand, columns)
        if found is not None and found.name not in _SUMMABLE:
            raise errors.invalid_operand(found.name, _OPERATORS[type(call)])
