"""Who reaches the console: loopback without client auth; elsewhere only a token with
sql.admin; never with a foreign Host or a cross-site form post; off by switch."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from starlette.testclient import TestClient

from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.http import http_app
from azsql_mcp.version import __version__

TOKENS = [
    {"token": "reader-token", "subject": "reader", "scopes": ["sql.read"]},
    {"token": "admin-token", "subject": "admin", "scopes": ["sql.read", "sql.admin"]},
]


def client(**server: Any) -> TestClient:
    app = build_app(settings_from_mapping({"server": {"transport": "http", **server}}))
    return TestClient(http_app(app), base_url="http://127.0.0.1:8000")


def test_loopback_without_auth_serves_every_page() -> None:
    web = client()
    for path in ("/", "/console/tools", "/console/schema", "/console/activity", "/console/query"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
    assert "No source is configured" in web.get("/").text


def test_foreign_host_and_cross_site_posts_are_refused() -> None:
    web = client()
    assert web.get("/", headers={"Host": "evil.example"}).status_code == 421
    post = web.post("/console/query", data={"sql": "SELECT 1"}, headers={"Origin": "http://evil"})
    assert post.status_code == 403


def test_switched_off_or_off_loopback_by_default() -> None:
    assert client(console="off").get("/").status_code == 404
    assert client(host="0.0.0.0", allowed_hosts=["127.0.0.1"]).get("/").status_code == 404


def test_beyond_loopback_needs_client_auth_and_sql_admin() -> None:
    open_web = client(host="0.0.0.0", console="on", allowed_hosts=["127.0.0.1"])
    assert "client authentication" in open_web.get("/").text
    web = client(
        host="0.0.0.0",
        console="on",
        allowed_hosts=["127.0.0.1"],
        auth={"mode": "static_tokens", "static_tokens": TOKENS},
    )
    assert web.get("/").status_code == 401
    assert "needs an access token" in web.get("/").text
    # a token sent and refused is said to be refused, not to be missing (RFC 6750 §3.1)
    wrong = web.get("/", headers={"Authorization": "Bearer no-such-token"})
    assert wrong.status_code == 401 and "not one this server accepts" in wrong.text
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    reader = web.get("/", headers={"Authorization": "Bearer reader-token"})
    assert reader.status_code == 403 and "sql.admin" in reader.text
    assert web.get("/", headers={"Authorization": "Bearer admin-token"}).status_code == 200


def test_a_browser_at_the_mcp_endpoint_gets_a_page() -> None:
    with client() as web:  # the lifespan runs the MCP session manager
        page = web.get("/mcp", headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 200
        assert "MCP endpoint" in page.text and "http://127.0.0.1:8000/mcp" in page.text
        # an MCP client's GET is still the protocol's (no session yet: refused as before)
        protocol = web.get("/mcp", headers={"Accept": "text/event-stream"})
        assert protocol.status_code == 400 and "session" in protocol.text.lower()


def test_tools_are_marked_by_plugin_and_declared_ones_as_such() -> None:
    config = {
        "server": {"transport": "http"},
        "sources": {"main": {"server": "db.example", "username": "u", "password": "p"}},
        "tools": {"one": {"description": "One.", "statement": "SELECT 1 AS one"}},
    }
    web = TestClient(
        http_app(build_app(settings_from_mapping(config))), base_url="http://127.0.0.1"
    )
    rows = web.get("/console/tools").text.split('<tbody id="tools">', 1)[1].split("</tbody>")[0]
    assert "<td><code>one</code></td><td>builtin_declared, declared in config</td>" in rows
    assert "<td><code>read_data</code></td><td>builtin_tools</td>" in rows


def test_the_overview_names_each_plugins_distribution_and_version() -> None:
    page = client().get("/").text
    assert f"<td>builtin_tools</td><td>azsql-mcp {__version__}</td>" in page


def test_an_oversized_query_form_is_refused_unread() -> None:
    """Past [server.limits] max_body_bytes, as an MCP request: the runner's page says
    so and where the limit is set (it was a bare text line, and a constant)."""
    web = client(limits={"max_body_bytes": 100_000})
    big = "x" * 300_000
    response = web.post("/console/query", data={"sql": big})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="error"' in response.text and 'id="runner"' in response.text
    assert "100000 bytes" in response.text and "max_body_bytes" in response.text

    def chunks():  # no Content-Length: the limit applies while reading
        for _ in range(50):
            yield b"sql=" + b"x" * 10_000

    response = web.post(
        "/console/query",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert web.post("/console/query", data={"sql": "SELECT 1"}).status_code == 200


def test_host_names_are_read_as_the_mcp_endpoint_reads_them() -> None:
    """One host check for every path (FastMCP's): the console accepts exactly the Host
    headers /mcp does, patterns included."""
    web = client()
    for host in ("[::1]:8000", "[::1]", "LOCALHOST:8000"):
        assert web.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example:8000", "[::1"):
        assert web.get("/", headers={"Host": host}).status_code == 421, host
    beyond = client(
        host="0.0.0.0",
        console="on",
        allowed_hosts=["*.example.com"],
        auth={"mode": "static_tokens", "static_tokens": TOKENS},
    )
    admin = {"Authorization": "Bearer admin-token"}
    assert beyond.get("/", headers=admin | {"Host": "mcp.example.com"}).status_code == 200
    assert beyond.get("/", headers=admin | {"Host": "mcp.example.org"}).status_code == 421


def test_pages_are_never_framed_or_cached() -> None:
    web = client()
    for path in ("/", "/console/query", "/console/activity/rows"):
        headers = web.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
    refused = client(host="0.0.0.0", console="on", allowed_hosts=["127.0.0.1"]).get("/")
    assert refused.status_code == 403 and refused.headers["x-frame-options"] == "DENY"


def test_a_post_another_site_makes_is_refused_by_sec_fetch_site_too() -> None:
    web = client()
    for site in ("cross-site", "same-site"):
        post = web.post("/console/query", data={"sql": ""}, headers={"Sec-Fetch-Site": site})
        assert post.status_code == 403, site
    for site in ("same-origin", "none"):
        post = web.post("/console/query", data={"sql": ""}, headers={"Sec-Fetch-Site": site})
        assert post.status_code == 200, site


def test_another_sites_page_may_link_to_the_console_but_not_load_it() -> None:
    # An image, script, frame or fetch of a console page from another site's page (or
    # another port of localhost: same-site) would run its catalog reads, unseen and as
    # often as that page likes; a person following a link opens the page (Fetch Metadata)
    web = client()
    path = "/console/schema"
    loads = [("no-cors", "image"), ("no-cors", "script"), ("navigate", "iframe"), ("cors", "empty")]
    for site in ("cross-site", "same-site"):
        for mode, dest in loads:
            headers = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest}
            refused = web.get(path, headers=headers)
            assert refused.status_code == 403, (site, mode, dest)
            assert refused.headers["x-frame-options"] == "DENY"
        link = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
        assert web.get(path, headers=link).status_code == 200, site
    own = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
    assert web.get("/console/activity/rows", headers=own).status_code == 200
    assert web.get(path, headers={"Sec-Fetch-Site": "none"}).status_code == 200


def test_the_query_runner_keeps_the_clients_rate_limit() -> None:
    web = client(limits={"rate_per_minute": 1, "rate_burst": 1})
    assert web.post("/console/query", data={"sql": ""}).status_code == 200
    limited = web.post("/console/query", data={"sql": "SELECT 'kept' AS x"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    # a page, not a bare text line: the runner with the statement kept and why it
    # did not run, focused, and when to try again
    assert limited.headers["content-type"].startswith("text/html")
    assert "SELECT &#x27;kept&#x27; AS x</textarea>" in limited.text
    assert 'id="error"' in limited.text and "rate_per_minute (1)" in limited.text
    assert f"Wait {limited.headers['retry-after']} s, then Run again" in limited.text
    assert web.get("/console/query").status_code == 200  # pages are not counted


def test_a_source_name_is_sent_back_whole_by_the_schema_picker() -> None:
    sources = {
        name: {"server": "127.0.0.1,1", "username": "u", "password": "p"}
        for name in ("main", "eu&x=1")
    }
    app = build_app(settings_from_mapping({"server": {"transport": "http"}, "sources": sources}))
    page = TestClient(http_app(app), base_url="http://127.0.0.1").get("/console/schema").text
    assert '<a href="?source=eu%26x%3D1">eu&amp;x=1</a>' in page


def test_the_consoles_401s_in_jwt_mode_point_at_the_issuer() -> None:
    """The console's 401s said, in modes jwt and entra, that tokens come from the
    operator's static_tokens (`ask the operator for one`), and named no protected-resource
    metadata, where every other 401 of the server points a client."""
    import time

    from fastmcp.server.auth.providers.jwt import RSAKeyPair
    from joserfc import jwk, jwt

    keys = RSAKeyPair.generate()
    auth = {
        "mode": "jwt",
        "public_key": keys.public_key,
        "issuer": "https://issuer.test/",
        "audience": "azsql-mcp-test",
    }
    web = client(auth=auth)
    now = int(time.time())
    claims = {"sub": "a", "iss": auth["issuer"], "aud": "other", "scope": "sql.admin"}
    key = jwk.import_key(keys.private_key.get_secret_value(), "RSA")
    foreign = jwt.encode({"alg": "RS256"}, claims | {"iat": now, "exp": now + 600}, key)
    for headers in ({}, {"Authorization": f"Bearer {foreign}"}):
        refused = web.get("/", headers=headers)
        assert refused.status_code == 401
        assert "static_tokens" not in refused.text and "operator" not in refused.text
        metadata = "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"
        assert f'resource_metadata="{metadata}"' in refused.headers["www-authenticate"]


def test_a_token_in_the_query_is_refused_before_the_browser_page() -> None:
    """docs: a token in the URL query is refused on every path; a browser's GET of the
    endpoint got its page (200) instead, which told nobody to move the token."""
    web = client(auth={"mode": "static_tokens", "static_tokens": TOKENS})
    html = {"Accept": "text/html"}
    refused = web.get("/mcp?access_token=admin-token", headers=html)
    assert refused.status_code == 401
    assert 'error="invalid_request"' in refused.headers["www-authenticate"]
    assert web.get("/mcp", headers=html).status_code == 200


def test_the_console_takes_the_token_as_the_mcp_endpoint_does() -> None:
    """One reading of the Authorization header, FastMCP's: the console read it again its
    own way and let `Bearer  <token>` (two spaces) in, which /mcp refuses."""
    with client(auth={"mode": "static_tokens", "static_tokens": TOKENS}) as web:
        for header in ("Bearer  admin-token", "Bearer\tadmin-token"):
            page = web.get("/", headers={"Authorization": header})
            endpoint = web.post("/mcp", headers={"Authorization": header}, json={})
            assert page.status_code == endpoint.status_code == 401, header
        assert web.get("/", headers={"Authorization": "bearer admin-token"}).status_code == 200


def test_no_script_runs_but_the_consoles_own() -> None:
    """The pages show names and text a client or the database chose (tool names, table
    names, error messages), escaped; the policy runs no script but the console's own
    (the activity page's refresh, the runner's "Running…"), by their hashes, should an
    escape ever be missed."""
    import base64
    import hashlib
    import re

    web = client()
    for path in ("/console/activity", "/console/query"):
        page = web.get(path)
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        allowed = policy.split("script-src", 1)[1].split(";", 1)[0]
        scripts = re.findall(r"<script>(.*?)</script>", page.text, re.S)
        assert len(scripts) == 1
        digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed.split()
        assert "unsafe-inline" not in allowed


def test_a_browser_refused_gets_a_page_saying_how_to_sign_in() -> None:
    """A browser opening the console without a token got the 401 as JSON; an API
    client still does. The page says which token, where it comes from, how a browser
    sends it and where the docs are; the challenge stays as it was."""
    web = client(auth={"mode": "static_tokens", "static_tokens": TOKENS})
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = web.get("/console/query", headers=browser)
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert page.headers["www-authenticate"] == 'Bearer scope="sql.admin"'
    for said in ("<h1>Sign in</h1>", "sql.admin", "static_tokens", "browser extension"):
        assert said in page.text, said
    assert "docs/console.md" in page.text
    wrong = web.get("/", headers=browser | {"Authorization": "Bearer no-such-token"})
    assert wrong.status_code == 401 and "The token this browser sent was refused" in wrong.text
    assert "not one of the tokens the operator configured" in wrong.text
    challenge = wrong.headers["www-authenticate"]
    assert 'error="invalid_token"' in challenge and "error_description=" in challenge
    reader = web.get("/", headers=browser | {"Authorization": "Bearer reader-token"})
    assert reader.status_code == 403 and "<h1>Not allowed</h1>" in reader.text
    for accept in ("application/json", "*/*"):  # fetch(), curl, API clients
        answer = web.get("/", headers={"Accept": accept})
        assert (
            answer.status_code == 401
            and "needs an access token" in answer.json()["error_description"]
        )


def test_the_sign_in_page_names_the_metadata_in_jwt_mode() -> None:
    from fastmcp.server.auth.providers.jwt import RSAKeyPair

    auth = {
        "mode": "jwt",
        "public_key": RSAKeyPair.generate().public_key,
        "issuer": "https://issuer.test/",
        "audience": "azsql-mcp-test",
    }
    page = client(auth=auth).get("/", headers={"Accept": "text/html"})
    metadata = "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"
    assert page.status_code == 401 and f'<a href="{metadata}">' in page.text
    assert "static_tokens" not in page.text


def test_refused_tokens_count_against_the_rate_on_every_path() -> None:
    """A client guessing tokens on the console or /health (whose reasons a sql.admin
    token shows) had unlimited tries: only /mcp's requests took from its rate."""
    from azsql_mcp import metrics

    def rate_limited() -> float:
        sample = metrics.REGISTRY.get_sample_value(
            "azsql_mcp_limited_requests_total", {"limit": "rate"}
        )
        return sample or 0.0

    limits = {"rate_per_minute": 1, "rate_burst": 2}
    web = client(limits=limits, auth={"mode": "static_tokens", "static_tokens": TOKENS})
    guess = {"Authorization": "Bearer guess"}
    before = rate_limited()
    for path in ("/", "/health"):  # the burst: refused as before
        assert web.get(path, headers=guess).status_code in (401, 503), path
    for path in ("/", "/console/schema", "/health", "/health/live", "/metrics"):
        limited = web.get(path, headers=guess)
        assert limited.status_code == 429, path
        assert int(limited.headers["retry-after"]) >= 1 and "refused" in limited.json()["error"]
    assert rate_limited() == before + 5
    # a probe sends no token, and a valid token is not a failed one: neither is counted
    assert web.get("/health").status_code == 503
    assert web.get("/", headers={"Authorization": "Bearer admin-token"}).status_code == 200


def test_the_runner_says_why_read_data_is_missing() -> None:
    """A token with sql.admin (the console's) but not read_data's sql.read was told that
    read_data is switched off on the server."""
    only_admin = [{"token": "ops-token", "subject": "ops", "scopes": ["sql.admin"]}]
    web = client(auth={"mode": "static_tokens", "static_tokens": only_admin})
    with web:
        said = web.post(
            "/console/query",
            data={"sql": "SELECT 1"},
            headers={"Authorization": "Bearer ops-token"},
        )
    assert "read_data needs the scope sql.read, which this token does not carry" in said.text
    settings = {
        "server": {"transport": "http"},
        "plugins": {"builtin_tools": {"disabled_tools": ["read_data"]}},
    }
    off = TestClient(
        http_app(build_app(settings_from_mapping(settings))), base_url="http://127.0.0.1:8000"
    )
    said = off.post("/console/query", data={"sql": "SELECT 1"})
    assert "read_data is switched off on this server" in said.text


def test_a_console_no_static_token_may_open_is_said_at_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Served, yet every token is refused with 403: the operator hears so at start,
    not from a browser's "Not allowed"."""
    readers = {"mode": "static_tokens", "static_tokens": TOKENS[:1]}
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.http"):
        client(auth=readers)
    assert "no [[server.auth.static_tokens]] carries it" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.http"):
        client(auth={"mode": "static_tokens", "static_tokens": TOKENS})
        client(auth=readers, console="off")
    assert "static_tokens" not in caplog.text
