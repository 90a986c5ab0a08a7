"""`python -m tds_test_server` (and its old name): first line, faults, signals, help."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pyodbc
import pytest

MODULE = [sys.executable, "-m", "tds_test_server"]


def freetds(server: Any, password: str = "Password1!") -> closing[pyodbc.Connection]:
    return closing(
        pyodbc.connect(
            f"DRIVER={{FreeTDS}};SERVER={server.host};PORT={server.port};UID=sa;"
            f"PWD={{{password}}};TDS_Version=7.4;Encryption=off;",
            autocommit=True,
            timeout=10,
        )
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_a_signal_then_exits_0(
    start_cli: Callable[..., Any], sig: signal.Signals
) -> None:
    server = start_cli("--password", "Cli-Pass;1")
    assert server.host == "127.0.0.1" and server.port > 0
    with freetds(server, "Cli-Pass;1") as cnxn:
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1
    server.process.send_signal(sig)
    assert server.process.wait(15) == 0


def test_fault_option(start_cli: Callable[..., Any]) -> None:
    server = start_cli("--fault", "error:40613@login:1", "--fault", "refuse@connect:1")
    with pytest.raises(pyodbc.Error):  # refused
        freetds(server)
    with pytest.raises(pyodbc.Error, match=r"\(40613\)"):
        freetds(server)
    with freetds(server) as cnxn:
        assert cnxn.cursor().execute("SELECT 2").fetchone()[0] == 2


def test_route_option(start_cli: Callable[..., Any]) -> None:
    node = start_cli("--sample")
    gateway = start_cli("--route", f"{node.host}:{node.port}")  # no sample: only the node has it
    with freetds(gateway) as cnxn:
        assert cnxn.cursor().execute("SELECT COUNT(*) FROM SalesLT.Product").fetchone()[0] > 0


def test_edition_and_compat_level_options(start_cli: Callable[..., Any]) -> None:
    server = start_cli("--sample", "--edition", "sql-server-2016", "--compat-level", "110")
    with freetds(server) as cnxn:
        cursor = cnxn.cursor()
        assert cnxn.getinfo(pyodbc.SQL_DBMS_VER).startswith("13.00.1601")
        level = "SELECT compatibility_level FROM sys.databases WHERE database_id = DB_ID()"
        assert cursor.execute(f"USE AdventureWorksLT; {level}").fetchone()[0] == 110
        with pytest.raises(pyodbc.Error, match=r"Invalid object name 'STRING_SPLIT'"):
            cursor.execute("SELECT value FROM STRING_SPLIT('a,b', ',')").fetchall()


def test_route_read_only_needs_a_route() -> None:
    result = subprocess.run(
        [*MODULE, "--route-read-only"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "--route-read-only needs --route HOST:PORT" in result.stderr


def test_bad_fault_spec_is_a_usage_error() -> None:
    result = subprocess.run(
        [*MODULE, "--fault", "boom@query"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unknown kind 'boom'" in result.stderr


def test_a_port_in_use_is_refused_with_a_clear_error(start_cli: Callable[..., Any]) -> None:
    server = start_cli()
    result = subprocess.run(
        [*MODULE, "--port", str(server.port)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{server.port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_the_fault_syntax() -> None:
    result = subprocess.run([*MODULE, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    for text in (
        "KIND[:ARG]@WHEN[:COUNT]",
        "error:40613@login:2",
        "delay:2.5@query",
        "refuse@connect",
        "drop@query",
        "garble@query",
        "--require-token",
        "--tls",
        "--sample",
    ):
        assert text in result.stdout


def test_the_old_module_path_still_runs_the_cli() -> None:
    """`python -m azsql_mcp.testing.tds_server` is documented for plugin authors."""
    old = [sys.executable, "-m", "azsql_mcp.testing.tds_server"]
    result = subprocess.run(
        [*old, "--fault", "boom@query"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unknown kind 'boom'" in result.stderr


def test_the_old_package_exports_the_same_objects() -> None:
    import tds_test_server
    from azsql_mcp.testing import tds_server

    for name in tds_server.__all__:
        assert getattr(tds_server, name) is getattr(tds_test_server, name)
    assert set(tds_server.__all__) == set(tds_test_server.__all__)
