"""What the configuration alone shows, found by every command before serving or
connecting (core/scopekeys.py, core/standing.py): scope keys that name nothing, static
tokens' variables, the audit file's directory, JWT algorithm, key and JWKS URL, a
source's server string and the variables and files its secrets name; and refused on reload."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from azsql_mcp.core.cli import main
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.validation import config_problems
from azsql_mcp.serving.reload import apply

COMMANDS = ["check", "config", "plugins", "tools", "serve"]
SOURCE = '[sources.main]\nserver = "127.0.0.1,1"\nusername = "u"\npassword = "p"\n'


def _rsa_public_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


PEM = _rsa_public_pem()


@pytest.fixture(autouse=True)
def unset_variables(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_TOKEN_VAR", raising=False)
    monkeypatch.delenv("MISSING_PW_VAR", raising=False)


def refused(command: str, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    """What `command` says of a config file holding `text`; it must exit 2."""
    path = Path("azsql-mcp.toml")
    path.write_text(text)
    assert main([command, "--config", str(path)]) == 2
    err = capsys.readouterr().err
    # `serve` logs it (stderr is no terminal: as one JSON record); the others print it
    return str(json.loads(err)["message"]) if command == "serve" else err


def problems(data: dict[str, object]) -> list[str]:
    return config_problems(settings_from_mapping(data))[0]


# --- scope keys ----------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_scope_keys_that_name_nothing(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        SOURCE + '[server.auth.tool_scopes]\nread_dta = ["sql.admin"]\n'
        '[server.auth.plugin_scopes]\nbuiltin_tool = ["x.y"]\n',
        capsys,
    )
    assert (
        "server.auth.tool_scopes.read_dta: no tool is named 'read_dta'; did you mean 'read_data'?"
    ) in err
    assert (
        "server.auth.plugin_scopes.builtin_tool: no plugin named 'builtin_tool' is installed;"
        " did you mean 'builtin_tools'?"
    ) in err
    assert err.count("\n  - ") == 2


def test_scopes_of_tools_switched_off_or_declared_in_config_are_kept() -> None:
    """A tool in `disabled_tools` is no typo: its scope applies once it is on again. A
    plugin that is not loaded registered no tools: a key matching none may be one of
    them (unless it is a near miss of a known tool), and its plugin key stands."""
    sources = {"main": {"server": "h", "username": "u", "password": "p"}}
    assert not problems(
        {
            "sources": sources,
            "plugins": {"builtin_tools": {"disabled_tools": ["read_data"]}},
            "tools": {"mine": {"description": "x", "statement": "SELECT 1"}},
            "server": {"auth": {"tool_scopes": {"read_data": ["a"], "mine": ["b"]}}},
        }
    )
    off = {"sources": sources, "plugins": {"disabled": ["builtin_tools"]}}
    auth = {"tool_scopes": {"read_data": ["a"]}, "plugin_scopes": {"builtin_tools": ["a"]}}
    assert not problems({**off, "server": {"auth": auth}})
    near = {**off, "server": {"auth": {"tool_scopes": {"my_reprot": ["a"]}}}}
    near["tools"] = {"my_report": {"description": "x", "statement": "SELECT 1"}}
    assert [p.split("?")[0] for p in problems(near)] == [
        "server.auth.tool_scopes.my_reprot: no tool is named 'my_reprot'; did you mean 'my_report'"
    ]


def test_an_empty_scope_list_is_refused_wherever_it_would_open_a_component_to_every_token():
    """`update_data = []` reads as "nobody" but needs no scope: any valid token, one
    without sql.write (or any scope) included, could write."""
    sources = {"main": {"server": "h", "username": "u", "password": "p"}}
    found = problems(
        {
            "sources": sources,
            "server": {
                "auth": {
                    "tool_scopes": {"update_data": [], "read_data": ["sql.read"]},
                    "plugin_scopes": {"builtin_prompts": []},
                }
            },
        }
    )
    assert [p.split(":")[0] for p in found] == [
        "server.auth.tool_scopes.update_data = []",
        "server.auth.plugin_scopes.builtin_prompts = []",
    ]
    assert "every token could call update_data, one with no scope at all included" in found[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_static_tokens_misspelt_scope(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        SOURCE + '[server.auth]\nmode = "static_tokens"\n'
        '[server.auth.plugin_scopes]\nbuiltin_prompts = ["acme.guides"]\n'
        '[[server.auth.static_tokens]]\ntoken = "tok-LeakMe"\nsubject = "dev"\n'
        'scopes = ["sql.raed", "SQL.ADMIN", "acme.guide", "sql.write", "acme.audit"]\n',
        capsys,
    )
    for scope, meant in (("sql.raed", "sql.read"), ("SQL.ADMIN", "sql.admin")):
        assert (
            f"server.auth.static_tokens.0.scopes: no tool, resource or prompt needs scope"
            f" {scope!r} (subject 'dev'); did you mean {meant!r}?"
        ) in err
    assert "did you mean 'acme.guides'?" in err  # a scope the configuration names
    assert "scopes in use: acme.guides, sql.admin, sql.read, sql.write;" in err
    assert err.count("\n  - ") == 3  # acme.audit: far from all, a plugin may check it
    assert "LeakMe" not in err


def test_a_scope_a_plugin_registers_its_tool_with_is_known() -> None:
    tools = {"mine": {"description": "x", "statement": "SELECT 1", "scopes": ["hr.read"]}}
    auth = {"mode": "static_tokens"}
    source = {"server": "h", "username": "u", "password": "p"}
    for scopes, found in ((["hr.read"], 0), (["hr.raed"], 1)):
        token = {"token": "t", "subject": "s", "scopes": scopes}
        data = {"sources": {"m": source}, "tools": tools}
        data["server"] = {"auth": auth | {"static_tokens": [token]}}
        assert len(problems(data)) == found


# --- what connecting would meet ----------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_server_string_or_password_variable_the_connection_would(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        '[sources.a]\nserver = "127.0.0.1,1;PWD=S3cr3t-canary"\nusername = "u"\npassword = "p"\n'
        '[sources.b]\nserver = "127.0.0.1:14330"\nusername = "u"\npassword = "p"\n'
        '[sources.c]\nserver = "::1"\nusername = "u"\npassword_env = "MISSING_PW_VAR"\n',
        capsys,
    )
    assert (
        "sources.a.server: server holds a connection string (it has ';' or '='), not shown here"
        " as it may hold a password; give the address only (host, host,port or tcp:host,port)"
    ) in err
    assert "canary" not in err
    assert (
        "sources.b.server: server '127.0.0.1:14330': write host,port with a comma: 127.0.0.1,14330"
    ) in err
    assert (
        "sources.c.auth: password_env names 'MISSING_PW_VAR', which is not set in the environment"
    ) in err
    assert err.count("\n  - ") == 3


def test_a_service_principals_secret_variable_must_be_set() -> None:
    source = {"server": "h", "auth": "service_principal", "tenant_id": "t", "client_id": "c"}
    found = problems({"sources": {"sp": source | {"client_secret_env": "MISSING_PW_VAR"}}})
    assert found == [
        "sources.sp.auth: client_secret_env names 'MISSING_PW_VAR', which is not set in the"
        " environment; set it for the azsql-mcp process (a running process does not see"
        " variables set later), or use client_secret_file"
    ]


# --- what serving would meet ------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_lists_token_and_audit_problems_together(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        command,
        SOURCE + '[server.auth]\nmode = "static_tokens"\n'
        '[[server.auth.static_tokens]]\ntoken_env = "NOPE_TOKEN_VAR"\nsubject = "dev"\n'
        '[[server.auth.static_tokens]]\ntoken = "tok-1"\nsubject = "a"\n'
        '[[server.auth.static_tokens]]\ntoken = "tok-1"\nsubject = "b"\n'
        '[audit]\npath = "no/such/dir/audit.log"\n',
        capsys,
    )
    assert (
        "server.auth.static_tokens.0.token_env: environment variable 'NOPE_TOKEN_VAR' is not set"
    ) in err
    assert "server.auth.static_tokens.2: the same token is given twice" in err
    assert (
        "audit.path: 'no/such/dir/audit.log' is in directory 'no/such/dir', which does not exist"
        f" in the working directory {os.getcwd()}; create it"
    ) in err
    assert err.count("\n  - ") == 3
    assert "tok-1" not in err
    assert not Path("no").exists()


def test_the_audit_file_is_judged_without_being_created(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    base = {"sources": {"main": {"server": "h", "username": "u", "password": "p"}}}
    assert not problems({**base, "audit": {"path": str(log)}})
    assert not log.exists()
    assert problems({**base, "audit": {"path": str(tmp_path)}}) == [
        f"audit.path: {str(tmp_path)!r} is a directory; give a file in it"
        f" (e.g. {str(tmp_path / 'audit.jsonl')!r})"
    ]
    assert not problems({**base, "audit": {"enabled": False, "path": str(tmp_path)}})


JWT = '[server.auth]\nmode = "jwt"\nissuer = "https://i/"\naudience = "a"\n'


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        (
            'jwks_uri = "https://i/jwks"\nalgorithm = "none"\n',
            "server.auth.algorithm: 'none' is not supported (it would accept unsigned tokens)",
        ),
        (
            'public_key = "not-a-pem-LeakMe"\n',
            "server.auth.public_key: the key does not parse as a PEM public key",
        ),
        (
            f'public_key = """{PEM}"""\nalgorithm = "ES256"\n',
            "server.auth.public_key: the key is not an EC key, which ES256 needs",
        ),
        (
            'public_key = "short-LeakMe"\nalgorithm = "HS256"\n',
            "server.auth.public_key: the HS256 shared secret is 12 bytes; RFC 7518 §3.2"
            " requires at least 32",
        ),
        (
            'jwks_uri = "not a url"\n',
            "server.auth.jwks_uri: 'not a url' is not an absolute https URL",
        ),
        (
            'jwks_uri = "http://issuer.example.com/jwks"\n',
            "server.auth.jwks_uri: 'http://issuer.example.com/jwks' is not an absolute https URL",
        ),
        (
            'jwks_uri = "https://i/jwks"\nalgorithm = "HS256"\n',
            "server.auth.jwks_uri: HS256 verifies with a shared secret",
        ),
    ],
)
def test_an_unusable_jwt_setting_is_refused_naming_its_key(
    keys: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused("config", SOURCE + JWT + keys, capsys)
    assert problem in err
    assert err.count("\n  - ") == 1
    assert "LeakMe" not in err


def test_usable_jwt_keys_pass() -> None:
    base = {"sources": {"main": {"server": "h", "username": "u", "password": "p"}}}
    auth = {"mode": "jwt", "issuer": "https://i/", "audience": "a"}
    for keys in (
        {"public_key": PEM},
        {"public_key": "k" * 32, "algorithm": "HS256"},
        {"jwks_uri": "https://login.example.com/keys"},
    ):
        assert not problems({**base, "server": {"auth": auth | keys}})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_an_oauth_mode_without_its_public_url_or_client_id(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve` alone refused these (`config` passed the file): off loopback over HTTP,
    jwt and entra need the URL their 401s point clients at; entra needs the app's client
    id when the audience does not hold it."""
    err = refused(
        command,
        SOURCE + '[server]\ntransport = "http"\nhost = "0.0.0.0"\nport = 8000\n'
        '[server.auth]\nmode = "entra"\ntenant_id = "t"\naudience = "https://sql.example.com"\n',
        capsys,
    )
    assert "server.auth.base_url: needed with mode 'entra' when listening on '0.0.0.0'" in err
    assert "server.auth.client_id: needed with mode 'entra' when audience" in err
    assert err.count("\n  - ") == 2


def test_an_oauth_mode_with_its_url_and_client_id_passes() -> None:
    base = {"sources": {"main": {"server": "h", "username": "u", "password": "p"}}}
    http = {"transport": "http", "host": "0.0.0.0", "port": 8000}
    guid = "00000000-0000-0000-0000-000000000001"
    for auth in (
        {"mode": "entra", "tenant_id": "t", "audience": f"api://{guid}"},
        {"mode": "jwt", "issuer": "https://i/", "audience": "a", "jwks_uri": "https://i/k"},
    ):
        with_url = auth | {"base_url": "https://mcp.example.com"}
        assert not problems({**base, "server": http | {"auth": with_url}})
        assert not problems({**base, "server": {"auth": auth}})  # stdio: no URL to advertise


# --- reload -----------------------------------------------------------------------------


def test_a_reload_is_refused_what_a_start_would_refuse(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """From mode "none", a file switching to static tokens whose variable is unset (the
    mode needs a restart, the tokens would apply), a misspelt scope key, a missing audit
    directory: all refused, nothing applied."""
    from azsql_mcp.core.assembly import build_app

    base = {
        "sources": {"main": {"server": "127.0.0.1,1", "username": "u", "password": "p"}},
        "audit": {"enabled": False},
    }
    app = build_app(settings_from_mapping(base))
    before = app.settings
    auth = {
        "mode": "static_tokens",
        "static_tokens": [{"token_env": "NOPE_TOKEN_VAR", "subject": "dev"}],
        "tool_scopes": {"read_dta": ["sql.admin"]},
    }
    audit = {"path": str(tmp_path / "gone" / "audit.log")}
    new = settings_from_mapping(base | {"server": {"auth": auth}, "audit": audit})
    with caplog.at_level(logging.ERROR):
        assert apply(app, new) == "invalid"
    assert app.settings is before and app.tool_calls.audit is None
    for problem in (
        "server.auth.static_tokens.0.token_env: environment variable 'NOPE_TOKEN_VAR'",
        "server.auth.tool_scopes.read_dta: no tool is named 'read_dta'",
        f"audit.path: {audit['path']!r} is in directory",
    ):
        assert f"refused: {problem}" in caplog.text


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            {"auth": "access_token", "access_token_env": "MISSING_PW_VAR"},
            "access_token_env names 'MISSING_PW_VAR', which is not set in the environment; set it"
            " for the azsql-mcp process (a running process does not see variables set later),"
            " or use access_token_file",
        ),
        (
            {"auth": "access_token", "access_token_file": "{dir}/gone"},
            "access_token_file '{dir}/gone' does not exist; put an access token there, readable"
            " by the user azsql-mcp runs as, or point access_token_file at the file that holds it",
        ),
        (
            {"username": "u", "password_file": "{dir}/gone"},
            "password_file '{dir}/gone' does not exist; put the password there",
        ),
        (
            {"username": "u", "password_file": "{dir}"},
            "password_file '{dir}' is not a file; put the password there",
        ),
        (
            {"auth": "service_principal", "tenant_id": "t", "client_id": "c"}
            | {"certificate_path": "{dir}/sp.pem"},
            "certificate_path '{dir}/sp.pem' does not exist; put the certificate (PEM or PKCS12)"
            " there",
        ),
        (
            {"auth": "service_principal", "tenant_id": "t", "client_id": "c"}
            | {"client_secret_file": "{dir}/gone"},
            "client_secret_file '{dir}/gone' does not exist; put the client secret there",
        ),
    ],
)
def test_a_secret_the_first_connection_could_not_read_is_refused_naming_its_setting(
    settings: dict[str, str], problem: str, tmp_path: Path
) -> None:
    source = {"server": "h"} | {k: v.format(dir=tmp_path) for k, v in settings.items()}
    found = problems({"sources": {"s": source}})
    assert len(found) == 1
    assert found[0].startswith("sources.s.auth: " + problem.format(dir=tmp_path))


def test_a_relative_secret_file_that_is_missing_says_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path is read from the working directory, which a client that starts
    the server (Claude Desktop) chooses: the message says which, and to give an absolute
    path."""
    monkeypatch.chdir(tmp_path)
    found = problems(
        {"sources": {"s": {"server": "h", "username": "u", "password_file": "run/pw"}}}
    )
    assert found == [
        f"sources.s.auth: password_file 'run/pw' does not exist (a relative path is read from the"
        f" working directory, {tmp_path}, not from the config file's: give an absolute path);"
        " put the password there, readable by the user azsql-mcp runs as, or point"
        " password_file at the file that holds it"
    ]


def test_an_unreadable_secret_file_is_refused_and_its_contents_never_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("LeakMe")
    secret.chmod(0)
    try:
        secret.open("rb").close()
    except PermissionError:
        pass
    else:
        pytest.skip("this user reads files whatever their mode (root)")
    text = f'[sources.s]\nserver = "h"\nusername = "u"\npassword_file = "{secret}"\n'
    err = refused("config", text, capsys)
    assert f"sources.s.auth: password_file '{secret}' cannot be opened (Permission denied)" in err
    assert "LeakMe" not in err


def test_secret_files_that_exist_and_set_variables_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_text("x")
    monkeypatch.setenv("AZURE_SQL_ACCESS_TOKEN", "t")
    f = str(tmp_path / "f")
    sp = {"server": "h", "auth": "service_principal", "tenant_id": "t", "client_id": "c"}
    sources = {
        "a": {"server": "h", "auth": "access_token"},
        "b": {"server": "h", "auth": "access_token", "access_token_file": f},
        "c": {"server": "h", "username": "u", "password_file": f},
        "d": sp | {"certificate_path": f},
        "e": sp | {"client_secret_file": f},
    }
    assert not problems({"sources": sources})
