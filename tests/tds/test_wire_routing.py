"""Routing ([MS-TDS] 2.2.7.9 ENVCHANGE type 20): a gateway answers the login with a route
and the driver logs in again at the node it names, as Azure SQL's Redirect connection
policy and an availability group's read-only routing do."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer
from tds_test_server.protocol.login import Route
from tds_test_server.protocol.tls import _certificate_pem as certificate_pem


@pytest.fixture(scope="module")
def node() -> Iterator[ThreadedTdsServer]:
    """The database's node, where routed logins land."""
    with ThreadedTdsServer(sample=True, tls=True) as server:
        yield server


@pytest.fixture
def gateway(node: ThreadedTdsServer) -> Iterator[ThreadedTdsServer]:
    """A gateway that routes every TDS 7.4 login to `node`."""
    node.record.clear()
    with ThreadedTdsServer(sample=True, tls=True, route=f"127.0.0.1:{node.port}") as server:
        yield server


def test_both_drivers_follow_a_route_to_the_node(
    gateway: ThreadedTdsServer, node: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(gateway.odbc_connection_string(odbc_driver), autocommit=True, timeout=10)
    with cnxn:
        assert cnxn.execute("SELECT COUNT(*) FROM SalesLT.Customer").fetchone()[0] > 0
    [routed] = gateway.record.logins
    assert routed.routed_to == f"127.0.0.1:{node.port}" and not routed.accepted
    [landed] = node.record.logins
    assert landed.accepted and landed.routed_to is None
    assert node.record.statements and not gateway.record.statements


def test_driver_18_follows_a_route_over_tls(
    gateway: ThreadedTdsServer, node: ThreadedTdsServer
) -> None:
    """Driver 18 opens TLS afresh to the node. (Debian 12's FreeTDS 1.3.17 does not: it
    keeps the gateway's TLS session and times out, FreeTDS issue #489, fixed in 1.3.18.)"""
    pytest.importorskip("mssql_python_odbc")
    connection_string = gateway.odbc_connection_string("msodbc", encrypt=True)
    with pyodbc.connect(connection_string, autocommit=True, timeout=10) as cnxn:
        assert cnxn.execute("SELECT 1").fetchone()[0] == 1
    assert [login.encryption for login in node.record.logins] == ["full"]


def test_read_only_routing_routes_only_read_only_intent(
    node: ThreadedTdsServer, odbc_driver: str
) -> None:
    node.record.clear()
    route = Route("127.0.0.1", node.port, read_only=True)
    with ThreadedTdsServer(sample=True, route=route) as primary:
        plain = primary.odbc_connection_string(odbc_driver)
        for connection_string in (plain, plain + "ApplicationIntent=ReadOnly;"):
            with pyodbc.connect(connection_string, autocommit=True, timeout=10) as cnxn:
                cnxn.execute("SELECT 1").fetchone()
        kept, routed = primary.record.logins
    assert kept.accepted and kept.routed_to is None and not kept.read_only_intent
    assert routed.read_only_intent and routed.routed_to == f"127.0.0.1:{node.port}"
    [landed] = node.record.logins
    assert landed.read_only_intent and landed.accepted


def test_a_tds_7_2_login_is_served_not_routed(gateway: ThreadedTdsServer) -> None:
    """Routing is TDS 7.4's; an older client could not follow it."""
    connection_string = gateway.odbc_connection_string("freetds").replace(
        "TDS_Version=7.4", "TDS_Version=7.2"
    )
    with pyodbc.connect(connection_string, autocommit=True, timeout=10) as cnxn:
        assert cnxn.execute("SELECT 1").fetchone()[0] == 1
    [login] = gateway.record.logins
    assert login.tds_version == "7.2" and login.accepted and login.routed_to is None


def test_a_route_to_a_closed_port_fails_the_login(odbc_driver: str) -> None:
    """The firewall case: the gateway answers, the node's port does not. Driver 18 keeps
    trying until the login timeout; FreeTDS gives up at once (error 20009)."""
    with ThreadedTdsServer(route="127.0.0.1:1") as gateway:
        started = time.monotonic()
        with pytest.raises(pyodbc.Error) as failed:
            pyodbc.connect(gateway.odbc_connection_string(odbc_driver), timeout=2)
        took = time.monotonic() - started
        assert [login.routed_to for login in gateway.record.logins] == ["127.0.0.1:1"]
    if odbc_driver == "msodbc":
        assert "Login timeout expired" in str(failed.value) and took >= 1.5
    else:
        assert "(20009)" in str(failed.value) and took < 1.5


@pytest.mark.parametrize("spec", ["127.0.0.1", "host:port", ":1433", "h:0", "h:70000"])
def test_a_route_spec_is_host_and_port(spec: str) -> None:
    with pytest.raises(ValueError, match="expected HOST:PORT"):
        Route.parse(spec)


def test_an_ipv6_route() -> None:
    assert Route.parse("[::1]:11000") == Route("::1", 11000)


@pytest.mark.parametrize(
    ("route_host", "extra", "valid"),
    [
        ("localhost", "", True),
        ("127.0.0.1", "", False),  # the certificate names localhost, the route 127.0.0.1
        ("127.0.0.1", "HostNameInCertificate=localhost;", True),
    ],
)
def test_driver_18_validates_the_node_certificate_against_the_routed_host_name(
    node: ThreadedTdsServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    route_host: str,
    extra: str,
    valid: bool,
) -> None:
    """With the test certificate trusted (OpenSSL reads SSL_CERT_FILE per connection),
    Driver 18 checks the node's certificate against the host name in the route, or
    HostNameInCertificate, which applies to the node too."""
    pytest.importorskip("mssql_python_odbc")
    trusted = tmp_path / "ca.pem"
    trusted.write_bytes(certificate_pem()[0])
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    with ThreadedTdsServer(tls=True, route=f"{route_host}:{node.port}") as gateway:
        gateway.host = "localhost"  # the name the gateway's certificate holds
        connection_string = gateway.odbc_connection_string(
            "msodbc", encrypt=True, trust_server_certificate=False
        )
        if valid:
            pyodbc.connect(connection_string + extra, timeout=10).close()
        else:
            with pytest.raises(pyodbc.Error, match="subject name does not match host name"):
                pyodbc.connect(connection_string + extra, timeout=10)
        assert [login.routed_to for login in gateway.record.logins] == [f"{route_host}:{node.port}"]
