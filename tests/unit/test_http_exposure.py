"""Who could reach the database through the HTTP server without proving who they are.
From a review of the HTTP surface: `cors_origins = ["*"]` with client authentication off
let any web page a user opened read the database through the user's browser (a loopback
server is reachable from every browser on the machine); a one-letter static token was
accepted on a server listening beyond loopback; `trusted_proxies = ["*"]` let every client
pick its own rate-limit key, without a word; `allowed_hosts = ["*"]` (or `*.com`) with client
authentication off let a DNS-rebinding page, whose Host and Origin are both its own name,
use the MCP endpoint and the console of a loopback server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.cli import main
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.http import http_app

pytestmark = pytest.mark.usefixtures("clean_env")
LONG = "t" * 32
CORS_ANY = "server.cors_origins: '*' lets the JavaScript of any web page"
SHORT = "needs tokens of at least 32"
REBINDING = "matches names any web site can have"


def config(tmp_path: Path, server: str, auth: str = "") -> list[str]:
    path = tmp_path / "azsql-mcp.toml"
    path.write_text(f'[server]\ntransport = "http"\n{server}\n[server.auth]\n{auth}\n')
    return ["config", "--config", str(path)]


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_cors_for_any_origin_without_client_auth_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    auth = "allow_unauthenticated = true" if host == "0.0.0.0" else ""
    args = config(tmp_path, f'host = "{host}"\ncors_origins = ["*"]', auth)
    assert main(args) == (0 if auth else 2)
    assert (CORS_ANY in capsys.readouterr().err) is not bool(auth)


@pytest.mark.parametrize(
    ("server", "auth"),
    [
        ('cors_origins = ["http://localhost:6274"]', ""),
        (
            'cors_origins = ["*"]',
            f'mode = "static_tokens"\nstatic_tokens = [{{token = "{LONG}", subject = "ci"}}]',
        ),
    ],
)
def test_named_origins_or_client_auth_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: str, auth: str
) -> None:
    assert main(config(tmp_path, server, auth)) == 0, capsys.readouterr().err


@pytest.mark.parametrize(
    ("hosts", "refused"),
    [
        ('["*"]', True),
        ('["*:8000"]', True),
        ('["*.com"]', True),
        ('["mcp*"]', True),  # mcp.attacker.example matches too
        ('["mcp.example.com", "*.example.com", "mcp-?.example.com:8000", "[::1]:8000"]', False),
    ],
)
def test_a_host_pattern_any_site_matches_without_client_auth_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], hosts: str, refused: bool
) -> None:
    assert main(config(tmp_path, f"allowed_hosts = {hosts}")) == (2 if refused else 0)
    assert (REBINDING in capsys.readouterr().err) is refused


def test_what_the_refusal_stands_in_for() -> None:
    """FastMCP's host check lets `*` match any Host, and a rebinding page's Origin is then
    the request's own: only a pattern under a domain the operator holds stops it."""
    from starlette.testclient import TestClient

    def status(hosts: list[str]) -> int:
        server = {"transport": "http", "allowed_hosts": hosts}
        web = TestClient(http_app(build_app(settings_from_mapping({"server": server}))))
        rebound = "http://rebind.attacker.example:8000"
        headers = {"Host": rebound.removeprefix("http://"), "Origin": rebound}
        return web.get("/health/live", headers=headers).status_code

    assert status(["*"]) == 200
    assert status(["*.example.com"]) == 421


@pytest.mark.parametrize(
    ("host", "token", "refused"),
    [
        ("0.0.0.0", "changeme", True),
        ("0.0.0.0", LONG[:-1], True),
        ("0.0.0.0", LONG, False),
        ("127.0.0.1", "changeme", False),  # only this machine can try
    ],
)
def test_a_short_static_token_beyond_loopback_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host: str, token: str, refused: bool
) -> None:
    auth = f'mode = "static_tokens"\nstatic_tokens = [{{token = "{token}", subject = "ci"}}]'
    assert main(config(tmp_path, f'host = "{host}"', auth)) == (2 if refused else 0)
    err = capsys.readouterr().err
    assert (SHORT in err) is refused
    assert token not in err  # the message never shows the token
    if refused:
        assert f"the token of subject 'ci' has {len(token)} characters" in err


def test_a_short_token_from_the_environment_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_TOKEN", "hunter2")
    auth = 'mode = "static_tokens"\nstatic_tokens = [{token_env = "CI_TOKEN", subject = "ci"}]'
    assert main(config(tmp_path, 'host = "0.0.0.0"', auth)) == 2
    assert SHORT in capsys.readouterr().err


def test_trusting_every_proxy_is_warned_of(caplog: pytest.LogCaptureFixture) -> None:
    def build(proxies: list[str]) -> None:
        server = {"transport": "http", "trusted_proxies": proxies}
        http_app(build_app(settings_from_mapping({"server": server})))

    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.http"):
        build(["10.0.0.0/16"])
        assert "trusted_proxies" not in caplog.text
        build(["*"])
    assert "believes X-Forwarded-For from every client" in caplog.text
