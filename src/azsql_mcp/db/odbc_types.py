"""SQL Server's names for the types of what pyodbc describes and returns, the text of
nchar and nvarchar values, and the rendered size of a row: pure functions of
descriptions and values.

The driver process (driverhost.py) imports this file without the azsql_mcp package, as
it does clrtypes.py and jsonvalues.py, so it imports only the standard library (and
pyodbc, which that process has, to find its driver manager).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import decimal
import functools
import sys
import uuid
from collections.abc import Callable, Sequence
from typing import Any

_SQL_DESC_TYPE_NAME = 14  # SQLColAttribute: the data source's name of the column's type
# Microsoft's drivers (msodbcsql.h): a CLR type column's type name, SQL_DESC_TYPE_NAME
# being "udt"; FreeTDS knows neither and names such a column ""
_SQL_CA_SS_UDT_TYPE_NAME = 1220
_NAME_BYTES = 130  # SQL Server's type names are short ASCII; longer ones are not read


def reported_types(cursor: Any) -> list[str | None]:
    """The driver's name of each result column's type (SQL Server's: `varchar`, `money`,
    `datetime2`, `xml`, `geography`), which pyodbc's description, a Python type per
    column, cannot tell. Read with SQLColAttribute on pyodbc's statement handle
    (Cursor.hstmt) before the rows are fetched: after SQLExecDirect the driver has the
    metadata, so no round trip. None for a column (or all) the driver does not name."""
    count = len(cursor.description or ())
    col_attribute = _col_attribute()
    hstmt = getattr(cursor, "hstmt", None)
    if col_attribute is None or hstmt is None:
        return [None] * count
    # Every argument as the ctypes object of its C type (pyodbc's hstmt is a c_void_p),
    # so ctypes converts none: declared argtypes cost a Python call per argument, seven
    # a column, more than SQLColAttribute itself.
    buffer = _NameBuffer()
    length = ctypes.c_short()
    length_ref = ctypes.byref(length)

    def attribute(column: int, field: ctypes.c_ushort) -> str | None:
        code = col_attribute(
            hstmt, ctypes.c_ushort(column), field, buffer, _BUFFER_LENGTH, length_ref, None
        )
        ok = code in (0, 1) and 0 < length.value < _NAME_BYTES  # SQL_SUCCESS(_WITH_INFO)
        return buffer.value.decode("ascii", "replace").lower() if ok else None

    names: list[str | None] = [None] * count
    for index, entry in enumerate(cursor.description):
        if entry[1] in _NAMED_BY_DESCRIPTION:
            continue  # a few microseconds a column: asked only where the name may differ
        name = attribute(index + 1, _TYPE_NAME)
        names[index] = attribute(index + 1, _UDT_TYPE_NAME) if name == "udt" else name
    return names


# SQLColAttribute's arguments that are the same for every call, as their C types
_TYPE_NAME = ctypes.c_ushort(_SQL_DESC_TYPE_NAME)
_UDT_TYPE_NAME = ctypes.c_ushort(_SQL_CA_SS_UDT_TYPE_NAME)
_BUFFER_LENGTH = ctypes.c_short(_NAME_BYTES)
_NameBuffer = ctypes.c_char * _NAME_BYTES  # what create_string_buffer makes, without its checks


# Python types whose description alone names the SQL type (sql_type_name): int by its
# precision (tinyint to bigint), bool (bit), date. (Times and timestamps have output
# converters, db/odbc_temporal.py, so pyodbc describes them as str.)
_NAMED_BY_DESCRIPTION = frozenset({int, bool, dt.date})


@functools.cache
def _col_attribute() -> Any:
    """SQLColAttribute (the ANSI one: type names are ASCII) of the driver manager pyodbc
    itself uses: looked up through pyodbc's own module, whose dependencies the lookup
    searches, so a second driver manager on the machine is never called with pyodbc's
    handle. Windows has one, odbc32. None where it cannot be found."""
    try:
        if sys.platform == "win32":
            library: Any = ctypes.WinDLL("odbc32")
        else:
            import pyodbc

            library = ctypes.CDLL(pyodbc.__file__)
        function = library.SQLColAttribute
    except (OSError, AttributeError, ImportError):
        return None
    # No argtypes: reported_types passes each argument as its C type already, SQLHSTMT
    # (c_void_p), column number and field identifier (c_ushort), character attribute
    # (a char buffer), its buffer's length (c_short), the attribute's length (c_short *),
    # numeric attribute (SQLLEN *, not asked for: None).
    function.restype = ctypes.c_short
    return function


def describe(
    description: Sequence[Sequence[Any]],
    rows: Sequence[Sequence[Any]],
    reported: Sequence[str | None] = (),
) -> list[tuple[str, str]]:
    """(name, SQL type) of each column, from cursor.description, the driver's own type
    names (reported_types) and the driver rows."""
    columns = []
    first = rows[0] if rows else ()
    for index, entry in enumerate(description):
        # the first row's value nearly always: a generator only past a NULL
        sample = first[index] if first else None
        if sample is None and len(rows) > 1:
            sample = next((row[index] for row in rows if row[index] is not None), None)
        named = reported[index] if index < len(reported) else None
        columns.append((str(entry[0]), sql_type_name(entry, sample, named)))
    return columns


# Types whose name takes the column's length, and the longest length before (max).
_SIZED = {"char": 8000, "varchar": 8000, "binary": 8000, "varbinary": 8000}
_SIZED |= {"nchar": 4000, "nvarchar": 4000}


def sql_type_name(entry: Sequence[Any], sample: Any = None, reported: str | None = None) -> str:
    """SQL Server's name for a column's type, from pyodbc's cursor.description entry
    (name, type_code, display_size, internal_size, precision, scale, null_ok), the
    driver's name of the type (`reported`) and, when there is one, a value of the column.

    The driver's name is SQL Server's, completed with the length, precision or scale the
    description gives. Without it, the type is inferred: ODBC reports char/varchar/nchar/
    nvarchar all as str, named nvarchar then. A type with an output converter is
    described as str too (pyodbc cannot know what the converter returns):
    uniqueidentifier, CLR types and the dates and times (db/odbc_temporal.py). Their
    values give them away (a CLR type's text carries its type, db/clrtypes.py ClrText,
    either way); so do a date and time type's column size and scale when the column
    holds only NULLs, except at scale 0, where they are those of nvarchar(n)."""
    _, python_type, _, size, precision, scale, _ = entry
    clr_type: str | None = getattr(sample, "clr_type", None)
    if clr_type is not None:
        return clr_type
    if reported is not None:
        return _completed(reported, size, precision, scale)
    if python_type is str:
        if isinstance(sample, bytes | bytearray):
            python_type = bytes  # FreeTDS long varbinary: described as text for its converter
        elif isinstance(sample, dt.datetime):
            if sample.tzinfo is not None:
                return f"datetimeoffset({scale})"
            python_type = dt.datetime
        elif isinstance(sample, dt.time):
            python_type = dt.time
        elif isinstance(sample, uuid.UUID):
            return "uniqueidentifier"
        elif sample is None and scale:
            return _temporal_by_size(size, scale) or _text_type(size)
    if python_type is bool:
        return "bit"
    if python_type is int:
        return {3: "tinyint", 5: "smallint", 10: "int"}.get(precision, "bigint")
    if python_type is float:
        return "real" if precision and precision <= 24 else "float"
    if python_type is decimal.Decimal:
        return f"decimal({precision},{scale})"
    if python_type is str:
        return _text_type(size)
    if python_type in (bytes, bytearray):
        return "varbinary(max)" if not size or size > 8000 else f"varbinary({size})"
    if python_type is dt.date:
        return "date"
    if python_type is dt.time:
        return f"time({scale})" if scale is not None else "time"
    if python_type is dt.datetime:
        if precision == 16:
            return "smalldatetime"
        if precision == 23 and scale == 3:
            return "datetime"
        return f"datetime2({scale})" if scale is not None else "datetime2"
    return getattr(python_type, "__name__", str(python_type))


def _completed(name: str, size: int, precision: int, scale: int) -> str:
    if name in _SIZED:
        return f"{name}(max)" if not size or size > _SIZED[name] else f"{name}({size})"
    if name in ("decimal", "numeric"):
        return f"{name}({precision},{scale})"
    if name in ("datetime2", "datetimeoffset", "time"):
        return f"{name}({scale})"
    # FreeTDS names the nullable forms of smallmoney and smalldatetime by their big types
    if name == "money" and precision == 10:
        return "smallmoney"
    if name == "datetime" and precision == 16:
        return "smalldatetime"
    return name


def _text_type(size: int | None) -> str:
    return "nvarchar(max)" if not size or size > 4000 else f"nvarchar({size})"


def _temporal_by_size(size: int | None, scale: int) -> str | None:
    """The date and time type of an ODBC column size and a scale above 0: the length of
    its text, hh:mm:ss.fffffff and so on ("Data Type Support for ODBC Date/Time
    Improvements"); datetime reports 23 and 3, as datetime2(3) does."""
    if size == 23 and scale == 3:
        return "datetime"
    return {
        9 + scale: f"time({scale})",
        20 + scale: f"datetime2({scale})",
        27 + scale: f"datetimeoffset({scale})",
    }.get(size or 0)


def uniqueidentifier(raw: bytes | None) -> uuid.UUID | None:
    """SQLGUID arrives in its in-memory (mixed-endian) layout."""
    return None if raw is None else uuid.UUID(bytes_le=raw)


def utf16_text(raw: bytes | None) -> str | None:
    """nchar, nvarchar and ntext as UTF-16LE, half a surrogate pair as U+FFFD. SQL Server
    holds one where a supplementary character (an emoji) was cut under a collation
    without _SC, which counts UTF-16 code units: LEFT(N'\U0001f600x', 1), CAST to
    nvarchar(n). pyodbc's own decoding raises on it, failing the whole read."""
    return None if raw is None else raw.decode("utf-16-le", "replace")


# SQL_WCHAR, SQL_WVARCHAR, SQL_WLONGVARCHAR (pyodbc's names): nchar, nvarchar, ntext.
_UTF16_TYPES = (-8, -9, -10)


def decode_utf16_in_python(cnxn: Any, on: bool) -> None:
    """Have pyodbc connection `cnxn` hand nchar, nvarchar and ntext values to utf16_text
    (`on`), or decode them itself again."""
    for sql_type in _UTF16_TYPES:
        if on:
            cnxn.add_output_converter(sql_type, utf16_text)
        else:
            cnxn.remove_output_converter(sql_type)


# Column types whose values always count 8 bytes in row_sizer: no need to look at them.
_FIXED_SIZE_TYPES = frozenset({int, float, bool, decimal.Decimal, dt.date, dt.time, dt.datetime})


def row_sizer(
    description: Sequence[Sequence[Any]], max_binary: int | None = None
) -> Callable[[Sequence[Any]], int]:
    """About how many bytes a row takes once rendered (text as UTF-8 and hex dominate), as a
    function built once per result: only the columns that may hold text or binary values
    are looked at for each row. `max_binary`: binary values are cut to that many bytes
    (JSON values, see jsonvalues.py), so they count as cut."""
    binary_cap = sys.maxsize if max_binary is None else max_binary
    variable = [i for i, entry in enumerate(description) if entry[1] not in _FIXED_SIZE_TYPES]
    fixed = 8 * (len(description) - len(variable))

    def size(row: Sequence[Any]) -> int:
        total = fixed
        for index in variable:
            value = row[index]
            if isinstance(value, str):  # as UTF-8: CJK takes 3 bytes, an emoji 4
                plain = value.isascii()  # O(1): no copy for the usual text
                total += (len(value) if plain else len(value.encode("utf-8", "surrogatepass"))) + 2
            elif isinstance(value, bytes | bytearray):
                total += 2 * min(len(value), binary_cap) + 2
            else:
                total += 8
        return total

    return size


# Text types whose values' length the column's size bounds (SQL Server's names)
_BOUNDED_TEXT = frozenset({"char", "varchar", "nchar", "nvarchar"})


def row_bound(description: Sequence[Sequence[Any]], reported: Sequence[str | None]) -> int | None:
    """The most row_sizer can count for a row of this result, from its description and
    the driver's type names (reported_types); None where a column's values are not
    bounded so: (max) types, text, xml, binary, CLR types, sql_variant, the types of
    output converters (uniqueidentifier, dates and times), columns the driver did not
    name. A char(n) to nvarchar(n) value holds at most n characters (UTF-16 code units
    or bytes of a code page), each at most 3 bytes as UTF-8 (a surrogate pair is two
    units, 4 bytes)."""
    bound = 0
    for index, entry in enumerate(description):
        if entry[1] in _FIXED_SIZE_TYPES:
            bound += 8
            continue
        size = entry[3]
        named = reported[index] if index < len(reported) else None
        if named not in _BOUNDED_TEXT or not size or size > _SIZED[named]:
            return None
        bound += 3 * size + 2
    return bound


# ODBC's SQL types (sql.h, sqlucode.h) of the character types a parameter may be declared as
_CHARACTER_TYPES = {"char": 1, "varchar": 12, "nchar": -8, "nvarchar": -9}


def typed_values(args: Sequence[Any]) -> tuple[list[Any], list[Any] | None]:
    """The values to bind, and pyodbc's input sizes for them (None: as pyodbc binds
    each value). A parameter given as (text, "varchar", 50) is declared varchar(50):
    pyodbc would declare any str nvarchar, which SQL Server converts a varchar column
    to when it compares them (CONVERT_IMPLICIT, no index seek under a SQL collation)."""
    if not any(isinstance(arg, tuple) for arg in args):
        return list(args), None
    values, sizes = [], []
    for arg in args:
        typed = isinstance(arg, tuple)
        values.append(arg[0] if typed else arg)
        sizes.append((_CHARACTER_TYPES[arg[1]], arg[2], 0) if typed else None)
    return values, sizes


def parameter_type(value: Any) -> str:
    """The T-SQL type a parameter value is declared as, as pyodbc binds it (near enough
    to type a statement's result columns)."""
    if isinstance(value, tuple):  # declared (typed_values)
        return f"{value[1]}({value[2]})"
    if isinstance(value, bool):
        return "bit"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "float"
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        scale = min(38, max(0, -exponent)) if isinstance(exponent, int) else 0
        return f"decimal(38,{scale})"
    if isinstance(value, bytes | bytearray):
        return "varbinary(max)"
    if isinstance(value, dt.datetime):
        return "datetime2(7)" if value.tzinfo is None else "datetimeoffset(7)"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time(7)"
    if isinstance(value, uuid.UUID):
        return "uniqueidentifier"
    if isinstance(value, str) and len(value) > 4000:
        return "nvarchar(max)"
    return "nvarchar(4000)"
