"""Connections to a ThreadedTdsServer as its privileged login or one of its `--login`
users, for the tests of what each may see and do, and the reads they make."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from typing import Any

import pyodbc

from tds_test_server import ThreadedTdsServer

Connect = Callable[..., closing[pyodbc.Connection]]


def connector(password: str) -> Connect:
    """connect(server, driver, user=None): as `user` with `password` (the password the
    test file gave its `--login` users), or as the privileged login when no user."""

    def connect(
        server: ThreadedTdsServer, driver: str, user: str | None = None
    ) -> closing[pyodbc.Connection]:
        odbc = server.odbc_connection_string(
            driver=driver, user=user, password=None if user is None else password
        )
        return closing(pyodbc.connect(odbc, autocommit=True, timeout=10))

    return connect


def set_up(server: ThreadedTdsServer, statements: list[str]) -> None:
    """Run a test module's setup as the privileged login, each statement its own batch."""
    odbc = server.odbc_connection_string(driver="freetds")
    with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as admin:
        for statement in statements:
            admin.cursor().execute(statement)


def scalar(cnxn: pyodbc.Connection, sql: str) -> Any:
    return cnxn.cursor().execute(sql).fetchone()[0]


def rows(cnxn: pyodbc.Connection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in cnxn.cursor().execute(sql).fetchall()]
