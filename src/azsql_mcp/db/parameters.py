"""Values for a statement's `@name` parameters, as the driver binds them.

Names match as SQL Server matches variable names (case-insensitive, each parameter
once); a value the driver cannot send (an int beyond bigint, a Decimal of more than 38
digits) is refused naming its parameter, and a name the statement does not use is
refused.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from azsql_mcp.api import QueryRefused, string_sql_type
from azsql_mcp.db import driverconn


def bind_params(
    names: Sequence[str],
    params: Mapping[str, Any] | None,
    *,
    check_unused: bool = True,
    sql_types: Mapping[str, str] | None = None,
) -> list[Any]:
    """Values for the `?` placeholders, in order, from `@name` parameters. Names match
    as SQL Server matches variable names, in the instance's collation, case-insensitive
    as installed and on Azure SQL: `@Id` and `@id` are one parameter (the guard reads
    `@Id = @id` as always true, write_filters.py). A string of a parameter `sql_types`
    names goes as (value, type, length), which the driver process declares as that type
    (odbc_types.typed_values)."""
    values = _values_by_name(params)
    first = _first_spellings(names)
    missing = [name for name in first if name.casefold() not in values]
    if missing:
        raise QueryRefused(
            f"No value for parameter {', '.join('@' + m for m in missing)}.",
            "every @name in the statement needs a value in params",
        )
    if check_unused:
        refuse_unused(params, set(names))
    sent = {name.casefold(): bindable(name, values[name.casefold()]) for name in first}
    for key, text in _values_by_name(sql_types).items():
        if key not in sent:
            raise QueryRefused(
                f"sql_types names @{key}, which the statement does not use.",
                "only the @name parameters that appear in the statement",
            )
        try:
            declared = string_sql_type(text)
        except ValueError as exc:
            raise QueryRefused(f"@{key}: {exc}.", "character types in sql_types") from None
        if isinstance(sent.get(key), str):
            sent[key] = (sent[key], *declared)
    return [sent[name.casefold()] for name in names]


def _first_spellings(names: Sequence[str]) -> list[str]:
    """Each parameter once, as first written (`@Id ... @ID` is one)."""
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(name.casefold(), name)
    return list(first.values())


def _values_by_name(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """`params` by casefolded name, without '@'; two names SQL Server reads as one
    parameter are refused (which value would go is not for the server to guess)."""
    values: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key, value in (params or {}).items():
        folded = key.lstrip("@").casefold()
        if folded in written:
            raise QueryRefused(
                f"params has {written[folded]} and {key}, which name one parameter: names"
                " are matched without regard to case, as SQL Server's default collations"
                " compare them. Give each parameter once.",
                "each @name once in params, in any case",
            )
        values[folded], written[folded] = value, key
    return values


_BIGINT = (-(2**63), 2**63 - 1)
_MAX_DIGITS = 38  # the precision of a SQL Server decimal


def bindable(name: str, value: Any) -> Any:
    """`value` as the driver can send it, or QueryRefused naming @name for a value it
    cannot (pyodbc raises OverflowError for an int beyond bigint, and an ODBC error
    without the parameter's name for a Decimal of more than 38 digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not _BIGINT[0] <= value <= _BIGINT[1]:
            raise QueryRefused(
                f"@{name} is {value}, outside the range of bigint"
                f" ({_BIGINT[0]} to {_BIGINT[1]}), the widest integer SQL Server takes.",
                driverconn.BINDABLE,
            )
    elif isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise QueryRefused(
                f"@{name} is {value}, which SQL Server cannot hold.", driverconn.BINDABLE
            )
        # pyodbc binds the digits as written: 1.000 as decimal(4,3), 0E+50 as 51 digits
        if _digits(value) <= _MAX_DIGITS:
            return value
        sent = _shortest(value)
        if _digits(sent) > _MAX_DIGITS:
            raise QueryRefused(
                f"@{name} is {value}, which needs more than the 38 digits of a SQL Server decimal.",
                driverconn.BINDABLE,
            )
        return sent
    return value


def _digits(value: decimal.Decimal) -> int:
    """The precision pyodbc binds `value` with: its digits as written, trailing zeros
    and the zeros an exponent stands for included."""
    parts = value.as_tuple()
    digits, exponent = len(parts.digits), int(parts.exponent)
    return max(digits, digits + exponent, -exponent)


def _shortest(value: decimal.Decimal) -> decimal.Decimal:
    """The same number without trailing zeros (`0E+50` is 0, `1.000` is 1): the digits
    SQL Server needs. Exact: a context as precise as the value never rounds."""
    digits = len(value.as_tuple().digits)
    exact = decimal.Context(prec=digits, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    return value.normalize(exact)


def refuse_unused(params: Mapping[str, Any] | None, used: Collection[str]) -> None:
    """QueryRefused if `params` names a parameter that is none of `used` (the names
    the statements use), in any case."""
    folded = {name.casefold() for name in used}
    unused = sorted(key for key in (params or {}) if key.lstrip("@").casefold() not in folded)
    if unused:
        raise QueryRefused(
            f"params has names the statement does not use: {', '.join(unused)}.",
            "only the @name parameters that appear in the statement",
        )
