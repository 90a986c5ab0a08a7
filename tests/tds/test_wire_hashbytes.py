"""HASHBYTES (engine/hashbytes.py): each algorithm "HASHBYTES (Transact-SQL)" keeps
working in SQL Server 2016 and later that Python's hashlib has, over the bytes of the
input's type (varchar in code page 1252, nvarchar in UTF-16LE), as varbinary. Both ODBC
drivers."""

from __future__ import annotations

import hashlib
from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("algorithm", "name"),
    [("MD5", "md5"), ("SHA", "sha1"), ("SHA1", "sha1"), ("SHA2_256", "sha256"),
     ("SHA2_512", "sha512")],
)  # fmt: skip
def test_each_algorithm_hashes_the_types_bytes(
    cursor: closing[pyodbc.Cursor], algorithm: str, name: str
) -> None:
    with cursor as cur:
        row = cur.execute(
            f"DECLARE @n nvarchar(10) = N'café';"
            f" SELECT HASHBYTES('{algorithm}', 'café'), HASHBYTES('{algorithm}', @n),"
            f" HASHBYTES('{algorithm}', 0x00FF)"
        ).fetchone()
        assert tuple(row) == (
            hashlib.new(name, "café".encode("cp1252")).digest(),
            hashlib.new(name, "café".encode("utf-16-le")).digest(),
            hashlib.new(name, b"\x00\xff").digest(),
        )
        assert cur.description[0][1] is bytearray or cur.description[0][1] is bytes


def test_columns_hash_by_their_type(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Hashed")
        cur.execute("CREATE TABLE dbo.Hashed (A varchar(10), N nvarchar(10))")
        cur.execute("INSERT INTO dbo.Hashed VALUES ('abc', N'abc')")
        row = cur.execute(
            "SELECT CONVERT(varchar(64), HASHBYTES('SHA2_256', A), 2),"
            " HASHBYTES('MD5', N), HASHBYTES('NOPE', A), HASHBYTES('MD5', NULL) FROM dbo.Hashed"
        ).fetchone()
        assert row[0] == hashlib.sha256(b"abc").hexdigest().upper()
        assert row[1] == hashlib.md5("abc".encode("utf-16-le")).digest()
        assert (row[2], row[3]) == (None, None)  # an unknown algorithm, a NULL input
