"""A secret written where its name or path goes (`password_env = "<the password>"`, a
static token in `token_env`, a connection string in `server`) is never quoted back by
the error that refuses it: config errors reach logs, `check` output and MCP clients."""

from __future__ import annotations

import secrets

import pytest

from azsql_mcp import shown_reference
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.validation import config_problems

CANARY = "S3cr3t-canary-" + secrets.token_urlsafe(8)


@pytest.mark.parametrize(
    "value",
    [
        "DB_PASSWORD",
        "AZURE_SQL_ACCESS_TOKEN",
        "/run/secrets/db-password",
        "./pw.txt",
        "secrets/sp.pem",
        "token.txt",
        "~/pw",
        "C:\\secrets\\pw.txt",
    ],
)
def test_a_name_or_a_path_is_shown(value: str) -> None:
    assert shown_reference(value) == repr(value)


@pytest.mark.parametrize(
    "value",
    [
        CANARY,
        "Summer2024!",
        "hunter2Hunter",
        secrets.token_hex(32),
        secrets.token_urlsafe(32),
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
        "abc8Q~x.yZ_w-1",
    ],
    ids=lambda value: f"{len(value)} characters",  # the same in every run: random values
)
def test_what_reads_as_no_name_or_path_is_not_shown(value: str) -> None:
    assert value not in shown_reference(value)
    assert "not shown" in shown_reference(value)


SP = {"server": "h", "auth": "service_principal", "tenant_id": "t", "client_id": "c"}


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (
            {"sources": {"a": {"server": "h", "username": "u", "password_env": CANARY}}},
            "sources.a.auth: password_env names <not shown",
        ),
        (
            {"sources": {"a": {"server": "h", "username": "u", "password_file": CANARY}}},
            "sources.a.auth: password_file <not shown",
        ),
        ({"sources": {"a": SP | {"client_secret_env": CANARY}}}, "client_secret_env names <not"),
        ({"sources": {"a": SP | {"client_secret_file": CANARY}}}, "client_secret_file <not"),
        (
            {"sources": {"a": {"server": "h", "auth": "access_token", "access_token_env": CANARY}}},
            "access_token_env names <not shown",
        ),
        (
            {
                "sources": {"a": {"server": "h", "username": "u", "password": "p"}},
                "server": {
                    "auth": {
                        "mode": "static_tokens",
                        "static_tokens": [{"token_env": CANARY, "subject": "s"}],
                    }
                },
            },
            "server.auth.static_tokens.0.token_env: environment variable <not shown",
        ),
        (
            {
                "sources": {
                    "a": {
                        "server": f"Server=tcp:h,1433;Database=d;User ID=u;Password={CANARY};",
                        "username": "u",
                        "password": "p",
                    }
                }
            },
            "sources.a.server: server holds a connection string",
        ),
        (
            {"sources": {"a": {"server": f"h;PWD={CANARY}", "username": "u", "password": "p"}}},
            "sources.a.server: server holds a connection string",
        ),
    ],
)
def test_a_secret_where_its_name_goes_is_refused_unquoted(
    config: dict[str, object], says: str
) -> None:
    problems = config_problems(settings_from_mapping(config))[0]
    assert any(says in p for p in problems), problems
    assert CANARY not in "\n".join(problems)
