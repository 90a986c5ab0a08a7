"""Result types of built-ins whose type follows their arguments', which sqlglot's
annotation (SQLite's view: REAL for most) does not know.

- "ISNULL (Transact-SQL)": check_expression's type (the replacement is converted to it),
  or the replacement's where check_expression is a literal NULL; "COALESCE
  (Transact-SQL)": the argument type of highest precedence, as CASE. sqlglot reads both
  as one Coalesce node.
- Unary minus, ABS, SIGN, CEILING and FLOOR keep a number's type ("SIGN
  (Transact-SQL)"'s table: bigint stays bigint, the smaller integers give int, money
  money, decimal decimal, anything else float); CEILING and FLOOR leave no decimal
  places (CEILING(2.1) is 3). POWER is result_types.power_type's; SQUARE(x), which is
  float, is read as POWER(CAST(x AS float), 2) (tsql_dialect.py).
- HASHBYTES is varbinary(8000) (hashbytes.py).
- GREATEST, LEAST and CHOOSE: "the data type with the highest precedence from the set of
  types passed to the function" (their pages), as CASE's branches; SOUNDEX varchar(4).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..results import ColumnType
from .hashbytes import hashbytes_type
from .result_types import result_of_branches

TypeOf = Callable[[exp.Expr], ColumnType | None]

_INTEGERS = ("bigint", "int", "smallint", "tinyint")
_NUMBER_FUNCTIONS = (exp.Abs, exp.Sign, exp.Ceil, exp.Floor)


def function_type(node: exp.Expr, type_of: TypeOf) -> ColumnType | None:
    if isinstance(node, exp.Coalesce):
        return _null_function_type(node, type_of)
    if (hashed := hashbytes_type(node)) is not None:
        return hashed
    if isinstance(node, exp.Neg):
        return type_of(node.this)
    if isinstance(node, (exp.Greatest, exp.Least)):
        return result_of_branches([type_of(a) for a in (node.this, *node.expressions)])
    if isinstance(node, exp.Anonymous) and node.name.upper() == "CHOOSE":
        return result_of_branches([type_of(a) for a in node.expressions[1:]])
    if isinstance(node, exp.Soundex):
        return ColumnType("varchar", 4)
    if isinstance(node, _NUMBER_FUNCTIONS):
        argument = type_of(node.this)
        return _number_type(node, argument) if argument is not None else None
    return None


def _null_function_type(node: exp.Coalesce, type_of: TypeOf) -> ColumnType | None:
    arguments = [node.this, *node.expressions]
    if node.args.get("is_null"):  # ISNULL(check, replacement)
        check = arguments[0]
        return type_of(arguments[-1] if isinstance(check, exp.Null) else check)
    return result_of_branches([type_of(a) for a in arguments if not isinstance(a, exp.Null)])


def _number_type(node: exp.Expr, argument: ColumnType) -> ColumnType:
    name = argument.name
    if name in _INTEGERS:
        if isinstance(node, exp.Abs):  # ABS keeps even tinyint and smallint
            return argument
        return ColumnType("bigint" if name == "bigint" else "int")
    if name in ("money", "smallmoney"):
        return ColumnType("money", precision=19, scale=4)
    if name in ("decimal", "numeric"):
        precision, scale = argument.precision or 18, argument.scale or 0
        if isinstance(node, (exp.Ceil, exp.Floor)):
            return ColumnType(name, precision=precision, scale=0)
        return ColumnType(name, precision=precision, scale=scale)
    return ColumnType("real" if name == "real" else "float")
