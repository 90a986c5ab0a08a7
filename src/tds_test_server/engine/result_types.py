"""Result types of operators by SQL Server's rules ("Data type precedence" and
"Precision, scale, and length" on learn.microsoft.com), for result-set metadata.
"""

from __future__ import annotations

from sqlglot import exp

from ..results import ColumnType

# sqlglot's arithmetic nodes and the operator `arithmetic` takes for each.
ARITHMETIC_OPERATORS: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
}

# Highest first, as Microsoft lists them.
_PRECEDENCE = (
    "sql_variant",
    "xml",
    "datetimeoffset",
    "datetime2",
    "datetime",
    "smalldatetime",
    "date",
    "time",
    "float",
    "real",
    "decimal",
    "numeric",
    "money",
    "smallmoney",
    "bigint",
    "int",
    "smallint",
    "tinyint",
    "bit",
    "ntext",
    "text",
    "image",
    "timestamp",
    "uniqueidentifier",
    "nvarchar",
    "nchar",
    "varchar",
    "char",
    "varbinary",
    "binary",
)
_RANK = {name: len(_PRECEDENCE) - i for i, name in enumerate(_PRECEDENCE)}

# Exact numerics seen as decimal(p, s) in decimal arithmetic.
_AS_DECIMAL = {
    "bit": (1, 0),
    "tinyint": (3, 0),
    "smallint": (5, 0),
    "int": (10, 0),
    "bigint": (19, 0),
    "smallmoney": (10, 4),
    "money": (19, 4),
}
_STRINGS = ("char", "varchar", "nchar", "nvarchar")
_MAX_PRECISION = 38


def number_literal_type(text: str) -> ColumnType:
    """A number constant's type: float with an exponent, numeric of the digits written
    with a point (1.50 is numeric(3, 2)), int, and past int's range a decimal constant
    ("int, bigint, smallint, and tinyint (Transact-SQL)": "Integer constants greater
    than 2,147,483,647 are converted to the decimal data type, not the bigint data
    type"), numeric of its digits (3000000000 is numeric(10, 0); so is -2147483648, the
    minus applied to 2147483648)."""
    digits = text.lower().lstrip("+-")
    if "e" in digits:
        return ColumnType("float")
    whole, point, fraction = digits.partition(".")
    if not point and int(whole) < 2**31:
        return ColumnType("int")
    return ColumnType("numeric", precision=max(len(whole + fraction), 1), scale=len(fraction))


def constant_operands(
    node: exp.Expr, left: ColumnType, right: ColumnType
) -> tuple[ColumnType, ColumnType]:
    """The operand types `arithmetic` takes for node's two sides, where one is an integer
    constant and the other a decimal: "int, bigint, smallint, and tinyint (Transact-SQL)"
    says such a constant is first converted to numeric "whose precision is just large
    enough to hold the value" (2 is numeric(1, 0)) when the query is not
    autoparameterized, and to numeric(10, 0) when it is. A batch sent as text is taken
    as not autoparameterized: "Simple parameterization" says SQL Server parameterizes
    only "a relatively small class of queries" and does not say which, a statement with
    parameters (a prepared one, sp_executesql) is not parameterized again, and the int
    page's own example, 2147483649 / 2, shows 1073741824.500000, numeric(1, 0)'s six
    places, where numeric(10, 0) would give eleven (as `SELECT 1.0 / 3` shows
    0.333333)."""
    return _constant_as_decimal(node.this, left, right), _constant_as_decimal(
        node.expression, right, left
    )


def _constant_as_decimal(node: exp.Expr, own: ColumnType, other: ColumnType) -> ColumnType:
    while isinstance(node, (exp.Neg, exp.Paren)):
        node = node.this
    if own.name != "int" or other.name not in ("decimal", "numeric"):
        return own
    if not isinstance(node, exp.Literal) or node.is_string or not node.name.isdigit():
        return own
    return ColumnType("numeric", precision=len(str(int(node.name))), scale=0)


def precedence(a: ColumnType, b: ColumnType) -> ColumnType:
    """The operand whose type wins by data type precedence."""
    return a if _RANK.get(a.name, 0) >= _RANK.get(b.name, 0) else b


def arithmetic(op: str, a: ColumnType, b: ColumnType) -> ColumnType:
    """The type of `a op b` for op in + - * / %."""
    if op == "+" and a.name in _STRINGS and b.name in _STRINGS:
        return _concatenation(a, b)
    # A string operand is converted to the other operand's type (comparisons.py).
    a = b if a.name in _STRINGS else a
    b = a if b.name in _STRINGS else b
    win = precedence(a, b)
    # "+ (Addition)" and the other operators: the type of higher precedence, so tinyint
    # with tinyint is tinyint (200 + 100 overflows it); bit, which no operator takes
    # alone, is int with another bit
    if win.name == "bit":
        return ColumnType("int")
    if win.name in ("money", "smallmoney"):
        # money with money or a smaller integer stays money (smallmoney widens to money
        # unless both sides are smallmoney).
        if a.name == b.name == "smallmoney":
            return ColumnType("smallmoney", precision=10, scale=4)
        return ColumnType("money", precision=19, scale=4)
    if win.name in ("decimal", "numeric"):
        return _decimal(op, _as_decimal(a), _as_decimal(b))
    if win.name in _STRINGS:  # both strings under - * / %: SQL Server refuses them
        return ColumnType("int")
    return ColumnType(win.name, win.length, win.precision, win.scale)


def _as_decimal(t: ColumnType) -> tuple[int, int]:
    if t.name in ("decimal", "numeric"):
        return t.precision or 18, t.scale or 0
    return _AS_DECIMAL.get(t.name, (38, 0))


def _decimal(op: str, left: tuple[int, int], right: tuple[int, int]) -> ColumnType:
    (p1, s1), (p2, s2) = left, right
    if op in ("+", "-"):
        scale = max(s1, s2)
        integral = max(p1 - s1, p2 - s2)
        precision = scale + integral + 1
        if precision > _MAX_PRECISION:
            precision = _MAX_PRECISION
            scale = max(min(scale, _MAX_PRECISION - integral), 0)
        return ColumnType("decimal", precision=precision, scale=scale)
    if op == "*":
        precision, scale = p1 + p2 + 1, s1 + s2
    elif op == "/":
        scale = max(6, s1 + p2 + 1)
        precision = p1 - s1 + s2 + scale
    else:  # %
        scale = max(s1, s2)
        precision = min(p1 - s1, p2 - s2) + scale
    if precision > _MAX_PRECISION:
        integral = precision - scale
        if integral < 32:
            scale = min(scale, _MAX_PRECISION - integral)
        elif scale > 6:
            scale = 6
        precision = _MAX_PRECISION
    return ColumnType("decimal", precision=precision, scale=scale)


def _concatenation(a: ColumnType, b: ColumnType) -> ColumnType:
    unicode = "n" in (a.name[0], b.name[0])
    limit = 4000 if unicode else 8000
    la, lb = a.length or 1, b.length or 1
    if la == -1 or lb == -1:
        return ColumnType("nvarchar" if unicode else "varchar", -1)
    return ColumnType("nvarchar" if unicode else "varchar", min(la + lb, limit))


def utf16_length(text: str) -> int:
    """Characters as SQL Server counts them for nvarchar(n): UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def concatenation(parts: list[ColumnType | None]) -> ColumnType:
    """CONCAT / CONCAT_WS / +: nvarchar when any argument is Unicode; other types count
    as the characters they convert to (unknown ones make it (max))."""
    unicode = any(p is not None and p.name in ("nchar", "nvarchar", "ntext") for p in parts)
    total = 0
    for part in parts:
        if part is None or part.length == -1:
            total = -1
            break
        total += part.length if part.name in _STRINGS and part.length else 30
    name = "nvarchar" if unicode else "varchar"
    limit = 4000 if unicode else 8000
    return ColumnType(name, -1 if total == -1 or total > limit else max(total, 1))


def result_of_branches(types: list[ColumnType | None]) -> ColumnType | None:
    """CASE / IIF / COALESCE: the highest-precedence branch type; strings take the
    longest length among the string branches."""
    known = [t for t in types if t is not None]
    if not known or (len(known) < len(types) and all(t.name in _STRINGS for t in known)):
        return None
    win = known[0]
    for t in known[1:]:
        win = precedence(win, t)
    if win.name in _STRINGS:
        lengths = [t.length or 1 for t in known if t.name in _STRINGS]
        return ColumnType(win.name, -1 if -1 in lengths else max(lengths))
    if win.name in ("decimal", "numeric"):
        exact = (*_AS_DECIMAL, "decimal", "numeric")  # a float branch cannot win here
        decimals = [_as_decimal(t) for t in known if t.name in exact]
        scale = max(s for _, s in decimals)
        integral = max(p - s for p, s in decimals)
        return ColumnType(win.name, precision=min(integral + scale, 38), scale=scale)
    return win


def replicate_type(argument: ColumnType | None) -> ColumnType:
    """REPLICATE(argument, n): "Returns the same type as string_expression", cut at 8,000
    bytes unless that is varchar(max) or nvarchar(max) ("REPLICATE (Transact-SQL)"); an
    unknown argument gives nvarchar(max), which cuts nothing."""
    if argument is None:
        return ColumnType("nvarchar", -1)
    name = "nvarchar" if argument.name in ("nchar", "nvarchar", "ntext") else "varchar"
    if argument.length == -1:
        return ColumnType(name, -1)
    return ColumnType(name, 4000 if name == "nvarchar" else 8000)


_UNICODE = ("nchar", "nvarchar", "ntext")


def string_result_type(argument: ColumnType | None) -> ColumnType:
    """UPPER, LOWER, LTRIM, RTRIM, TRIM, LEFT, RIGHT and SUBSTRING of a string: "varchar or
    nvarchar" on each function's page (SUBSTRING's table: char, varchar and text give
    varchar; nchar, nvarchar and ntext nvarchar; binary types varbinary), of the
    argument's length, which no result exceeds. An argument of another type converts to
    varchar; of an unknown one (a variable) varchar(8000) is assumed."""
    if argument is not None and argument.name in ("binary", "varbinary", "image"):
        return ColumnType("varbinary", argument.length)
    if argument is None or argument.name not in (*_STRINGS, "text", "ntext"):
        return ColumnType("varchar", 8000)
    name = "nvarchar" if argument.name in _UNICODE else "varchar"
    return ColumnType(name, -1 if argument.name in ("text", "ntext") else argument.length)


def replace_type(arguments: list[ColumnType | None]) -> ColumnType:
    """REPLACE: nvarchar if one argument is nvarchar, else varchar; cut at 8,000 bytes
    unless the string searched is varchar(max) or nvarchar(max) ("REPLACE (Transact-SQL)")."""
    unicode = any(a is not None and a.name in _UNICODE for a in arguments)
    name = "nvarchar" if unicode else "varchar"
    searched = arguments[0] if arguments else None
    if searched is not None and searched.length == -1:
        return ColumnType(name, -1)
    return ColumnType(name, 4000 if unicode else 8000)


def string_agg_type(argument: ColumnType | None) -> ColumnType:
    """STRING_AGG(value, sep): "Return type depends on first argument": varchar(max) and
    nvarchar(max) stay, another varchar is varchar(8000), another nvarchar nvarchar(4000),
    and a number or date nvarchar(4000) ("STRING_AGG (Transact-SQL)"). char and nchar are
    taken as varchar and nvarchar; an unknown argument as nvarchar(4000)."""
    if argument is not None and argument.name in ("char", "varchar"):
        return ColumnType("varchar", -1 if argument.length == -1 else 8000)
    if argument is not None and argument.name in _UNICODE and argument.length == -1:
        return ColumnType("nvarchar", -1)
    return ColumnType("nvarchar", 4000)


def power_type(argument: ColumnType | None) -> ColumnType:
    """POWER(x, y) by x's type ("POWER (Transact-SQL)", Return types): decimal(p, s) gives
    decimal(38, s), the integer types int (bigint stays), money and smallmoney money, and
    float, real, bit and the strings float. An unknown x (a variable) is taken as float."""
    name = argument.name if argument is not None else "float"
    if argument is not None and name in ("decimal", "numeric"):
        return ColumnType(name, precision=38, scale=argument.scale)
    if name in ("int", "smallint", "tinyint"):
        return ColumnType("int")
    if name == "bigint":
        return ColumnType("bigint")
    if name in ("money", "smallmoney"):
        return ColumnType("money", precision=19, scale=4)
    return ColumnType("float")
