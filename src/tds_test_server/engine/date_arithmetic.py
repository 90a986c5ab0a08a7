"""+ and - on datetime and smalldatetime: a count of days, as SQL Server adds them.

"+ (Addition) (Transact-SQL)" and "- (Subtraction) (Transact-SQL)": the operators take
datetime and smalldatetime (not date, time, datetime2 or datetimeoffset) beside a
number, which counts days (`GETDATE() - 30` is thirty days ago, `OrderDate + 0.5` twelve
hours later), and the result is "the data type of the argument with the higher
precedence": datetime, or smalldatetime beside a number. Two datetimes subtract as their
day counts do (date_numbers.py: days since 1900-01-01), so `b - a` is a datetime that
many days after 1900-01-01, the form `DATEDIFF(day, 0, b - a)` reads back. SQLite read
a datetime's text as its year (`OrderDate - 1` was 2023 days after 1900) or refused it
(`OrderDate + 1`, Msg 245).

A string beside a datetime or smalldatetime converts to that type first ("Data type
precedence": every date and time type outranks the character types), so `GETDATE() +
@t` with @t varchar '2024-01-02' adds 45291 days, and a string that is no date is Msg
241. Beside date, time, datetime2 or datetimeoffset the string becomes one of those,
for which + and - are not defined: Msg 8117 ("Operand data type datetime2 is invalid for
add operator.", sys.messages' words; the pages name no error).

Each such operator whose operands' types are plain to see (a column, GETDATE(), a CAST)
becomes TSQL_DATE_ARITH(a, b, '+' or '-', a's type, b's type, the result's type). One
of @variables and numbers only (`@startdate + 1.25`, the "+ (Addition)" page's example)
becomes CASE WHEN a variable's declared type, bound when the statement runs, is a date
or time type THEN that call (which refuses the newer types) ELSE the operator itself. A
string that comparisons.py wrapped to convert to a variable's type counts as of that
type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert import tsql_convert
from .convert_sql import source_type
from .date_numbers import date_to_number, number_to_date, number_type
from .sql_types import DATE_TYPES
from .text_numbers import MONEY_TYPES, NUMBER_TYPES
from .variable_types import declared, variable_name

_DAY_TYPES = ("datetime", "smalldatetime")
_STRINGS = ("char", "varchar", "nchar", "nvarchar")
_OPERATORS = {"+": "add", "-": "subtract"}
_NUMBERS = frozenset(t for t in (*NUMBER_TYPES, *MONEY_TYPES) if t != "bit")


def rewrite_date_arithmetic(tree: exp.Expression, catalog: Catalog) -> None:
    nodes = list(tree.find_all(exp.Add, exp.Sub))
    if not nodes:
        return
    columns = ColumnSources(tree, catalog)
    # every type before any replacement: an outer operator's operand may be an inner one
    typed = [
        (n, _operand_type(n.this, columns), _operand_type(n.expression, columns)) for n in nodes
    ]
    for node, left, right in typed:
        names = (left.name if left else None, right.name if right else None)
        op = "+" if isinstance(node, exp.Add) else "-"
        _check_operands(names, op, translated=True)
        operands = (node.this, node.expression)
        # a @variable beside a datetime: its declared type, bound when the statement runs
        sources: list[exp.Expression] = []
        values: list[exp.Expression] = []
        for operand, name in zip(operands, names, strict=True):
            runtime = _runtime_type(operand)
            if name is None and runtime is not None:
                sources.append(runtime)
                variable = _variable(operand)
                values.append(
                    exp.Parameter(this=exp.Var(this=variable)) if variable else operand.copy()
                )
            elif name in _DAY_TYPES or name in _NUMBERS or name in _STRINGS:
                sources.append(exp.Literal.string(name))
                values.append(operand.copy())
        if len(sources) < 2:
            continue
        result = "datetime" if "datetime" in names or None in names else "smalldatetime"
        call = exp.Anonymous(this="TSQL_DATE_ARITH", expressions=[])
        call.set(
            "expressions",
            [*values, exp.Literal.string(op), *sources, exp.Literal.string(result)],
        )
        if any(n in _DAY_TYPES for n in names):
            node.replace(call)
            continue
        # only @variables and numbers (`@d + 1.25`, the "+ (Addition)" page's example,
        # `@startdate + @adddays`): days if a variable turns out a date or time type
        # (the newer ones clash there), else the numbers' own operator
        dated = [
            exp.In(this=s, expressions=[exp.Literal.string(t) for t in DATE_TYPES])
            for s in sources
            if isinstance(s, exp.Parameter)
        ]
        if not dated:  # two numbers
            continue
        case = exp.Case(ifs=[exp.If(this=exp.or_(*dated), true=call)], default=node.copy())
        node.replace(case)


def _variable(node: exp.Expression) -> str | None:
    """The @variable an operand is, also where comparisons.py wrapped it to be converted
    to the other operand's type (which a date variable is not)."""
    if isinstance(node, exp.Anonymous) and node.name.upper() == "TSQL_COMPARAND":
        node = node.expressions[0]
    return variable_name(node)


def _runtime_type(node: exp.Expression) -> exp.Expression | None:
    """The parameter bound to the declared type an operand has when the statement runs:
    a @variable's; that of the variable a string beside one converts to, where
    comparisons.py wrapped it so (`@d + '1900-01-02'`)."""
    if (variable := _variable(node)) is not None:
        return declared(variable)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "TSQL_COMPARAND":
        target = node.expressions[1]
        return target if isinstance(target, exp.Parameter) else None
    return None


def _check_operands(names: tuple[str | None, ...], op: str, *, translated: bool) -> None:
    """A newer date type (date, time, datetime2, datetimeoffset) takes no days ("+
    (Addition)": "Cannot be used with date, time, datetime2, or datetimeoffset"): beside
    a number Msg 206, beside a string (converted to it) Msg 8117. At translation the
    numbers are named by their literal's type, when the statement runs by their own."""
    newer = next((n for n in names if n in DATE_TYPES and n not in _DAY_TYPES), None)
    if newer is None:
        return
    if any(n in _NUMBERS for n in names):
        shown = (number_type(None, n or "") if translated else n or "" for n in names)
        raise errors.operand_clash(*shown)
    if any(n in _STRINGS for n in names):
        raise errors.invalid_operand(newer, _OPERATORS[op])


def _operand_type(node: exp.Expr, columns: ColumnSources) -> ColumnType | None:
    """An operand's type; MAX(d) - MIN(d) is of its column's too."""
    if isinstance(node, (exp.Max, exp.Min)):
        return source_type(node.this, columns)
    return source_type(node, columns)


def _days(value: Any, type_name: str, day_type: str) -> Decimal:
    """An operand as a count of days; a string first converted to the other operand's
    type `day_type` (Msg 241 where it is no date), as data type precedence converts it."""
    if type_name in _STRINGS:
        value = tsql_convert(str(value), day_type, 0, 0, None, type_name, 0, implicit=True)
        type_name = day_type
    if type_name in _DAY_TYPES:
        return Decimal(date_to_number(value, "decimal", type_name, 38, 12))
    return Decimal(str(value))


def _date_arith(a: Any, b: Any, op: str, a_type: str, b_type: str, result: str) -> str | None:
    types = (a_type, b_type)  # a variable's, known now
    _check_operands(types, op, translated=False)
    if any(t not in _DAY_TYPES and t not in _NUMBERS and t not in _STRINGS for t in types):
        raise errors.operand_clash(a_type, b_type)
    if a is None or b is None:
        return None
    if "smalldatetime" in types and "datetime" not in types:
        result = "smalldatetime"  # beside a number or string variable
    days = _days(a, a_type, result)
    days += _days(b, b_type, result) if op == "+" else -_days(b, b_type, result)
    return number_to_date(days, result, "decimal", implicit=True)


DATE_ARITHMETIC_FUNCTIONS: dict[str, tuple[int, Any, bool]] = {
    "TSQL_DATE_ARITH": (6, _date_arith, True),
}
