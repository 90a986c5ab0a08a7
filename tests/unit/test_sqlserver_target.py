"""AZSQL_MCP_TEST_SQLSERVER: an ODBC connection string becomes an azsql-mcp source."""

import pytest

from azsql_mcp.testing import sqlserver


def test_a_connection_string_becomes_a_source() -> None:
    odbc = (
        "Driver={ODBC Driver 18 for SQL Server};Server=tcp:db.example.net,1433;"
        "Database=Sales;UID=azsql_owner;PWD={p;a}}ss};Encrypt=yes;TrustServerCertificate=no"
    )
    assert sqlserver.source_config(odbc) == {
        "server": "tcp:db.example.net,1433",
        "database": "Sales",
        "auth": "sql",
        "username": "azsql_owner",
        "password": "p;a}ss",
        "driver": "ODBC Driver 18 for SQL Server",
        "encrypt": "yes",
        "trust_server_certificate": False,
    }


def test_what_is_missing_is_named() -> None:
    with pytest.raises(ValueError, match="needs DATABASE, PWD"):
        sqlserver.source_config("Server=x;UID=u")


def test_the_switch_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sqlserver.ENV_PRIVILEGED, raising=False)
    monkeypatch.delenv(sqlserver.ENV_READER, raising=False)
    assert not sqlserver.active() and sqlserver.connection_string(reader=True) is None
    monkeypatch.setenv(sqlserver.ENV_PRIVILEGED, "Server=x")
    assert sqlserver.active() and sqlserver.connection_string(reader=False) == "Server=x"
