"""T-SQL built-ins as SQLite user functions, and value conversion both ways.

Storage in SQLite: integers and bit as INTEGER, float/real as REAL,
decimal/money as NUMERIC (exact up to 15 significant digits), dates and times
as ISO text ('YYYY-MM-DD HH:MM:SS.fff'), uniqueidentifier as upper-case text,
binary as BLOB. `to_sqlite` normalises parameter values to that form and
`converter` turns stored values back into the Python types results.py names.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from itertools import repeat
from typing import Any, Protocol

from ..editions import SERVER_NAME, Edition
from ..results import ColumnType, TdsError
from . import errors
from .catalog import COLLATION, Catalog, ObjectRow, Table
from .clr_sql import CLR_FUNCTIONS
from .clr_types import CLR_TYPES
from .date_numbers import is_number, number_to_date
from .date_parts import (
    dateadd,
    datediff,
    datename,
    datepart,
    in_date_range,
    parse_datetime,
    trim_fraction,
)
from .date_strings import read_datetime
from .sql_types import DATE_TYPES, DECIMAL_TYPES, INTEGER_TYPES, TYPE_IDS
from .sqltext import split_name
from .temporal import format_datetime, format_time, seventh_digit, with_seventh
from .text_numbers import (
    INTEGER_RANGES,
    MONEY_TYPES,
    NUMBER_TYPES,
    fit_decimal,
    text_to_number,
)


class SessionContext(Protocol):
    """What the session-bound functions read from the running session."""

    @property
    def spid(self) -> int: ...
    @property
    def database(self) -> str: ...
    @property
    def login(self) -> str: ...
    @property
    def app_name(self) -> str: ...
    @property
    def host_name(self) -> str: ...
    @property
    def trancount(self) -> int: ...
    @property
    def user_database(self) -> str: ...
    @property
    def edition(self) -> Edition: ...
    def sees_object(self, object_id: int) -> bool: ...

    rowcount: int
    error_number: int
    fetch_status: int
    last_identity: int | None
    lock_timeout_ms: int
    textsize: int
    language: str
    date_first: int
    catalog: Catalog
    pending_error: TdsError | None


# ---------------------------------------------------------------- values

# Milliseconds after a colon (10:00:00:5 is 5 ms), which fromisoformat reads as 0.5 s.
_COLON_FRACTION = re.compile(r":\d{1,2}:\d{1,2}:\d")


# Collations COLLATIONPROPERTY knows: (CodePage, ComparisonStyle). ComparisonStyle adds
# IgnoreCase 1, IgnoreAccent 2, IgnoreKanaType 65536 and IgnoreWidth 131072; it is 0 for
# a binary collation ("COLLATIONPROPERTY (Transact-SQL)"). The databases here have the
# first; the others are what a server may have (SAP's CP850_BIN2, a case-sensitive one).
_COLLATIONS = {
    COLLATION.casefold(): (1252, 196609),
    "latin1_general_ci_as": (1252, 196609),
    "latin1_general_cs_as": (1252, 196608),
    "latin1_general_bin2": (1252, 0),
    "sql_latin1_general_cp1_cs_as": (1252, 196608),
    "sql_latin1_general_cp850_bin2": (850, 0),
}


def to_sqlite(value: Any, ctype: ColumnType | None = None) -> Any:
    """A Python (parameter) value in the form SQLite stores for its T-SQL type."""
    if value is None or (
        isinstance(value, (int, float, str, bytes)) and not isinstance(value, bool)
    ):
        if ctype is not None and isinstance(value, str) and ctype.name == "uniqueidentifier":
            return value.upper()
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return decimal_storage(value)
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    if isinstance(value, dt.datetime):
        name = ctype.name if ctype is not None else "datetime2"
        if name not in ("date", "datetime", "smalldatetime", "datetime2", "datetimeoffset"):
            name = "datetimeoffset" if value.tzinfo else "datetime2"
        return format_datetime(value, name, ctype.scale if ctype is not None else None)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return format_time(value, ctype.scale if ctype is not None else None)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return str(value)


# decimal(38) needs more digits than the default context's 28.
_EXACT = Context(prec=80)


def decimal_storage(value: Decimal) -> int | float | str:
    """A decimal parameter as a NUMERIC column stores it (sql_types.affinity): an INTEGER
    when it is whole and fits, else as `decimal_number`, so that it is a number to CAST,
    arithmetic and comparisons, as a decimal column's value is."""
    if value == value.to_integral_value() and -(2**63) <= value < 2**63:
        return int(value)
    return decimal_number(value)


def decimal_number(value: Decimal) -> float | str:
    """A decimal value as SQLite holds it: a REAL where that keeps every digit (up to 15
    significant digits, and more where the double is exact), else the decimal's own text,
    so that `SELECT ?` or a CAST gives back all of a decimal(38, s)'s digits. Text is still
    a number to SQLite's arithmetic and to a NUMERIC column (which stores it as a REAL)."""
    real = float(value)
    return real if Decimal(repr(real)) == value else f"{value:f}"


def storage_converter(ctype: ColumnType) -> Callable[[Any], Any] | None:
    """`to_sqlite` for one column type, for bulk loads (values not NULL); None when
    values of the column's usual Python types are stored as they are."""
    name = ctype.name
    if name in INTEGER_TYPES or name in ("float", "varchar", "nvarchar"):
        return None
    if name in ("datetime", "datetime2", "smalldatetime", "date", "datetimeoffset"):
        scale = ctype.scale

        def temporal(v: Any) -> Any:
            if type(v) is dt.datetime:
                return format_datetime(v, name, scale)
            return to_sqlite(v, ctype)

        return temporal
    return lambda v: to_sqlite(v, ctype)


def decimal_of_scale(scale: int) -> Callable[[Any], Decimal]:
    """A converter to Decimal with `scale` digits after the point, rounded half up."""
    quantum = Decimal(1).scaleb(-scale)

    def convert(v: Any) -> Decimal:
        d = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        return d.quantize(quantum, ROUND_HALF_UP, _EXACT)

    return convert


def _to_int(v: Any) -> int:
    return v if type(v) is int else int(float(v)) if isinstance(v, str) else int(v)


def _to_str(v: Any) -> str:
    if type(v) is str:
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


def _to_bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, int):
        return v.to_bytes(8, "big", signed=True)
    return bytes(v)


def _to_datetime(v: Any) -> dt.datetime:
    return parse_datetime(v)


def _to_dto(v: Any) -> dt.datetime:
    d = parse_datetime(v)
    return d if d.tzinfo is not None else d.replace(tzinfo=dt.UTC)


def _to_time(v: Any) -> dt.time:
    text = str(v)
    if len(text) > 8 and (" " in text or "T" in text[8:]):
        return parse_datetime(text).time()
    if not _COLON_FRACTION.search(text):
        try:
            return dt.time.fromisoformat(trim_fraction(text) if "." in text else text)
        except ValueError:
            pass
    return read_datetime(text.strip()).time()  # 10AM, 10:00:00:123


def _pad(length: int) -> Callable[[Any], str]:
    def convert(v: Any) -> str:
        return _to_str(v).ljust(length)

    return convert


def converter(ctype: ColumnType, trusted: bool) -> Callable[[Any], Any] | None:
    """Stored value -> Python value for `ctype`; None when values pass through as they are.

    `trusted`: the column is a base-table column whose storage already has the
    Python type (int for int columns, str for text), so no per-value check.
    """
    name = ctype.name
    if name in INTEGER_TYPES:
        return None if trusted else _to_int
    if name in ("varchar", "nvarchar", "xml"):
        return None if trusted else _to_str
    if name in ("char", "nchar"):
        return _pad(ctype.length) if ctype.length and ctype.length > 0 else _to_str
    if name == "bit":
        return bool
    if name in DECIMAL_TYPES:
        return decimal_of_scale(ctype.scale or 0)
    if name in ("float", "real"):
        return None if trusted else float
    if name == "date":
        return lambda v: parse_datetime(v).date()
    if _keeps_seventh(ctype):
        read = {"datetime2": _to_datetime, "datetimeoffset": _to_dto, "time": _to_time}[name]
        return lambda v: with_seventh(read(v), v)
    if name in ("datetime", "datetime2", "smalldatetime"):
        return _to_datetime
    if name == "datetimeoffset":
        return _to_dto
    if name == "time":
        return _to_time
    if name == "uniqueidentifier":
        return lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))
    if name in ("binary", "varbinary"):
        return None if trusted else _to_bytes
    return None


ColumnConverter = Callable[[Sequence[Any]], list[Any]]


def column_converter(ctype: ColumnType, trusted: bool) -> ColumnConverter | None:
    """`converter` for a whole column of stored values at once (None: values pass through).

    Columns without NULLs go through C-level `map` loops where the type allows; a value
    the fast path cannot take sends the column through the per-value converter.
    """
    one = converter(ctype, trusted)
    if one is None:
        return None
    fast = _fast_column(ctype)

    def convert(values: Sequence[Any]) -> list[Any]:
        if None in values:
            return [None if v is None else one(v) for v in values]
        if fast is not None:
            try:
                return fast(values)
            except (TypeError, ValueError, ArithmeticError):
                pass
        return list(map(one, values))

    def checked(values: Sequence[Any]) -> list[Any]:
        try:
            return convert(values)
        except (ValueError, ArithmeticError):
            # a string in a number column (CASE WHEN ... THEN 1 ELSE 'a' END: the number
            # type wins by precedence): SQL Server's conversion error, not Python's
            if ctype.name in NUMBER_TYPES:
                for v in values:
                    if isinstance(v, str):
                        text_to_number(
                            v, ctype.name, "varchar", ctype.precision or 0, ctype.scale or 0
                        )
            raise

    return checked


def _keeps_seventh(ctype: ColumnType) -> bool:
    """A type of scale 7, whose 100 ns digit the wire carries (engine/temporal.py)."""
    return ctype.name in ("datetime2", "datetimeoffset", "time") and ctype.scale in (None, 7)


def _fast_column(ctype: ColumnType) -> ColumnConverter | None:
    name = ctype.name
    if name in ("datetime", "datetime2", "smalldatetime") and not _keeps_seventh(ctype):
        return lambda values: list(map(dt.datetime.fromisoformat, values))
    if name == "date":
        return lambda values: list(map(dt.date.fromisoformat, values))
    if name in DECIMAL_TYPES:  # stored as REAL or INTEGER (NUMERIC affinity)
        quantum = Decimal(1).scaleb(-(ctype.scale or 0))
        # repr of stored text is quoted, which Decimal refuses: such columns go the slow way.
        return lambda values: list(
            map(
                Decimal.quantize,
                map(Decimal, map(repr, values)),
                repeat(quantum),
                repeat(ROUND_HALF_UP),
                repeat(_EXACT),
            )
        )
    if name == "bit":
        return lambda values: list(map(bool, values))
    return None


def infer_type(value: Any) -> ColumnType:
    """A result column type from a value, for expressions the translator could not type."""
    if isinstance(value, bool):
        return ColumnType("bit")
    if isinstance(value, int):
        return ColumnType("int") if -(2**31) <= value < 2**31 else ColumnType("bigint")
    if isinstance(value, float):
        return ColumnType("float")
    if isinstance(value, bytes):
        return ColumnType("varbinary", -1)
    if value is None:
        return ColumnType("int")
    return ColumnType("nvarchar", -1)


# ---------------------------------------------------------------- functions


def _number(v: Any, other: Any) -> Any:
    """An operand of arithmetic with a number: a string converts to the other operand's
    type (data type precedence), int or float as SQLite holds it. A whole decimal is
    held as an INTEGER, so a string of a decimal is read as one, not refused as an int
    (where the translator knows the other operand's type, comparisons.py has already
    converted the string by it)."""
    if not isinstance(v, str):
        return v
    if isinstance(other, float):
        return text_to_number(v, "float")
    try:
        return text_to_number(v, "int")
    except TdsError:
        try:
            return float(text_to_number(v, "numeric"))
        except TdsError:
            pass
        raise


def tsql_cast(value: Any, type_name: str, length: int, scale: int, source: str = "varchar") -> Any:
    """`value` as `type_name`; `length` is a decimal's precision, and `source` is the
    value's type where it is known (a string's names it in the conversion errors, a
    number's in Msg 8115)."""
    if value is None:
        return None
    try:
        if isinstance(value, str) and source in ("decimal", "numeric"):
            value = Decimal(value)  # a decimal held as its exact text (decimal_number)
        if isinstance(value, str) and type_name in NUMBER_TYPES + MONEY_TYPES:
            number = text_to_number(value, type_name, source, length, scale)
            return decimal_number(number) if isinstance(number, Decimal) else number
        if type_name in INTEGER_TYPES:
            return _in_range(int(value), type_name, source)
        if type_name == "bit":
            return 0 if value == 0 else 1
        if type_name in DECIMAL_TYPES:
            d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
            if type_name in MONEY_TYPES or not length:
                return float(d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP))
            return decimal_number(fit_decimal(d, length, scale, _number_source(value, source)))
        if type_name in ("float", "real"):
            return float(value)
        if type_name in ("char", "varchar", "nchar", "nvarchar", "xml"):
            text = _to_str(value)[:length] if length > 0 else _to_str(value)
            # char(n) and nchar(n) hold n characters, padded with blanks
            return text.ljust(length) if type_name in ("char", "nchar") else text
        if type_name in DATE_TYPES and is_number(value, ""):  # a variable's, say
            return number_to_date(value, type_name, "", implicit=True)
        if type_name == "time":
            return format_time(_to_time(value), scale, seventh_digit(value))
        if type_name in DATE_TYPES:
            stored = format_datetime(parse_datetime(value), type_name, scale, seventh_digit(value))
            return in_date_range(stored, type_name, source)
        if type_name == "uniqueidentifier":
            try:
                return str(uuid.UUID(str(value))).upper()
            except ValueError:
                raise TdsError(
                    8169,
                    "Conversion failed when converting from a character string to"
                    " uniqueidentifier.",
                ) from None
        if type_name in ("binary", "varbinary"):
            data = _to_bytes(value)[:length] if length > 0 else _to_bytes(value)
            # binary(n) holds n bytes, padded with zeros
            return data.ljust(length, b"\0") if type_name == "binary" else data
    except (InvalidOperation, ValueError, OverflowError):
        if type_name in DATE_TYPES:
            raise errors.date_conversion_failed() from None
        raise errors.conversion_failed(value, source, type_name) from None
    return value


def _in_range(whole: int, type_name: str, source: str) -> int:
    """An integer type's value, else Msg 8115 (a decimal is "numeric" in it)."""
    low, high = INTEGER_RANGES[type_name]
    if not low <= whole <= high:
        named = "numeric" if source in ("decimal", "numeric") else "expression"
        raise TdsError(
            8115, f"Arithmetic overflow error converting {named} to data type {type_name}."
        )
    return whole


def assigned(value: Any, type_name: str, length: int, scale: int, source: str) -> Any:
    """`value` as it is stored into a column or variable of `type_name`: as CAST, but an
    int (a literal, a variable or parameter declared int) past tinyint's or smallint's
    range is Msg 220, as "Database engine events and errors (0 to 999)" shows it
    (`SET @smallint = 32770`); CAST and expressions of columns keep 8115."""
    try:
        return tsql_cast(value, type_name, length, scale, source)
    except TdsError as exc:
        if exc.number == 8115 and source == "int" and type_name in ("tinyint", "smallint"):
            raise TdsError(
                220, f"Arithmetic overflow error for data type {type_name}, value = {value}."
            ) from None
        raise


def _number_source(value: Any, source: str) -> str:
    """The type a number converted to decimal has in Msg 8115: its declared type where it
    is known (decimal and numeric are both "numeric"), else int or numeric by its value."""
    if source in ("decimal", "numeric"):
        return "numeric"
    if source in NUMBER_TYPES or source in MONEY_TYPES:
        return source
    return "int" if isinstance(value, int) else "numeric"


def tsql_div(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    a, b = _number(a, b), _number(b, a)
    if b == 0:
        raise errors.divide_by_zero()
    if isinstance(a, int) and isinstance(b, int):
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    return a / b


def tsql_mod(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    a, b = _number(a, b), _number(b, a)
    if b == 0:
        raise errors.divide_by_zero()
    return (
        math.fmod(a, b)
        if isinstance(a, float) or isinstance(b, float)
        else (abs(a) % abs(b) * (1 if a >= 0 else -1))
    )


def tsql_add(a: Any, b: Any) -> Any:
    """`+`: concatenation when both sides are strings, else numeric addition."""
    if a is None or b is None:
        return None
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if isinstance(a, bytes) and isinstance(b, bytes):
        return a + b
    return _within_bigint(_number(a, b) + _number(b, a))


def tsql_sub(a: Any, b: Any) -> Any:
    """`-` with a string operand (SQLite would read a string that is no number as 0)."""
    return None if a is None or b is None else _within_bigint(_number(a, b) - _number(b, a))


def tsql_mul(a: Any, b: Any) -> Any:
    """`*` with a string operand, as tsql_sub."""
    return None if a is None or b is None else _within_bigint(_number(a, b) * _number(b, a))


def _within_bigint(result: Any) -> Any:
    """Integer arithmetic's result, Msg 8115 past bigint's range (which SQLite cannot
    hold: its error would be 'string or blob too big')."""
    low, high = INTEGER_RANGES["bigint"]
    if isinstance(result, int) and not low <= result <= high:
        raise TdsError(8115, "Arithmetic overflow error converting expression to data type bigint.")
    return result


def _concat(*args: Any) -> str:
    return "".join(_to_str(a) for a in args if a is not None)


def replicate(text: Any, count: Any) -> str | None:
    if text is None or count is None or int(count) < 0:
        return None
    return _to_str(text) * int(count)


class DecimalSum:
    """SUM in exact decimal arithmetic (DECSUM): decimal and money values are stored as
    REAL, and adding binary fractions row by row drifts (0.1 + 0.2). Integers stay exact
    integers; the result goes back as the nearest REAL, exact to 15 significant digits."""

    def __init__(self) -> None:
        self.total: int | Decimal | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        if type(value) is not int:
            try:
                value = Decimal(repr(value)) if type(value) is float else Decimal(value)
            except (InvalidOperation, TypeError, ValueError):
                value = 0  # like SQLite's SUM, text that is not a number counts as 0
        if self.total is None:
            self.total = value
        elif type(self.total) is int and type(value) is int:
            self.total += value
        else:
            self.total = _EXACT.add(self.total, value)

    def finalize(self) -> int | float | None:
        return float(self.total) if isinstance(self.total, Decimal) else self.total


def _len(v: Any) -> int | None:
    return None if v is None else len(_to_str(v).rstrip(" "))


def datalength(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bytes):
        return len(v)
    if isinstance(v, str):
        return len(v.encode("utf-16-le"))
    if isinstance(v, float):
        return 8
    return 4 if -(2**31) <= v < 2**31 else 8


def _quotename(v: Any, q: str = "[") -> str | None:
    if v is None:
        return None
    close = {"[": "]", "]": "]", '"': '"', "'": "'", "(": ")", "<": ">", "{": "}", "`": "`"}
    end = close.get(q)
    if end is None:
        return None
    return ("[" if q == "]" else q) + str(v).replace(end, end + end) + end


def _left(v: Any, n: int) -> str | None:
    return None if v is None or n is None else _to_str(v)[: max(int(n), 0)]


def _right(v: Any, n: int) -> str | None:
    if v is None or n is None:
        return None
    text = _to_str(v)
    return text[len(text) - int(n) :] if int(n) > 0 else ""


_TYPE_NAMES = {v: k for k, v in TYPE_IDS.items() if k not in CLR_TYPES} | {256: "sysname"}
_TYPE_NAMES |= {clr.user_type_id: name for name, clr in CLR_TYPES.items()}


def _type_id(name: str) -> int | None:
    """TYPE_ID answers with the user type id: 130 for geography, not its system id 240."""
    clr = CLR_TYPES.get(name.lower())
    return clr.user_type_id if clr else TYPE_IDS.get(name.lower())


_SYSTEM_DATABASE_IDS = {"master": 1, "tempdb": 2, "model": 3, "msdb": 4}
_SYSTEM_DATABASE_NAMES = {v: k for k, v in _SYSTEM_DATABASE_IDS.items()}


STATIC_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    # name: (arity, function, deterministic)
    "NEWID": (0, lambda: str(uuid.uuid4()).upper(), False),
    "TSQL_DIV": (2, tsql_div, True),
    "TSQL_MOD": (2, tsql_mod, True),
    "TSQL_ADD": (2, tsql_add, True),
    "TSQL_ASSIGNED": (5, assigned, True),
    "TSQL_SUB": (2, tsql_sub, True),
    "TSQL_MUL": (2, tsql_mul, True),
    "DATEADD": (3, dateadd, True),
    "DATEDIFF": (3, datediff, True),
    "DATEPART": (2, datepart, True),
    "DATENAME": (2, datename, True),
    "CONCAT": (-1, _concat, True),
    "LEN": (1, _len, True),
    "DATALENGTH": (1, datalength, True),
    "QUOTENAME": (-1, _quotename, True),
    "LEFT": (2, _left, True),
    "RIGHT": (2, _right, True),
    "SPACE": (1, lambda n: None if n is None else " " * int(n), True),
    "REPLICATE": (2, replicate, True),
    "REPEAT": (2, replicate, True),  # sqlglot writes REPLICATE as SQLite's (missing) REPEAT
    "REVERSE": (1, lambda s: None if s is None else _to_str(s)[::-1], True),
    "HAS_PERMS_BY_NAME": (-1, lambda *a: 1, True),
    "IS_SRVROLEMEMBER": (-1, lambda *a: 1, True),
    "IS_MEMBER": (-1, lambda *a: 1, True),
    "IS_ROLEMEMBER": (-1, lambda *a: 1, True),
    "TYPE_NAME": (1, lambda i: _TYPE_NAMES.get(i), True),
    "TYPE_ID": (1, lambda n: _type_id(str(n)) if n is not None else None, True),
}


def guarded(fn: Callable[..., Any], ctx: SessionContext) -> Callable[..., Any]:
    """`fn` for SQLite, which replaces a UDF's exception with a generic message: keep ours."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except TdsError as exc:
            ctx.pending_error = exc
            raise

    return call


def register(conn: sqlite3.Connection, ctx: SessionContext) -> None:
    """Install this module's functions on one session's connection (builtins.py adds
    the rest)."""
    for name, (arity, fn, deterministic) in (STATIC_FUNCTIONS | CLR_FUNCTIONS).items():
        conn.create_function(name, arity, guarded(fn, ctx), deterministic=deterministic)
    conn.create_aggregate("DECSUM", 1, DecimalSum)  # type: ignore[arg-type]  # typeshed: int only

    cat = ctx.catalog

    def global_var(name: str) -> Any:
        return {
            "VERSION": ctx.edition.version_string(),
            "SPID": ctx.spid,
            "ROWCOUNT": ctx.rowcount,
            "TRANCOUNT": ctx.trancount,
            "SERVERNAME": SERVER_NAME,
            "SERVICENAME": "MSSQLSERVER",
            "IDENTITY": ctx.last_identity,
            "SCOPE_IDENTITY": ctx.last_identity,
            "ERROR": ctx.error_number,
            "LANGUAGE": ctx.language,
            "LOCK_TIMEOUT": ctx.lock_timeout_ms,
            "MAX_CONNECTIONS": 32767,
            "OPTIONS": 5496,
            "DATEFIRST": ctx.date_first,
            "TEXTSIZE": ctx.textsize,
            "FETCH_STATUS": ctx.fetch_status,
            "MICROSOFTVERSION": ctx.edition.microsoft_version,
            "DBTS": b"\0" * 8,
        }.get(str(name).upper())

    # The user database is id 5; master, tempdb, model and msdb keep their real ids.
    def db_name(db_id: Any = None) -> Any:
        if db_id is None:
            return ctx.database
        if int(db_id) == 5:
            return ctx.user_database
        return _SYSTEM_DATABASE_NAMES.get(int(db_id))

    def db_id(name: Any = None) -> Any:
        name = ctx.database if name is None else str(name)
        if name.casefold() == ctx.user_database.casefold():
            return 5
        return _SYSTEM_DATABASE_IDS.get(name.lower())

    def schema_name(schema_id: Any = None) -> Any:
        return cat.schema_names.get(1 if schema_id is None else int(schema_id))

    def schema_id(name: Any = None) -> Any:
        return cat.schema_id("dbo" if name is None else str(name))

    def object_id(name: Any, kind: Any = None) -> Any:
        if name is None:
            return None
        parts = split_name(str(name))
        if (
            len(parts) == 3
            and parts[0]
            and parts[0].casefold()
            not in (
                ctx.database.casefold(),
                "tempdb",
            )
        ):
            return None
        oid = cat.resolve_object_id(str(name))
        if oid is not None and not ctx.sees_object(oid):
            return None
        if oid is not None and kind is not None:
            row = cat.object_row(oid)
            if row is None or row.type.strip().upper() != str(kind).strip().upper():
                return None
        return oid

    # Metadata functions answer NULL for an object the user cannot see (OBJECT_NAME:
    # "Returns NULL on error or if a caller does not have permission to view the object").
    def visible_row(oid: Any) -> ObjectRow | None:
        row = cat.object_row(int(oid)) if oid is not None else None
        return row if row is not None and ctx.sees_object(row.object_id) else None

    def visible_table(oid: Any) -> Table | None:
        return cat.table_by_id(int(oid)) if visible_row(oid) is not None else None

    def object_name(oid: Any, db: Any = None) -> Any:
        row = visible_row(oid)
        return row.name if row else None

    def object_schema_name(oid: Any, db: Any = None) -> Any:
        row = visible_row(oid)
        return cat.schema_names.get(row.schema_id) if row else None

    def col_name(oid: Any, cid: Any) -> Any:
        table = visible_table(oid)
        col = next((c for c in table.columns if c.column_id == cid), None) if table else None
        return col.name if col else None

    def columnproperty(oid: Any, column: Any, prop: Any) -> Any:
        table = visible_table(oid)
        col = table.column(str(column)) if table else None
        if col is None:
            return None
        return {
            "allowsnull": int(col.type.nullable),
            "isidentity": int(col.is_identity),
            "iscomputed": int(col.computed is not None),
            "precision": col.type.precision or col.type.length,
            "columnid": col.column_id,
        }.get(str(prop).lower())

    def objectproperty(oid: Any, prop: Any) -> Any:
        row = visible_row(oid)
        if row is None:
            return None
        p = str(prop).lower()
        flags = {
            "isusertable": row.type == "U",
            "isview": row.type == "V",
            "istable": row.type == "U",
            "ismsshipped": False,
            "isprimarykey": row.type == "PK",
            "isconstraint": row.type in ("PK", "UQ", "F", "C", "D"),
        }
        return int(flags[p]) if p in flags else None

    def databasepropertyex(db: Any, prop: Any) -> Any:
        # "DATABASEPROPERTYEX": on SQL Database it answers for the current database only,
        # NULL for every property of any other name.
        if ctx.edition.is_azure_sql_database and str(db).casefold() != ctx.database.casefold():
            return None
        return {
            "collation": "SQL_Latin1_General_CP1_CI_AS",
            "status": "ONLINE",
            "updateability": "READ_WRITE",
            "useraccess": "MULTI_USER",
            "recovery": "FULL",
            "version": 957,
            "isautoshrink": 0,
            "isautoclose": 0,
            "edition": ctx.edition.database_edition,
            "serviceobjective": ctx.edition.service_objective,
            "maxsizeinbytes": ctx.edition.max_size_bytes,
        }.get(str(prop).lower())

    def collationproperty(name: Any, prop: Any) -> Any:
        # "COLLATIONPROPERTY": NULL for a collation or property not known here
        known = _COLLATIONS.get(str(name).casefold())
        at = {"codepage": 0, "comparisonstyle": 1}.get(str(prop).casefold())
        return None if known is None or at is None else known[at]

    def ident_current(name: Any) -> Any:
        oid = cat.resolve_object_id(str(name)) if name is not None else None
        return ctx.last_identity if oid is not None else None

    session_functions: dict[str, tuple[int, Callable[..., Any]]] = {
        "AZSQL_GLOBAL": (1, global_var),
        "SERVERPROPERTY": (1, lambda name: ctx.edition.server_property(str(name))),
        "DATABASEPROPERTYEX": (2, databasepropertyex),
        "COLLATIONPROPERTY": (2, collationproperty),
        "DB_NAME": (-1, db_name),
        "DB_ID": (-1, db_id),
        "SCHEMA_NAME": (-1, schema_name),
        "SCHEMA_ID": (-1, schema_id),
        "OBJECT_ID": (-1, object_id),
        "OBJECT_NAME": (-1, object_name),
        "OBJECT_SCHEMA_NAME": (-1, object_schema_name),
        "COL_NAME": (2, col_name),
        "COLUMNPROPERTY": (3, columnproperty),
        "OBJECTPROPERTY": (2, objectproperty),
        "IDENT_CURRENT": (1, ident_current),
        "SUSER_SNAME": (-1, lambda *a: ctx.login),
        "SUSER_NAME": (-1, lambda *a: ctx.login),
        "ORIGINAL_LOGIN": (0, lambda: ctx.login),
        "HOST_NAME": (0, lambda: ctx.host_name),
        "APP_NAME": (0, lambda: ctx.app_name),
    }
    for name, (arity, fn) in session_functions.items():
        conn.create_function(name, arity, guarded(fn, ctx), deterministic=False)
