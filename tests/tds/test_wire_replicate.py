"""REPLICATE through both ODBC drivers, by Microsoft's "REPLICATE (Transact-SQL)": the
result has the input's type, cut at 8,000 bytes only when the input is not varchar(max)
or nvarchar(max); the value, LEN, DATALENGTH and the column's declared size agree."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine
from tds_test_server.results import ColumnType, ResultSet, SessionInfo

# (expression, characters, bytes, the column size ODBC reports: 0 for a max type)
CASES = [
    ("REPLICATE(CAST(N'a' AS nvarchar(max)), 30000)", 30000, 60000, 0),
    ("REPLICATE(CAST('a' AS varchar(max)), 30000)", 30000, 30000, 0),
    ("REPLICATE('ab', 5000)", 8000, 8000, 8000),
    ("REPLICATE(N'ab', 5000)", 4000, 8000, 4000),
    ("REPLICATE('ab', 3)", 6, 6, 8000),
]


@pytest.mark.parametrize(("expression", "chars", "size", "column_size"), CASES)
def test_replicate_is_cut_at_8000_bytes_unless_its_input_is_max(
    wire_server: ThreadedTdsServer,
    odbc_driver: str,
    expression: str,
    chars: int,
    size: int,
    column_size: int,
) -> None:
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        cur.execute(f"SELECT {expression}, LEN({expression}), DATALENGTH({expression})")
        value, length, data_length = cur.fetchone()
        assert (len(value), length, data_length) == (chars, chars, size)
        assert cur.description[0][3] == column_size


def test_replicate_declares_its_inputs_type() -> None:
    """The column metadata the protocol writes: the input's kind, (max) for a max input."""
    with Engine() as engine:
        session = engine.session(SessionInfo(spid=52, user="sa", database="rdb"))
        sql = "SELECT " + ", ".join(expression for expression, *_ in CASES)
        result = next(r for r in session.execute(sql) if isinstance(r, ResultSet))
        assert [c.type for c in result.columns] == [
            ColumnType("nvarchar", -1),
            ColumnType("varchar", -1),
            ColumnType("varchar", 8000),
            ColumnType("nvarchar", 4000),
            ColumnType("varchar", 8000),
        ]
        list(result.rows)
        session.close()
