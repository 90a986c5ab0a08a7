"""Bearer tokens over real HTTP in mode `jwt` (issue 15, point 8): time claims, tokens in
the URL query, 401s that say what to do, protected-resource metadata, and logs (at DEBUG)
that never show a credential."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from joserfc import jwk, jwt
from servers import INITIALIZE, clean_env, http_process, source_env

ISSUER = "https://issuer.test/"
AUDIENCE = "azsql-mcp-test"
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
# An opaque credential no pattern could recognise: only not logging it at all keeps it out.
OPAQUE = "opaque-credential-7f3a9c"


@pytest.fixture(scope="module")
def keys() -> RSAKeyPair:
    return RSAKeyPair.generate()


def signed(keys: RSAKeyPair, **claims: Any) -> str:
    """A token signed by the trusted key with exactly these claims (None drops one)."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "agent-7",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "scope": "sql.read",
        "iat": now,
        "exp": now + 600,
    }
    body = {k: v for k, v in (base | claims).items() if v is not None}
    key = jwk.import_key(keys.private_key.get_secret_value(), "RSA")
    return jwt.encode({"alg": "RS256"}, body, key, algorithms=["RS256"])


def jwt_env(keys: RSAKeyPair, tds_server: Any, password: str) -> dict[str, str]:
    return clean_env(source_env(tds_server, password)) | {
        "AZSQL_MCP_SERVER__AUTH__MODE": "jwt",
        "AZSQL_MCP_SERVER__AUTH__PUBLIC_KEY": keys.public_key,
        "AZSQL_MCP_SERVER__AUTH__ISSUER": ISSUER,
        "AZSQL_MCP_SERVER__AUTH__AUDIENCE": AUDIENCE,
        "AZSQL_MCP_AUDIT__ENABLED": "false",
        "AZSQL_MCP_LOGGING__LEVEL": "DEBUG",
        "AZSQL_MCP_LOGGING__FORMAT": "text",
        "AZSQL_MCP_LOGGING__ACCESS_LOG": "true",
    }


@pytest.fixture(scope="module")
def server(
    keys: RSAKeyPair, tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A jwt-mode server on loopback; yields its base URL and its stderr (the log)."""
    cwd = tmp_path_factory.mktemp("bearer")
    log = cwd / "stderr.txt"
    with (
        log.open("w") as stderr,
        http_process(jwt_env(keys, tds_server, tds_password), str(cwd), stderr=stderr) as (_, base),
    ):
        yield base, log


def post(base: str, token: str | None = None, query: str = "") -> httpx.Response:
    headers = dict(MCP_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{base}/mcp{query}", json=INITIALIZE, headers=headers, timeout=10)


def challenge(response: httpx.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def test_token_without_exp_is_refused_saying_why(
    keys: RSAKeyPair, server: tuple[str, Path]
) -> None:
    base, _ = server
    response = post(base, signed(keys, exp=None))
    assert response.status_code == 401
    params = challenge(response)
    assert params["error"] == "invalid_token"
    assert "no exp" in params["error_description"]
    assert params["resource_metadata"] == f"{base}/.well-known/oauth-protected-resource/mcp"
    assert response.json()["error_description"] == params["error_description"]


def test_token_without_a_subject_is_refused_saying_why(
    keys: RSAKeyPair, server: tuple[str, Path]
) -> None:
    """A token without `sub` (RFC 9068 §2.2 requires it) was accepted as client
    "unknown", or as its app's client id: the audit log could not say who called, and
    every user of one client app shared one session owner (one user's Mcp-Session-Id
    served another's token), one rate limit and one session quota."""
    base, _ = server
    for sub in (None, "", "  "):
        response = post(base, signed(keys, sub=sub, azp="shared-client-app"))
        assert response.status_code == 401, sub
        assert "no sub (subject) claim" in challenge(response)["error_description"]


def test_token_issued_in_the_future_is_refused_beyond_the_clock_skew(
    keys: RSAKeyPair, server: tuple[str, Path]
) -> None:
    base, _ = server
    now = int(time.time())
    future = post(base, signed(keys, iat=now + 3600, exp=now + 7200))
    assert future.status_code == 401
    assert "iat claim lies more than 60 s in the future" in challenge(future)["error_description"]
    assert post(base, signed(keys, iat=now + 20)).status_code == 200  # within the 60 s skew
    assert post(base, signed(keys)).status_code == 200


def test_malformed_time_claims_are_refused(keys: RSAKeyPair, server: tuple[str, Path]) -> None:
    base, _ = server
    for claims in ({"exp": "never"}, {"iat": "yesterday"}, {"exp": 1e400}):
        response = post(base, signed(keys, **claims))
        assert response.status_code == 401, claims
        assert challenge(response)["error"] == "invalid_token"


def test_token_in_the_query_is_refused_pointing_at_the_header(
    keys: RSAKeyPair, server: tuple[str, Path]
) -> None:
    base, _ = server
    good = signed(keys)
    for query in (f"?access_token={good}", f"?x=1&access%5Ftoken={good}", "?access_token="):
        response = post(base, query=query)
        assert response.status_code == 401, query
        params = challenge(response)
        assert params["error"] == "invalid_request"
        assert "Authorization: Bearer" in params["error_description"]
        assert params["resource_metadata"].endswith("/.well-known/oauth-protected-resource/mcp")
    # Even beside a valid header: the token in the URL has already leaked, say so.
    assert post(base, good, query=f"?access_token={good}").status_code == 401
    # Elsewhere too, and an unrelated query string is fine.
    assert httpx.get(f"{base}/health/live?access_token={OPAQUE}").status_code == 401
    assert httpx.get(f"{base}/health/live?verbose=1").status_code == 200


def test_missing_token_gets_metadata_and_a_body_saying_what_to_send(
    server: tuple[str, Path],
) -> None:
    base, _ = server
    response = post(base)
    assert response.status_code == 401
    params = challenge(response)
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    assert "error" not in params
    assert params["resource_metadata"] == f"{base}/.well-known/oauth-protected-resource/mcp"
    assert "Authorization: Bearer <token>" in response.json()["error_description"]


def test_protected_resource_metadata_names_the_issuer(server: tuple[str, Path]) -> None:
    base, _ = server
    suffixed = httpx.get(f"{base}/.well-known/oauth-protected-resource/mcp")
    bare = httpx.get(f"{base}/.well-known/oauth-protected-resource")
    assert suffixed.status_code == 200 and bare.status_code == 200
    document = suffixed.json()
    assert bare.json() == document
    assert document["resource"] == f"{base}/mcp"
    assert document["authorization_servers"] == [ISSUER]
    assert document["bearer_methods_supported"] == ["header"]
    assert document["scopes_supported"] == ["sql.admin", "sql.read", "sql.write"]


def test_no_credential_reaches_the_log(keys: RSAKeyPair, server: tuple[str, Path]) -> None:
    base, log = server
    tokens = [signed(keys), signed(keys, exp=None), signed(keys, aud="someone-else")]
    for token in tokens:
        post(base, token)
        post(base, query=f"?access_token={token}")
    post(base, OPAQUE)
    post(base, query=f"?access_token={OPAQUE}&note=x")
    httpx.get(f"{base}/health?{OPAQUE}")
    httpx.get(f"{base}/.well-known/oauth-protected-resource?code={OPAQUE}")
    httpx.post(f"{base}/mcp", headers={"Authorization": f"Basic {OPAQUE}"}, json=INITIALIZE)
    time.sleep(0.5)  # let the access log lines reach the file
    text = log.read_text()
    # The requests were logged (at DEBUG, with the token refusals), just not their secrets.
    assert '"POST /mcp?*** HTTP/1.1" 401' in text
    assert "no exp (expiry) claim" in text
    for secret in [*tokens, OPAQUE]:
        assert secret not in text
    for token in tokens:  # not even a recognisable part (the signature)
        assert token.rsplit(".", 1)[1] not in text


@pytest.fixture(scope="module")
def tuned_server(
    keys: RSAKeyPair, tds_server: Any, tds_password: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A jwt-mode server that takes tokens without exp up to an age, with a base_url: the
    settings of the two tests below, one server for both (neither setting touches what
    the other test checks)."""
    env = jwt_env(keys, tds_server, tds_password) | {
        "AZSQL_MCP_SERVER__AUTH__ALLOW_TOKENS_WITHOUT_EXP": "true",
        "AZSQL_MCP_SERVER__AUTH__MAX_TOKEN_AGE_S": "300",
        "AZSQL_MCP_SERVER__AUTH__BASE_URL": "https://mcp.example.com",
        "AZSQL_MCP_LOGGING__LEVEL": "WARNING",
    }
    with http_process(env, str(tmp_path_factory.mktemp("tuned"))) as (_, base):
        yield base


def test_tokens_without_exp_when_allowed_are_bounded_by_their_age(
    keys: RSAKeyPair, tuned_server: str
) -> None:
    now = int(time.time())
    fresh = post(tuned_server, signed(keys, exp=None, iat=now - 10))
    old = post(tuned_server, signed(keys, exp=None, iat=now - 3600))
    ageless = post(tuned_server, signed(keys, exp=None, iat=None))
    expired = post(tuned_server, signed(keys, iat=now - 3600, exp=now - 60))
    assert fresh.status_code == 200
    assert old.status_code == 401
    assert "max_token_age_s" in challenge(old)["error_description"]
    assert ageless.status_code == 401
    assert "neither exp nor iat" in challenge(ageless)["error_description"]
    assert expired.status_code == 401


def test_metadata_lists_the_configured_base_url(tuned_server: str) -> None:
    missing = post(tuned_server)
    document = httpx.get(f"{tuned_server}/.well-known/oauth-protected-resource/mcp").json()
    url = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
    assert challenge(missing)["resource_metadata"] == url
    assert document["resource"] == "https://mcp.example.com/mcp"
    assert json.dumps(document["authorization_servers"]) == json.dumps([ISSUER])


def test_mode_none_leaves_the_query_alone(tmp_path: Path) -> None:
    env = clean_env(
        {
            "AZSQL_MCP_LOGGING__LEVEL": "INFO",
            "AZSQL_MCP_LOGGING__FORMAT": "text",
            "AZSQL_MCP_LOGGING__ACCESS_LOG": "true",
        }
    )
    log = tmp_path / "stderr.txt"
    with log.open("w") as stderr, http_process(env, str(tmp_path), stderr=stderr) as (_, base):
        response = httpx.get(f"{base}/health/live?access_token={OPAQUE}")
        time.sleep(0.5)
    assert response.status_code == 200  # a gateway in front may use the query its own way
    assert OPAQUE not in log.read_text()  # ...and it is still not logged
