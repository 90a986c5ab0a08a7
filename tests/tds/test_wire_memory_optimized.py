"""Memory-optimized tables: SQL Server reads and writes them under READ COMMITTED only
in autocommit statements; in a user transaction (a driver's, with autocommit off) a
statement must give each one an isolation hint, or the database must set
MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT ON, else error 41368. Through both ODBC drivers."""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Hot (ID int NOT NULL PRIMARY KEY NONCLUSTERED, V int)"
    " WITH (MEMORY_OPTIMIZED = ON, DURABILITY = SCHEMA_AND_DATA)",
    "CREATE TABLE dbo.Cold (ID int PRIMARY KEY, V int)",
    "INSERT INTO dbo.Hot VALUES (1, 10)",
    "INSERT INTO dbo.Cold VALUES (1, 20)",
]
IN_TRANSACTION = "41368"


@pytest.fixture
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=False) as server:
        with pyodbc.connect(server.odbc_connection_string(), autocommit=True) as cnxn:
            for statement in SETUP:
                cnxn.execute(statement)
        yield server


def _connect(server: ThreadedTdsServer, driver: str, autocommit: bool) -> pyodbc.Connection:
    odbc = server.odbc_connection_string(driver=driver)
    return pyodbc.connect(odbc, autocommit=autocommit, timeout=10)


def test_sys_tables_says_which_tables_are_memory_optimized(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with _connect(server, odbc_driver, True) as cnxn:
        query = "SELECT name, is_memory_optimized FROM sys.tables ORDER BY name"
        assert [tuple(r) for r in cnxn.execute(query)] == [("Cold", False), ("Hot", True)]


def test_an_autocommit_statement_reads_and_writes_one(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with _connect(server, odbc_driver, True) as cnxn:
        cnxn.execute("UPDATE dbo.Hot SET V = 11 WHERE ID = 1")
        assert cnxn.execute("SELECT V FROM dbo.Hot").fetchval() == 11


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT V FROM dbo.Hot",
        "SELECT c.V FROM dbo.Cold c JOIN dbo.Hot h ON h.ID = c.ID",
        "SELECT V FROM dbo.Hot WITH (NOLOCK)",
        "UPDATE dbo.Hot SET V = 12 WHERE ID = 1",
    ],
)
def test_a_transaction_needs_an_isolation_hint(
    server: ThreadedTdsServer, odbc_driver: str, statement: str
) -> None:
    with _connect(server, odbc_driver, False) as cnxn:
        with pytest.raises(pyodbc.Error) as raised:
            cnxn.execute(statement)
        assert IN_TRANSACTION in str(raised.value)
        assert "such as WITH (SNAPSHOT)" in str(raised.value)
        assert cnxn.execute("SELECT V FROM dbo.Cold").fetchval() == 20  # disk-based: fine
        cnxn.rollback()


@pytest.mark.parametrize("hint", ["SNAPSHOT", "REPEATABLEREAD", "SERIALIZABLE"])
def test_a_transaction_with_a_hint_reads_and_writes_it(
    server: ThreadedTdsServer, odbc_driver: str, hint: str
) -> None:
    with _connect(server, odbc_driver, False) as cnxn:
        cnxn.execute(f"UPDATE dbo.Hot WITH ({hint}) SET V = 13 WHERE ID = 1")
        query = f"SELECT c.V, h.V FROM dbo.Cold c JOIN dbo.Hot AS h WITH ({hint}) ON h.ID = c.ID"
        assert tuple(cnxn.execute(query).fetchone()) == (20, 13)
        cnxn.rollback()


def test_elevate_to_snapshot_lets_a_transaction_read_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with _connect(server, odbc_driver, True) as cnxn:
        cnxn.execute("ALTER DATABASE CURRENT SET MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON")
    with _connect(server, odbc_driver, False) as cnxn:
        assert cnxn.execute("SELECT V FROM dbo.Hot").fetchval() == 10
        cnxn.rollback()
