"""Client authentication pieces without a server: the JWT time-claim policy, which
provider each `[server.auth]` builds, credentials masked in log lines, and what a 401
without a token says in each mode."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from azsql_mcp.api import ConfigError
from azsql_mcp.core.settingtables import AuthSettings, LoggingSettings, ServerSettings
from azsql_mcp.logredaction import redact_query, redact_text
from azsql_mcp.serving.clientauth import build_auth_provider
from azsql_mcp.serving.jwtclaims import ClaimPolicy
from azsql_mcp.serving.logsetup import setup_logging

NOW = 1_900_000_000
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"


# --- time claims ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iat": NOW}, "no exp (expiry) claim"),
        ({}, "no exp (expiry) claim"),
        ({"exp": NOW + 60, "iat": NOW + 61}, "iat claim lies more than 60 s in the future"),
        ({"exp": NOW + 600, "nbf": NOW + 300}, "nbf claim lies more than 60 s in the future"),
        ({"exp": NOW - 61}, "has expired"),  # FastMCP itself allows no skew on exp
        ({"exp": "tomorrow"}, "exp claim is not valid"),
        ({"exp": True}, "exp claim is not valid"),
        ({"exp": NOW + 60, "iat": float("nan")}, "iat claim is not valid"),
        ({"exp": NOW + 60, "iat": True}, "iat claim is not valid"),
    ],
)
def test_default_policy_refuses(claims: dict[str, Any], reason: str) -> None:
    refusal = ClaimPolicy().refusal(claims, now=NOW)
    assert refusal is not None and reason in refusal
    assert '"' not in refusal and "\\" not in refusal  # fits an RFC 6750 quoted string


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": NOW + 60},
        {"exp": NOW + 60, "iat": NOW + 59},  # issuer's clock a little ahead
        {"exp": NOW + 60, "iat": NOW - 86_400, "nbf": NOW},
    ],
)
def test_default_policy_accepts(claims: dict[str, Any]) -> None:
    assert ClaimPolicy().refusal(claims, now=NOW) is None


def test_tokens_without_exp_when_allowed_need_a_recent_iat() -> None:
    policy = ClaimPolicy(allow_without_exp=True, max_age_s=300, skew_s=0)
    assert policy.refusal({"iat": NOW - 300}, now=NOW) is None
    assert "max_token_age_s" in (policy.refusal({"iat": NOW - 301}, now=NOW) or "")
    assert "neither exp nor iat" in (policy.refusal({}, now=NOW) or "")
    assert "in the future" in (policy.refusal({"iat": NOW + 1}, now=NOW) or "")
    # A token that has exp is checked as always.
    assert "has expired" in (policy.refusal({"exp": NOW - 1}, now=NOW) or "")


def test_policy_keys_are_bounded() -> None:
    with pytest.raises(ValidationError):
        AuthSettings(clock_skew_s=301)
    with pytest.raises(ValidationError):
        AuthSettings(max_token_age_s=0)


# --- providers ------------------------------------------------------------------------

PEM_KEY = (
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
)


def jwt_server(**server: Any) -> ServerSettings:
    auth = AuthSettings(
        mode="jwt",
        jwks_uri="https://issuer.test/jwks",
        issuer="https://issuer.test/",
        audience="azsql-mcp",
    )
    return ServerSettings(auth=auth, **server)


def test_jwt_mode_needs_an_issuer_to_advertise() -> None:
    with pytest.raises(ValidationError, match="needs issuer"):
        AuthSettings(mode="jwt", jwks_uri="https://issuer.test/jwks", audience="azsql-mcp")


def test_jwt_mode_needs_the_audience_of_its_tokens() -> None:
    """Without an audience FastMCP checks no 'aud': a token the issuer minted for any
    other API would pass."""
    with pytest.raises(ValidationError, match="needs audience"):
        AuthSettings(mode="jwt", jwks_uri="https://issuer.test/jwks", issuer="https://issuer.test/")


@pytest.mark.parametrize("tenant", ["common", "organizations", "Consumers"])
def test_entra_mode_refuses_a_multi_tenant_authority(tenant: str) -> None:
    """FastMCP checks no issuer for these: an app of any tenant could be given this
    server's app roles (scopes) by that tenant's own administrator."""
    with pytest.raises(ValidationError, match="any Entra tenant"):
        AuthSettings(mode="entra", tenant_id=tenant, audience="api://azsql-mcp")


def test_loopback_listener_advertises_itself() -> None:
    provider = build_auth_provider(jwt_server(transport="http", port=8123))
    paths = {route.path for route in provider.get_routes("/mcp")}
    assert paths == {
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    }
    assert str(provider.base_url) == "http://127.0.0.1:8123/"
    assert getattr(provider, "metadata_url", None) == (
        "http://127.0.0.1:8123/.well-known/oauth-protected-resource/mcp"
    )


def test_public_listener_without_base_url_is_refused_saying_what_to_set() -> None:
    with pytest.raises(ConfigError) as caught:
        build_auth_provider(jwt_server(transport="http", host="0.0.0.0"))
    assert "server.auth.base_url" in str(caught.value)
    assert "/.well-known/oauth-protected-resource" in str(caught.value)
    server = jwt_server(transport="http", host="0.0.0.0")
    server.auth.base_url = "https://mcp.example.com"
    assert str(build_auth_provider(server).base_url) == "https://mcp.example.com/"


def test_stdio_needs_no_metadata() -> None:
    provider = build_auth_provider(jwt_server(host="0.0.0.0"))
    assert provider is not None and provider.get_routes("/mcp") == []


def test_entra_advertises_the_tenant_issuer() -> None:
    auth = AuthSettings(
        mode="entra",
        tenant_id="contoso.onmicrosoft.com",
        audience="api://azsql-mcp-app",
        client_id="11111111-2222-3333-4444-555555555555",
    )
    provider = build_auth_provider(ServerSettings(transport="http", auth=auth))
    servers = [str(s) for s in provider.authorization_servers]
    assert servers == ["https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"]


# --- logs -----------------------------------------------------------------------------


def test_redact_text_masks_credentials_and_keeps_prose() -> None:
    line = f"got Authorization: Bearer {JWT} and Basic dXNlcjpwYXNzd29yZC1zZWNyZXQ="
    assert JWT not in redact_text(line) and "dXNlcjpw" not in redact_text(line)
    assert redact_text("url /x?a=1&access_token=s3cr3t&b=2") == "url /x?a=1&access_token=***&b=2"
    assert redact_text("{'authorization': 'opaque-1'}") == "{'authorization': '***'}"
    assert JWT not in redact_text(f"token {JWT} seen")
    prose = "Bearer token rejected for client agent-7: audience mismatch"
    assert redact_text(prose) == prose
    odbc = "DRIVER={x};SERVER=h;UID=u;PWD=s3cr3t-1;APP=a"
    assert redact_text(odbc) == "DRIVER={x};SERVER=h;UID=u;PWD=***;APP=a"
    braced = "Server=h;Password = {a;b}}c=d};Encrypt=yes"
    assert redact_text(braced) == "Server=h;Password = ***;Encrypt=yes"
    prose = "check `username` (u) and the password (from the config); password_env = PW"
    assert redact_text(prose) == prose


def test_redact_query_drops_the_whole_query() -> None:
    assert redact_query("/mcp?access_token=x&y=2") == "/mcp?***"
    assert redact_query("/mcp") == "/mcp"
    assert redact_query("/mcp?") == "/mcp?"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("form", ["json", "text"])
@pytest.mark.usefixtures("restore_logging")
def test_every_log_line_is_masked(form: str, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(LoggingSettings(level="DEBUG", format=form, access_log=True))
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/mcp?opaque-secret-1", "1.1", 401)
    logging.getLogger("some.library").debug("headers %s", {"authorization": "opaque-secret-2"})
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        logging.getLogger("some.library").exception("failed")
    text = capsys.readouterr().err
    assert "/mcp?***" in text and "ValueError: bad token ***" in text
    for secret in ("opaque-secret-1", "opaque-secret-2", JWT):
        assert secret not in text


# --- 401 answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "says", "not_says"),
    [
        (
            {"mode": "static_tokens", "static_tokens": [{"token": "t", "subject": "s"}]},
            "tokens its operator configured ([server.auth] static_tokens); no authorization"
            " server issues them: ask the operator for one",
            "resource_metadata",
        ),
        (
            {"mode": "jwt", "jwks_uri": "https://issuer.test/jwks"}
            | {"issuer": "https://issuer.test/", "audience": "azsql-mcp"},
            "The resource_metadata URL in WWW-Authenticate names the authorization server",
            "operator",
        ),
    ],
)
def test_a_401_without_a_token_says_where_tokens_come_from(
    auth: dict[str, Any], says: str, not_says: str
) -> None:
    """Static tokens advertise no issuer: the body must not point at metadata not sent."""
    from starlette.testclient import TestClient

    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping
    from azsql_mcp.serving.http import http_app

    server = {"transport": "http", "port": 8123, "auth": auth}
    app = build_app(settings_from_mapping({"server": server}))
    web = TestClient(http_app(app), base_url="http://127.0.0.1:8123")
    response = web.post("/mcp", json={})
    assert response.status_code == 401
    body = response.json()["error_description"]
    assert body.startswith("this endpoint needs an access token: send it in the Authorization")
    assert says in body and not_says not in body
    has_metadata = "resource_metadata=" in response.headers["www-authenticate"]
    assert has_metadata == (auth["mode"] == "jwt")
    # a static token that is not one of them: nothing about re-registering for a new one
    refused = web.post("/mcp", json={}, headers={"Authorization": "Bearer not-one-of-them"})
    assert refused.status_code == 401
    described = refused.json()["error_description"]
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith('Bearer error="invalid_token"')
    if auth["mode"] == "static_tokens":
        assert described.startswith("the token is not one this server accepts: it accepts only")
        assert "ask the operator for one" in described and described in challenge
        assert "re-register" not in described and "re-register" not in challenge


# --- protected-resource metadata ------------------------------------------------------


def test_metadata_advertises_the_scopes_declared_tools_need() -> None:
    """A client requests the scopes `scopes_supported` names: one a declared tool needs
    must be there, or no client asks for it and the tool stays out of reach."""
    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping

    unreachable = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}
    settings = settings_from_mapping(
        {
            "plugins": {"enabled": ["builtin_auth", "builtin_declared"]},
            "sources": {"main": unreachable},
            "audit": {"enabled": False},
            "server": {
                "transport": "http",
                "port": 8123,
                "auth": jwt_server().auth.model_dump(exclude_defaults=True),
            },
            "tools": {
                "my_orders": {
                    "description": "The caller's orders",
                    "scopes": ["orders.read"],
                    "statement": "SELECT 1 AS one",
                }
            },
        }
    )
    provider = build_app(settings).mcp.auth
    assert provider is not None
    assert "orders.read" in provider.scopes_supported
    assert "sql.read" in provider.scopes_supported
