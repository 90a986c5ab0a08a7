"""COLLATIONPROPERTY ("COLLATIONPROPERTY (Transact-SQL)"): the server's own collation and
the few others a server may have, through each ODBC driver."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("collation", "code_page", "style"),
    [
        ("SQL_Latin1_General_CP1_CI_AS", 1252, 196609),  # IgnoreCase, KanaType, Width
        ("Latin1_General_CS_AS", 1252, 196608),
        ("Latin1_General_BIN2", 1252, 0),  # 0 for every binary collation
        ("SQL_Latin1_General_CP850_BIN2", 850, 0),
        ("No_Such_Collation", None, None),
    ],
)
def test_code_page_and_comparison_style(
    cursor: closing[pyodbc.Cursor], collation: str, code_page: int | None, style: int | None
) -> None:
    with cursor as c:
        row = c.execute(
            "SELECT CONVERT(int, COLLATIONPROPERTY(?, 'CodePage')),"
            " CONVERT(int, COLLATIONPROPERTY(?, 'ComparisonStyle')),"
            " COLLATIONPROPERTY(?, 'NoSuchProperty')",
            collation,
            collation,
            collation,
        ).fetchone()
        assert tuple(row) == (code_page, style, None)


def test_the_server_collation_ignores_case(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as c:
        style = c.execute(
            "SELECT CONVERT(int, COLLATIONPROPERTY("
            "CONVERT(nvarchar(128), SERVERPROPERTY('Collation')), 'ComparisonStyle'))"
        ).fetchone()[0]
        assert style & 1
