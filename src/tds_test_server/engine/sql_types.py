"""SQL Server's types as the engine keeps them: type ids, T-SQL type text parsed into
ColumnType and written back, SQLite storage and affinity for each type.
"""

from __future__ import annotations

import re

from ..results import ColumnType
from .clr_types import CLR_TYPES, SYSTEM_TYPE_ID
from .sqltext import default_definition as default_definition
from .sqltext import split_name as split_name

# system_type_id of each SQL Server type (sys.types).
TYPE_IDS: dict[str, int] = {
    "image": 34,
    "text": 35,
    "uniqueidentifier": 36,
    "date": 40,
    "time": 41,
    "datetime2": 42,
    "datetimeoffset": 43,
    "tinyint": 48,
    "smallint": 52,
    "int": 56,
    "smalldatetime": 58,
    "real": 59,
    "money": 60,
    "datetime": 61,
    "float": 62,
    "sql_variant": 98,
    "ntext": 99,
    "bit": 104,
    "decimal": 106,
    "numeric": 108,
    "smallmoney": 122,
    "bigint": 127,
    "varbinary": 165,
    "varchar": 167,
    "binary": 173,
    "char": 175,
    "timestamp": 189,
    "nvarchar": 231,
    "nchar": 239,
    "xml": 241,
    # CLR types share system_type_id 240; their user_type_id tells them apart (clr_types.py)
    **dict.fromkeys(CLR_TYPES, SYSTEM_TYPE_ID),
}


INTEGER_TYPES = frozenset({"tinyint", "smallint", "int", "bigint"})


DECIMAL_TYPES = frozenset({"decimal", "numeric", "money", "smallmoney"})


FLOAT_TYPES = frozenset({"float", "real"})


CHAR_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "xml"})


UNICODE_TYPES = frozenset({"nchar", "nvarchar", "xml"})


BINARY_TYPES = frozenset({"binary", "varbinary"})


SCALED_TIME_TYPES = frozenset({"time", "datetime2", "datetimeoffset"})


DATE_TYPES = frozenset({"date", "datetime", "smalldatetime"}) | SCALED_TIME_TYPES


# Fixed (max_length bytes, precision, scale) as sys.columns reports them.
_FIXED_STORAGE: dict[str, tuple[int, int, int]] = {
    "tinyint": (1, 3, 0),
    "smallint": (2, 5, 0),
    "int": (4, 10, 0),
    "bigint": (8, 19, 0),
    "bit": (1, 1, 0),
    "real": (4, 24, 0),
    "float": (8, 53, 0),
    "money": (8, 19, 4),
    "smallmoney": (4, 10, 4),
    "date": (3, 10, 0),
    "datetime": (8, 23, 3),
    "smalldatetime": (4, 16, 0),
    "uniqueidentifier": (16, 0, 0),
    "xml": (-1, 0, 0),
    **{name: (clr.max_length, 0, 0) for name, clr in CLR_TYPES.items()},
}


_SYNONYMS = {
    "integer": "int",
    "dec": "decimal",
    "double precision": "float",
    "double": "float",
    "character": "char",
    "character varying": "varchar",
    "char varying": "varchar",
    "national character": "nchar",
    "national char": "nchar",
    "national character varying": "nvarchar",
    "national char varying": "nvarchar",
    "rowversion": "timestamp",
    "sysname": "nvarchar",
    "boolean": "bit",
    "timestamptz": "datetimeoffset",
    "text": "varchar",
    "ntext": "nvarchar",
    "image": "varbinary",
    "uuid": "uniqueidentifier",
}


_TYPE_RE = re.compile(r"^\s*([a-z_][a-z0-9_ ]*?)\s*(?:\(\s*([^)]*)\))?\s*$")


class UnknownType(ValueError):
    """A type name SQL Server (or this test server) does not know."""


def parse_type(text: str, *, nullable: bool = True) -> ColumnType:
    """`decimal(19, 4)`, `[nvarchar](max)`, `sysname` ... -> ColumnType."""
    m = _TYPE_RE.match(text.replace("[", "").replace("]", "").lower())
    if not m:
        raise UnknownType(text)
    raw, args = re.sub(r"\s+", " ", m.group(1)), m.group(2)
    name = _SYNONYMS.get(raw, raw)
    params = [a.strip() for a in args.split(",")] if args else []
    if raw == "sysname":
        return ColumnType("nvarchar", 128, nullable=nullable)
    if raw in ("text", "ntext", "image"):
        return ColumnType(name, -1, nullable=nullable)
    if raw == "timestamp" or raw == "rowversion":
        return ColumnType("binary", 8, nullable=nullable)
    if name == "float" and params:
        return ColumnType("real" if int(params[0]) <= 24 else "float", nullable=nullable)
    if name not in TYPE_IDS or name in ("sql_variant", "timestamp"):
        raise UnknownType(text)
    if name in ("decimal", "numeric"):
        precision = int(params[0]) if params else 18
        scale = int(params[1]) if len(params) > 1 else 0
        return ColumnType(name, precision=precision, scale=scale, nullable=nullable)
    if name in ("money", "smallmoney"):
        return ColumnType(name, precision=_FIXED_STORAGE[name][1], scale=4, nullable=nullable)
    if name in SCALED_TIME_TYPES:
        return ColumnType(name, scale=int(params[0]) if params else 7, nullable=nullable)
    if name in CHAR_TYPES - {"xml"} or name in BINARY_TYPES:
        if not params:
            length = 1
        elif params[0] == "max":
            length = -1
        else:
            length = int(params[0])
        return ColumnType(name, length, nullable=nullable)
    if name == "xml":
        return ColumnType("xml", -1, nullable=nullable)
    return ColumnType(name, nullable=nullable)


def normalize(t: ColumnType) -> ColumnType:
    """Keep only the facets results.py defines for the type (length, precision, scale)."""
    name = t.name
    length = t.length if name in CHAR_TYPES or name in BINARY_TYPES else None
    precision = t.precision if name in DECIMAL_TYPES else None
    scale = t.scale if name in DECIMAL_TYPES or name in SCALED_TIME_TYPES else None
    return ColumnType(name, length, precision, scale, t.nullable)


def type_text(t: ColumnType) -> str:
    """The T-SQL spelling: decimal(19,4), nvarchar(max), datetime2(7), int."""
    if t.name in ("decimal", "numeric"):
        return f"{t.name}({t.precision},{t.scale})"
    if t.name in SCALED_TIME_TYPES:
        return f"{t.name}({t.scale})"
    if t.name in CHAR_TYPES - {"xml"} or t.name in BINARY_TYPES:
        return f"{t.name}({'max' if t.length == -1 else t.length})"
    return t.name


def storage(t: ColumnType) -> tuple[int, int, int]:
    """(max_length in bytes, precision, scale) exactly as sys.columns reports them."""
    if t.name in _FIXED_STORAGE:
        return _FIXED_STORAGE[t.name]
    if t.name in ("decimal", "numeric"):
        p = t.precision or 18
        return (5 if p <= 9 else 9 if p <= 19 else 13 if p <= 28 else 17), p, t.scale or 0
    if t.name in SCALED_TIME_TYPES:
        s = 7 if t.scale is None else t.scale
        size = 3 if s <= 2 else 4 if s <= 4 else 5
        if t.name == "time":
            return size, (8 if s == 0 else 9 + s), s
        if t.name == "datetime2":
            return size + 3, (19 if s == 0 else 20 + s), s
        return size + 5, (26 if s == 0 else 27 + s), s
    length = t.length if t.length is not None else 1
    if length == -1:
        return -1, 0, 0
    return (length * 2 if t.name in UNICODE_TYPES else length), 0, 0


# a char, varchar, nchar or nvarchar column's declaration: the default collation is
# case-insensitive
TEXT_NOCASE = "TEXT COLLATE NOCASE"


def affinity(t: ColumnType) -> str:
    """SQLite column declaration for a T-SQL type. Decimals are NUMERIC so that
    comparisons and arithmetic behave; values up to 15 significant digits are exact."""
    if t.name in INTEGER_TYPES or t.name == "bit":
        return "INTEGER"
    if t.name in FLOAT_TYPES:
        return "REAL"
    if t.name in DECIMAL_TYPES:
        return "NUMERIC"
    if t.name in BINARY_TYPES or t.name in CLR_TYPES:
        return "BLOB"
    if t.name in CHAR_TYPES or t.name == "uniqueidentifier":
        return TEXT_NOCASE
    return "TEXT"
