"""HASHBYTES ("HASHBYTES (Transact-SQL)"): the MD5, SHA / SHA1, SHA2_256 or SHA2_512 hash
of a string's or a binary value's bytes, a varbinary of 16, 20, 32 or 64 bytes.

A string hashes as the bytes of its type: varchar and char in code page 1252, nvarchar
and nchar in UTF-16LE (binary_text.py, as CAST to varbinary takes them), so
HASHBYTES('MD5', 'abc') and HASHBYTES('MD5', N'abc') differ as they do in SQL Server.
The type is read where it is plain to see (a literal, a column, a CAST, a @variable's
declaration); elsewhere a string hashes as varchar. MD2 and MD4 (deprecated, as are MD5,
SHA and SHA1 since SQL Server 2016) are not in Python's hashlib: 40517. An algorithm
SQL Server does not know gives NULL, as does a NULL input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .binary_text import text_to_binary
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .variable_types import declared, variable_name

_ALGORITHMS = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA1": "sha1",
    "SHA2_256": "sha256",
    "SHA2_512": "sha512",
}
_NOT_IN_HASHLIB = ("MD2", "MD4")


def _call(node: exp.Expr) -> tuple[exp.Expression, exp.Expression] | None:
    """(algorithm, input) of a HASHBYTES call, which sqlglot reads as MD5, SHA or SHA2
    for the algorithms it knows."""
    if isinstance(node, exp.MD5):
        return exp.Literal.string("MD5"), node.this
    if isinstance(node, exp.SHA):
        return exp.Literal.string("SHA1"), node.this
    if isinstance(node, exp.SHA2):
        bits = node.args.get("length")
        return exp.Literal.string(f"SHA2_{bits.name if bits else 256}"), node.this
    if (
        isinstance(node, exp.Anonymous)
        and node.name.upper() == "HASHBYTES"
        and len(node.expressions) == 2
    ):
        return node.expressions[0], node.expressions[1]
    return None


def hashbytes_type(node: exp.Expr) -> ColumnType | None:
    """varbinary(8000), HASHBYTES' result type, for a HASHBYTES call."""
    return ColumnType("varbinary", 8000) if _call(node) is not None else None


def rewrite_hashbytes(tree: exp.Expression, catalog: Catalog) -> None:
    """Each HASHBYTES as TSQL_HASHBYTES(algorithm, input, input's type name), before the
    tables are renamed for SQLite (the type of a column is read from the catalog)."""
    calls = [(n, call) for n in tree.find_all(exp.Func) if (call := _call(n)) is not None]
    if not calls:
        return
    columns = ColumnSources(tree, catalog)
    for node, (algorithm, value) in calls:
        found = source_type(value, columns)
        variable = variable_name(value)
        if found is not None:
            type_name: exp.Expression = exp.Literal.string(found.name)
        elif variable is not None:  # its declared type, bound at run time
            type_name = declared(variable)
        else:
            type_name = exp.Literal.string("")
        node.replace(
            exp.Anonymous(this="TSQL_HASHBYTES", expressions=[algorithm, value, type_name])
        )


def hashbytes(algorithm: Any, value: Any, type_name: str | None) -> bytes | None:
    """The hash of `value` (of T-SQL type `type_name`, '' or None when unknown)."""
    if algorithm is None or value is None:
        return None
    name = str(algorithm).strip().upper()
    if name in _NOT_IN_HASHLIB:
        raise errors.unsupported(f"HASHBYTES('{name}', ...) (use SHA2_256 or SHA2_512)")
    if name not in _ALGORITHMS:
        return None
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = text_to_binary(value, type_name or "", None, "varbinary")
    else:  # a number: SQL Server takes varchar, nvarchar or varbinary
        raise errors.unsupported("HASHBYTES of a number (CAST it to varbinary or a string)")
    return hashlib.new(_ALGORITHMS[name], data).digest()


HASHBYTES_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    "TSQL_HASHBYTES": (3, hashbytes, True),
}
