"""CHECKSUM and BINARY_CHECKSUM ("CHECKSUM (Transact-SQL)", "BINARY_CHECKSUM
(Transact-SQL)"): an int hash of an expression list, for hash indexes and for sampling
(`ORDER BY CHECKSUM(NEWID())`, `WHERE ABS(CHECKSUM(NEWID())) % 100 < 10`).

SQL Server's hash algorithm is not documented, so the values here differ from its own;
what the pages promise holds: the result is an int, equal lists (element by element
equal under `=`, NULLs counted equal) give equal values, and the order of the
expressions matters. The pages do not say what a NULL argument gives; here it is an
int, as for any other value. CHECKSUM compares strings as the default collation does
(case and trailing blanks ignored: 'McCavity' and 'Mccavity ' agree), BINARY_CHECKSUM
by their characters (case counts; trailing blanks are left out, as `=` leaves them
out). SQLite keeps no declared type, so values that differ only in their SQL type (1
as int and as bigint) agree here. `CHECKSUM(*)` and `BINARY_CHECKSUM(*)` take the columns
of the query's tables in their order (hidden ones left out); BINARY_CHECKSUM(*) leaves
out xml columns, where CHECKSUM(*) is refused (the page: an error; its number is not
given, so 40517 here). The other noncomparable types the pages name, text, ntext and
image, are varchar(max), nvarchar(max) and varbinary(max) in the test server, so they
count. Over a derived table, a CTE or a table
function, `*` is 40517 (name the columns).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlglot import exp

from . import errors
from .catalog import Catalog
from .temp_tables import table_named

_NAMES = ("CHECKSUM", "BINARY_CHECKSUM")


def _encoded(value: Any, fold_case: bool) -> bytes:
    """One argument as tagged bytes, so that 1, '1' and NULL hash apart."""
    if value is None:
        return b"N"
    if isinstance(value, str):
        text = value.rstrip(" ")
        return b"S" + (text.lower() if fold_case else text).encode("utf-8")
    if isinstance(value, bytes):
        return b"B" + value
    if isinstance(value, float) and value.is_integer():  # 2.0 stored as REAL is 2
        return b"I" + str(int(value)).encode()
    return (b"I" if isinstance(value, int) else b"F") + repr(value).encode()


def _checksum(fold_case: bool, args: tuple[Any, ...]) -> int:
    digest = hashlib.blake2b(digest_size=4)
    for value in args:
        part = _encoded(value, fold_case)
        digest.update(len(part).to_bytes(4, "big") + part)
    return int.from_bytes(digest.digest(), "big", signed=True)


def checksum(*args: Any) -> int:
    return _checksum(True, args)


def binary_checksum(*args: Any) -> int:
    return _checksum(False, args)


def expand_checksum_stars(tree: exp.Expression, catalog: Catalog) -> None:
    """CHECKSUM(*) and BINARY_CHECKSUM(*) as calls over the columns of their query's
    tables, before the tables are renamed for SQLite."""
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.upper()
        if name not in _NAMES or not any(isinstance(a, exp.Star) for a in node.expressions):
            continue
        select = node.find_ancestor(exp.Select)
        from_ = select.args.get("from_") if select else None
        joins = (select.args.get("joins") if select else None) or []
        sources = ([from_.this] if from_ else []) + [j.this for j in joins]
        columns: list[exp.Expression] = []
        for source in sources:
            table = table_named(source, catalog) if isinstance(source, exp.Table) else None
            if table is None:
                raise errors.unsupported(
                    f"{name}(*) over a derived table, CTE or table function; name the columns:"
                    f" {name}(a, b, ...)"
                )
            for column in table.columns:
                if column.hidden:
                    continue
                if column.type.name == "xml":  # the one noncomparable type kept as such
                    if name == "CHECKSUM":
                        raise errors.unsupported(
                            f"CHECKSUM(*) over the {column.type.name} column {column.name}"
                            " (SQL Server refuses it too); name the other columns"
                        )
                    continue
                columns.append(exp.column(column.name, table=source.alias_or_name, quoted=True))
        if not columns:
            raise errors.unsupported(f"{name}(*) without a table; name the values")
        node.set("expressions", columns)


CHECKSUM_FUNCTIONS = {
    "CHECKSUM": (-1, checksum, True),
    "BINARY_CHECKSUM": (-1, binary_checksum, True),
}
