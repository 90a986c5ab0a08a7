"""`azsql-mcp check`'s step on the objects that reach outside the database, against a
connection whose answers the test gives (the test server has no sys.synonyms,
sys.sql_expression_dependencies or external tables)."""

from __future__ import annotations

import io
from typing import Any

import pyodbc

from azsql_mcp.diagnostics.check_report import Report
from azsql_mcp.diagnostics.database_steps import reach_outside
from azsql_mcp.diagnostics.outside_objects import (
    DATA_SOURCES_SQL,
    DEPENDENCIES_SQL,
    EXTERNAL_TABLES_SQL,
    SYNONYMS_SQL,
)


class Cursor:
    def __init__(self, answers: dict[str, Any]):
        self.answers = answers
        self.description: list[tuple[str]] = []

    def execute(self, sql: str, *params: Any) -> Cursor:
        answer = self.answers[sql]
        if isinstance(answer, Exception):
            raise answer
        self.rows = answer
        self.description = [("name",), ("target",)]
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def close(self) -> None:
        pass


class Connection:
    def __init__(self, answers: dict[str, Any]):
        self.answers = answers

    def cursor(self) -> Cursor:
        return Cursor(self.answers)


def invalid_object(name: str) -> pyodbc.Error:
    return pyodbc.ProgrammingError(
        "42S02",
        f"[42S02] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Invalid object name"
        f" '{name}'. (208) (SQLExecDirectW)",
    )


async def run(answers: dict[str, Any], *, whole: bool) -> str:
    out = io.StringIO()
    await reach_outside(Connection(answers), Report(out), whole=whole)
    return out.getvalue()


async def test_what_reaches_outside_is_listed_and_a_missing_view_is_none() -> None:
    synonyms = [(f"dbo.S{i}", f"[Srv].[Sales].[dbo].[T{i}]") for i in range(7)]
    text = await run(
        {
            SYNONYMS_SQL: synonyms,
            DEPENDENCIES_SQL: [("dbo.vOrders", "Other.dbo.Orders")],
            EXTERNAL_TABLES_SQL: invalid_object("sys.external_tables"),  # before 2016
            DATA_SOURCES_SQL: invalid_object("sys.external_data_sources"),
        },
        whole=True,
    )
    lines = text.splitlines()
    assert len(lines) == 2, text
    assert lines[0].startswith(
        "warn  reach outside: 7 synonyms for an object of another database or server"
        " (dbo.S0 -> [Srv].[Sales].[dbo].[T0], "
    )
    assert "dbo.S4 -> [Srv].[Sales].[dbo].[T4], ...)" in lines[0] and "S5" not in lines[0]
    assert "deny the login what it must not read through them" in lines[0]
    assert "1 views and functions that name another database or server (dbo.vOrders" in lines[1]
    assert "of those this login can see" not in text


async def test_nothing_found_says_whether_the_login_sees_everything() -> None:
    empty = {sql: [] for sql in (SYNONYMS_SQL, DEPENDENCIES_SQL, EXTERNAL_TABLES_SQL)}
    empty[DATA_SOURCES_SQL] = []
    text = await run(empty, whole=True)
    assert text.strip() == (
        "ok    reach outside: no synonym, view, function or external table reaches outside"
        " the database"
    )
    text = await run(empty | {EXTERNAL_TABLES_SQL: [("dbo.E", "src (https://x)")]}, whole=False)
    assert "1 external tables (of those this login can see) (dbo.E -> src (https://x))" in text
    text = await run(empty, whole=False)
    assert "of those this login can see" in text and "run check as an administrator" in text


async def test_a_refusal_is_a_note_never_a_failure() -> None:
    denied = pyodbc.ProgrammingError(
        "42000", "[42000] [SQL Server]The SELECT permission was denied. (229) (SQLExecDirectW)"
    )
    empty = {sql: [] for sql in (SYNONYMS_SQL, EXTERNAL_TABLES_SQL, DATA_SOURCES_SQL)}
    text = await run(empty | {DEPENDENCIES_SQL: denied}, whole=False)
    assert text.startswith(
        "warn  reach outside: could not list the views and functions that name another"
        " database or server ("
    )
    assert "run check as an administrator of the database to see them" in text
