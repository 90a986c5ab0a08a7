"""JSON_MODIFY (engine/json_modify.py) on a column in an UPDATE, with the path in a
variable ("JSON_MODIFY (Transact-SQL)": a variable path since SQL Server 2017), through
both ODBC drivers; the page's other examples are in tsql_corpus.py."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


def test_an_update_modifies_a_json_column(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.execute("DROP TABLE IF EXISTS dbo.Employee")
        cur.execute("CREATE TABLE dbo.Employee (EmployeeID int, jsonCol nvarchar(max))")
        cur.execute(
            """INSERT INTO dbo.Employee VALUES (17, N'{"info":{"address":{"town":"Leeds"}}}'),"""
            """ (18, N'{"info":{}}')"""
        )
        cur.execute(
            "DECLARE @p nvarchar(40) = N'$.info.address.town';"
            " UPDATE dbo.Employee SET jsonCol = JSON_MODIFY(jsonCol, @p, N'London')"
        )
        rows = cur.execute("SELECT jsonCol FROM dbo.Employee ORDER BY EmployeeID").fetchall()
        # 18 has no address object: lax mode cannot insert the town and leaves the text
        assert [r[0] for r in rows] == [
            '{"info":{"address":{"town":"London"}}}',
            '{"info":{}}',
        ]
        with pytest.raises(pyodbc.Error, match="13608"):
            cur.execute(
                "UPDATE dbo.Employee SET jsonCol = JSON_MODIFY(jsonCol, 'strict $.info.x', 1)"
            )
        assert (
            cur.execute("SELECT COUNT(*) FROM dbo.Employee WHERE jsonCol LIKE '%x%'").fetchone()[0]
            == 0
        )


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("""SELECT JSON_VALUE(N'{"a":1}', 'strict $.missing')""", 13608),
        ("""SELECT JSON_QUERY(N'{"a":1}', 'strict $.b')""", 13608),
        ("""SELECT JSON_VALUE(N'not json', '$.a')""", 13609),
        ("""SELECT JSON_VALUE(N'{"a":1}', 'append $.a')""", 13607),
    ],
)
def test_json_value_and_json_query_raise_json_modifys_errors(
    cursor: closing[pyodbc.Cursor], sql: str, number: int
) -> None:
    """JSON_VALUE and JSON_QUERY (engine/json_read.py) share JSON_MODIFY's path and
    text errors (engine/json_paths.py)."""
    with cursor as cur, pytest.raises(pyodbc.Error, match=str(number)):
        cur.execute(sql).fetchall()
