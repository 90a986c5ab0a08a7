"""The next step an outage reason ends with, for the failures no test server makes:
a TLS certificate refused, encryption the server lacks, a token's identity refused."""

from __future__ import annotations

import pytest

from azsql_mcp.api import SourceSettings
from azsql_mcp.db.reachability import CHECK_STEP, login_failure_reason

SQL = SourceSettings(server="db.example.net", database="sales", username="app", password_env="P")


@pytest.mark.parametrize(
    ("message", "step"),
    [
        (
            "[Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL"
            " routines::certificate verify failed:self-signed certificate]",
            "install the CA of the server's certificate on this machine; for a test server"
            " only, set trust_server_certificate = true",
        ),
        (
            "[Microsoft][ODBC Driver 18 for SQL Server]Client unable to establish connection."
            " Encryption not supported on SQL Server.",
            "the server does not support TLS; on a trusted network set encrypt = 'optional'",
        ),
    ],
)
def test_a_failed_tls_handshake_names_the_tls_settings(message: str, step: str) -> None:
    reason = str(login_failure_reason(message, None, False, "db.example.net,1433", SQL, False))
    assert reason.startswith("cannot connect to db.example.net,1433: [Microsoft]")
    assert reason.endswith(f". What to do: {step}; {CHECK_STEP}")


def test_a_refused_login_names_where_its_credentials_come_from() -> None:
    said = str(login_failure_reason("Login failed for user 'app'.", 18456, False, "h", SQL, False))
    assert said == (
        "login failed: Login failed for user 'app'. What to do: check `username` (app) and the"
        f" password (from $P); {CHECK_STEP}"
    )
    token = SQL.model_copy(update={"auth": "managed_identity"})
    said = str(login_failure_reason("Login failed for user", 18456, False, "h", token, True))
    assert "What to do: give the identity that auth = 'managed_identity' signs in as a user" in said


def test_another_failure_points_at_check_alone() -> None:
    said = login_failure_reason("TCP Provider: Error code 0x68", None, False, "h,1", SQL, False)
    assert str(said) == f"cannot connect to h,1: TCP Provider: Error code 0x68; {CHECK_STEP}"
