"""Comparisons of a number, money or date and time value with a string, and arithmetic
on a number and a string, by data type precedence.

Microsoft's "Data type precedence (Transact-SQL)": when an operator combines expressions
of different types, the one of lower precedence is converted to the higher; every number
type outranks every character type. So `int_column = 'abc'` converts 'abc' to int and
fails (Msg 245, level 16, state 1: "Conversion failed when converting the varchar value
'abc' to data type int."), `varchar_column = 5` converts the column, row by row, and
'17' still compares as the number 17. SQLite instead compares a text with a number as
unequal, so the test server found no rows where SQL Server fails. The date and time
types outrank the character types too: `date_column = '06/01/2008'` converts the string
to the column's type, as CAST would, into the text the column stores ('2008-06-01
00:00:00.000' for datetime: date_literals.py stores INSERT's strings so), and
`date_column = 'not a date'` fails with Msg 241 (date_strings.py reads the formats).
Where the texts of one instant may differ (two date and time types: `date_column =
datetime_column`; a datetimeoffset; a date variable, whose type is known only when the
statement runs), every operand becomes TSQL_DATE_KEY instead: a string converted to the
type of higher precedence, then each value as datetime2(7) text, at UTC for a
datetimeoffset, so that the texts compare as the instants do.
The conversion to a number is text_numbers', as CAST's is. Arithmetic (+ - * / %)
converts the same way: `'abc' + 1` fails with Msg 245 and `'12' + 1` is 13 (+
concatenates only two strings); `'abc' * 1.5` fails with Msg 8114 ("Error converting
data type varchar to numeric.").

Before the tables are renamed for SQLite, each comparison (= <> < <= > >=, IN with a
list, BETWEEN) with an operand of a number, money or date type, and each arithmetic
operator with an operand of a number or money type, gets its string operands wrapped in
TSQL_COMPARAND(value, target type, source type, target scale) (or every operand in
TSQL_DATE_KEY, above). A @variable's type is known
only when the statement runs: it is bound as the parameter `<name>__azsql_type`, which
is also the target of a string set against a variable alone (`'17' = @n`,
`JSON_VALUE(j, '$.id') = @id`, a string column: `Name = @n`): the string converts where
the variable is of a number or date type. Of two variables (`@s = @n`) each converts to
the other's type, so only a string beside a number or date does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert import tsql_convert
from .convert_sql import source_type
from .date_numbers import number_to_date, number_type
from .date_parts import parse_datetime
from .result_types import ARITHMETIC_OPERATORS, precedence
from .sql_types import DATE_TYPES
from .temporal import format_datetime, seventh_digit
from .text_numbers import MONEY_TYPES, NUMBER_TYPES, text_to_number
from .variable_types import SCALE_SUFFIX, STRING_VARIABLES, declared, variable_name

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_ARITHMETIC = tuple(ARITHMETIC_OPERATORS)
_STRINGS = ("char", "varchar", "nchar", "nvarchar")
# The types a string converts to, in two families that do not mix; arithmetic converts
# strings to numbers only (a date plus a number is date arithmetic, left to DATEADD's rules).
_NUMBERS = (*NUMBER_TYPES, *MONEY_TYPES)
_FAMILIES = (_NUMBERS, DATE_TYPES)


def rewrite_comparisons(tree: exp.Expression, catalog: Catalog) -> None:
    groups = list(_operand_groups(tree))
    if not groups:
        return
    columns = ColumnSources(tree, catalog)
    # every type before any replacement: ColumnSources knows the columns as they are
    typed = [[(op, _operand_type(op, columns)) for op in group] for group, _ in groups]
    for (_, families), group in zip(groups, typed, strict=True):
        target = _target_type([found for _, found in group], families)
        if target is None:
            _wrap_beside_variable(group)
            continue
        instants = _compares_instants(target, group)
        for operand, found in group:
            if instants:
                _wrap(operand, target, found, "TSQL_DATE_KEY")
            elif variable_name(operand) is not None or _converted(found, target):
                _wrap(operand, target, found, "TSQL_COMPARAND")


_Families = tuple[Collection[str], ...]


def _operand_groups(tree: exp.Expression) -> Iterator[tuple[list[exp.Expression], _Families]]:
    """The operands each comparison or arithmetic operator sets against each other, with
    the type families its strings may convert to (an UPDATE's SET is no comparison)."""
    for node in tree.find_all(*_COMPARISONS, exp.In, exp.Between, *_ARITHMETIC):
        if isinstance(node, _ARITHMETIC):
            yield [node.this, node.expression], (_NUMBERS,)
        elif isinstance(node, exp.In):
            if not node.args.get("query") and not node.args.get("unnest"):
                yield [node.this, *node.expressions], _FAMILIES
        elif isinstance(node, exp.Between):
            yield [node.this, node.args["low"], node.args["high"]], _FAMILIES
        elif not isinstance(node.parent, exp.Update):
            yield [node.this, node.expression], _FAMILIES


def _operand_type(node: exp.Expression, columns: ColumnSources) -> ColumnType | None:
    if variable_name(node) is not None:
        return None
    return source_type(node, columns)


def _target_type(types: list[ColumnType | None], families: _Families) -> ColumnType | None:
    """The type the operator converts its strings to: the highest-precedence one, if
    every operand whose type is known is a string or of one of `families`."""
    known = [t for t in types if t is not None and t.name not in _STRINGS]
    family = next((f for f in families if known and known[0].name in f), None)
    if family is None or any(t.name not in family for t in known):
        return _number_date(known) if families == _FAMILIES else None
    win = known[0]
    for t in known[1:]:
        win = precedence(win, t)
    return win


def _number_date(known: list[ColumnType]) -> ColumnType | None:
    """A number compared with a datetime or smalldatetime converts to it as a count of
    days (date_numbers.py); with a newer date type it clashes (Msg 206, the operands'
    types in their order)."""
    dates = [t for t in known if t.name in DATE_TYPES]
    if not dates or any(t.name not in _NUMBERS and t.name not in DATE_TYPES for t in known):
        return None
    first = known[0]
    other = next(t for t in known if (t.name in DATE_TYPES) != (first.name in DATE_TYPES))
    names = [number_type(None, t.name) if t.name in _NUMBERS else t.name for t in (first, other)]
    if any(t.name not in ("datetime", "smalldatetime") for t in dates):
        raise errors.operand_clash(*names)
    win = dates[0]
    for t in dates[1:]:
        win = precedence(win, t)
    return win


def _converted(found: ColumnType | None, target: ColumnType) -> bool:
    """Whether an operand converts to `target`: a string, or a number compared with a date."""
    if found is None:
        return False
    return found.name in _STRINGS or (found.name in _NUMBERS and target.name in DATE_TYPES)


def _compares_instants(target: ColumnType, group: list[tuple[exp.Expression, Any]]) -> bool:
    """Whether the operands' stored texts may differ for one instant: dates of different
    types or scales, a datetimeoffset (its text has its offset), a variable (its type is
    known only when the statement runs). Then every operand becomes its date_key (one of
    a type not plain to see read as a string of a date). Not for time, whose texts agree,
    nor where SQL Server refuses the mix (date and time)."""
    if target.name not in DATE_TYPES or target.name == "time":
        return False
    dates = {(t.name, t.scale) for _, t in group if t is not None and t.name in DATE_TYPES}
    if "time" in {name for name, _ in dates} and len(dates) > 1:
        return False
    variables = any(variable_name(operand) is not None for operand, _ in group)
    return len(dates) > 1 or target.name == "datetimeoffset" or variables


def _wrap_beside_variable(group: list[tuple[exp.Expression, ColumnType | None]]) -> None:
    """Strings set against one @variable (`JSON_VALUE(j, '$.id') = @id`, `'17' = @n`,
    `Name = @n`), with no operand of another known type: they convert to the variable's
    type, which is known only when the statement runs, so its name is the call's target
    (comparand leaves them where it is a string type). A string column too, as SQL
    Server converts it where the variable is a number (Msg 245 for a row that is none);
    where the variable is known to be a string when the statement is translated
    (STRING_VARIABLES) the column is left alone, as the call would hide its index from
    `Name = @name`. Two variables (`@s = @n`) each take the other's type: only a string
    beside a number or date converts."""
    names = [name for operand, _ in group if (name := variable_name(operand)) is not None]
    if any(t is not None and t.name not in _STRINGS for _, t in group):
        return
    if len(set(names)) == 1:
        (name,) = set(names)
        for operand, found in group:
            if isinstance(operand, exp.Column) and name in STRING_VARIABLES.get():
                continue  # compared as text, as SQLite does, by the column's index
            if found is not None:
                _wrap_as_variable(operand, found.name, name)
    elif len(names) == len(group) == 2:
        first, second = (operand for operand, _ in group)
        _wrap_as_variable(first, declared(names[0]), names[1])
        _wrap_as_variable(second, declared(names[1]), names[0])


def _wrap_as_variable(operand: exp.Expression, source: str | exp.Expression, name: str) -> None:
    """operand in TSQL_COMPARAND, converted to variable `name`'s declared type."""
    call = exp.Anonymous(this="TSQL_COMPARAND", expressions=[])
    operand.replace(call)
    typed = exp.Literal.string(source) if isinstance(source, str) else source
    scale = declared(name, SCALE_SUFFIX)
    call.set("expressions", [operand, declared(name), typed, scale])


def _wrap(
    operand: exp.Expression, target: ColumnType, found: ColumnType | None, function: str
) -> None:
    name = variable_name(operand)
    source: exp.Expression = (
        declared(name)
        if name is not None
        else exp.Literal.string(found.name if found is not None else "")
    )
    call = exp.Anonymous(this=function, expressions=[])
    operand.replace(call)  # the operand itself moves into the call: other groups hold it
    scale = exp.Literal.number(target.scale or 0)
    call.set("expressions", [operand, exp.Literal.string(target.name), source, scale])


def comparand(value: Any, target: str, source: str | None, scale: int) -> Any:
    """`value` as the type `target` (of `scale`, for the date and time types) where it is
    a string (by its declared type `source`; by its value where no type is known), else
    unchanged."""
    if target not in _NUMBERS and target not in DATE_TYPES:  # a variable's string type
        return value
    if value is not None and source in _NUMBERS and target in DATE_TYPES:
        return number_to_date(value, target, source, implicit=True)
    if source in ("decimal", "numeric") and isinstance(value, str):
        return float(value)  # a decimal parameter held as its exact text (decimal_number)
    if value is None or not (source in _STRINGS or (not source and isinstance(value, str))):
        return value
    source = source or "varchar"
    if target in DATE_TYPES:  # the text the column stores (Msg 241 where it is no date)
        return tsql_convert(str(value), target, 0, scale, None, source, 0)
    number = text_to_number(str(value), target, source)
    if isinstance(number, Decimal):
        return int(number) if number == number.to_integral_value() else float(number)
    return number


def date_key(value: Any, target: str, source: str | None, scale: int) -> Any:
    """A date or time value as text that sorts as its instant: datetime2(7) of its
    clock time, a datetimeoffset's at UTC. A string (by `source`, its declared type) is
    first converted to `target` (of `scale`), as data type precedence converts it."""
    if value is None:
        return None
    if source not in DATE_TYPES:
        value = tsql_convert(str(value), target, 0, scale, None, source or "", 0, implicit=True)
    when = parse_datetime(value)  # a time is on 1900-01-01, as it converts to datetime
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return format_datetime(when, "datetime2", 7, seventh_digit(value))


COMPARISON_FUNCTIONS = {
    "TSQL_COMPARAND": (4, comparand, True),
    "TSQL_DATE_KEY": (4, date_key, True),
}
