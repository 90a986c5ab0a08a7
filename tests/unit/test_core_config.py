"""Config: precedence, seed variable names, every problem listed, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from azsql_mcp.api import ConfigError
from azsql_mcp.core.config import load_settings, settings_from_mapping
from azsql_mcp.core.redaction import redacted
from azsql_mcp.core.settings import reference_problems

SEED_AND_OWN_ENV = (
    "AZSQL_MCP_CONFIG",
    "AZURE_SQL_SERVER",
    "AZURE_SQL_DATABASE",
    "AZURE_SQL_AUTH_TYPE",
    "AZURE_SQL_USERNAME",
    "AZURE_SQL_PASSWORD",
    "AZURE_MANAGED_IDENTITY_CLIENT_ID",
    "AZURE_SQL_DRIVER",
    "AZURE_SQL_ENCRYPT",
    "AZURE_SQL_TRUST_SERVER_CERTIFICATE",
    "AZURE_SQL_CONNECTION_TIMEOUT",
    "MCP_HOST",
    "MCP_PORT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("AZSQL_MCP_") or name in SEED_AND_OWN_ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray ./azsql-mcp.toml


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "conf.toml"
    path.write_text(text)
    return str(path)


def test_defaults_without_any_config() -> None:
    settings = load_settings()
    assert settings.sources == {}
    assert settings.security.read_only is True
    assert settings.limits.max_rows == 100
    assert settings.server.transport == "stdio"
    assert settings.default_source is None


def test_precedence_file_env_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        '[server]\nhost = "0.0.0.0"\nport = 9000\nname = "file"\n'
        '[sources.prod]\nserver = "p.database.windows.net"\ndatabase = "sales"\n',
    )
    monkeypatch.setenv("AZSQL_MCP_SERVER__PORT", "9100")
    monkeypatch.setenv("AZSQL_MCP_SERVER__NAME", "env")
    monkeypatch.setenv("AZSQL_MCP_SOURCES__PROD__POOL_SIZE", "3")
    settings = load_settings(path, {"server": {"port": 9200}})
    assert settings.server.host == "0.0.0.0"  # file
    assert settings.server.name == "env"  # env over file
    assert settings.server.port == 9200  # flag over env
    assert settings.sources["prod"].database == "sales"
    assert settings.sources["prod"].pool_size == 3


def test_a_log_level_is_taken_in_any_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[logging]\nlevel = "warning"\n')
    assert load_settings(path).logging.level == "WARNING"
    monkeypatch.setenv("AZSQL_MCP_LOGGING__LEVEL", "debug")
    assert load_settings(path).logging.level == "DEBUG"
    monkeypatch.setenv("AZSQL_MCP_LOGGING__LEVEL", "verbose")
    with pytest.raises(ConfigError, match=r"logging\.level .*\(got 'verbose'\)"):
        load_settings(path)


def test_config_file_from_environment_and_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "azsql-mcp.toml").write_text('[server]\nname = "cwd"\n')
    assert load_settings().server.name == "cwd"
    monkeypatch.setenv("AZSQL_MCP_CONFIG", write(tmp_path, '[server]\nname = "named"\n'))
    assert load_settings().server.name == "named"


def test_seed_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AZURE_SQL_SERVER": "tcp:s.database.windows.net,1433",
        "AZURE_SQL_DATABASE": "db",
        "AZURE_SQL_AUTH_TYPE": "MSI",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
        "AZURE_SQL_DRIVER": "ODBC Driver 17 for SQL Server",
        "AZURE_SQL_ENCRYPT": "true",
        "AZURE_SQL_TRUST_SERVER_CERTIFICATE": "no",
        "AZURE_SQL_CONNECTION_TIMEOUT": "30",
        "MCP_HOST": "0.0.0.0",
        "MCP_PORT": "8080",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    source = settings.sources["default"]
    assert source.server == "tcp:s.database.windows.net,1433"
    assert (source.database, source.auth) == ("db", "managed_identity")
    assert source.client_id == "11111111-2222-3333-4444-555555555555"
    assert (source.encrypt, source.trust_server_certificate) == ("yes", False)
    assert source.connection_timeout_s == 30
    assert source.driver == "ODBC Driver 17 for SQL Server"
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 8080)
    assert settings.default_source == "default"


def test_seed_variables_for_a_service_principal(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AZURE_SQL_SERVER": "s.database.windows.net",
        "AZURE_SQL_DATABASE": "db",
        "AZURE_SQL_AUTH_TYPE": "service_principal",
        "AZURE_SQL_TENANT_ID": "tenant-1",
        "AZURE_SQL_CLIENT_ID": "app-1",
        "AZURE_SQL_CLIENT_SECRET": "s3cret",
    }.items():
        monkeypatch.setenv(name, value)
    source = load_settings().sources["default"]
    assert (source.auth, source.tenant_id, source.client_id) == (
        "service_principal",
        "tenant-1",
        "app-1",
    )
    assert source.client_secret is not None
    assert source.client_secret.get_secret_value() == "s3cret"


@pytest.mark.parametrize(
    ("given", "provider"),
    [
        ("sql", "sql"),
        ("managed_identity", "managed_identity"),
        ("default_credential", "default_credential"),
        ("DefaultAzureCredential", "default_credential"),
        ("service_principal", "service_principal"),
        ("access_token", "access_token"),
    ],
)
def test_seed_auth_type_names(monkeypatch: pytest.MonkeyPatch, given: str, provider: str) -> None:
    monkeypatch.setenv("AZURE_SQL_SERVER", "s")
    monkeypatch.setenv("AZURE_SQL_AUTH_TYPE", given)
    assert load_settings().sources["default"].auth == provider


def test_seed_source_names_ignored_without_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SQL_PASSWORD", "not-used")
    assert load_settings().sources == {}


def test_env_beats_seed_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SQL_SERVER", "seed")
    monkeypatch.setenv("AZSQL_MCP_SOURCES__DEFAULT__SERVER", "own")
    assert load_settings().sources["default"].server == "own"


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[server]\nport = "eighty"\ntransprt = "http"\n'
        '[sources.a]\nencrypt = "maybe"\npassword = "hunter2"\n'
        "[limits]\nmax_rows = 0\n",
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "server.port: Input should be a valid integer" in text and "'eighty'" in text
    assert "server.transprt: unknown setting (did you mean 'transport'?); allowed keys:" in text
    assert "sources.a.server: required, but not set" in text
    assert "sources.a.encrypt: Input should be 'yes', 'no', 'strict' or 'optional'" in text
    assert "limits.max_rows" in text
    assert len(problems) == 5
    assert "hunter2" not in str(info.value)


def test_a_key_in_the_wrong_table_or_misspelt_says_where_it_goes(tmp_path: Path) -> None:
    """The unknown keys a new operator writes: a source's security or limits key in the
    source's own table, a server key at the top, a near miss."""
    path = write(
        tmp_path,
        'port = 9000\n[sources.main]\nserver = "h"\nread_only = false\nmax_rows = 5\n'
        'databse = "Sales"\nfrobnicate = 1\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    text = "\n".join(info.value.problems)
    assert "port: unknown setting (it belongs in [server]); allowed keys: sources," in text
    assert "sources.main.read_only: unknown setting (it belongs in [sources.main.security])" in text
    assert "sources.main.max_rows: unknown setting (it belongs in [sources.main.limits])" in text
    assert "sources.main.databse: unknown setting (did you mean 'database'?)" in text
    assert "sources.main.frobnicate: unknown setting; allowed keys: server," in text


def test_a_value_where_a_table_or_a_list_of_tables_goes_says_how_to_write_it(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        '[sources]\nserver = "h"\n[server]\nauth = "static_tokens"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == [
        "sources.server: [sources] holds one table per name: put server in a"
        " [sources.NAME] table (got 'h')",
        "server.auth: must be a table: write [server.auth] with its keys on the lines below"
        " it (got 'static_tokens')",
    ]
    path = write(tmp_path, '[plugins]\ndisabled = "builtin_prompts"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == [
        'plugins.disabled: a list, even of one: write disabled = ["builtin_prompts"]'
        " (got 'builtin_prompts')"
    ]
    path = write(
        tmp_path,
        '[server.auth]\nmode = "static_tokens"\n'
        '[server.auth.static_tokens]\ntoken = "t"\nsubject = "s"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == [
        "server.auth.static_tokens: a list, not a table; in TOML write each entry as its own"
        " [[server.auth.static_tokens]] (double brackets) with its keys below it"
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            'static_tokens = ["S3cr3t-canary-1"]',
            "server.auth.static_tokens.0: each entry is a table: write it as"
            " [[server.auth.static_tokens]] with its keys below it",
        ),
        (
            'static_tokens = "S3cr3t-canary-1"',
            "server.auth.static_tokens: a list, not a single value; in TOML write each entry"
            " as its own [[server.auth.static_tokens]] (double brackets) with its keys below it",
        ),
        (
            'static_tokens = [{token = ["S3cr3t-canary-1"], subject = "s"}]',
            "server.auth.static_tokens.0.token: Input should be a valid string",
        ),
        ('public_key = ["S3cr3t-canary-1"]', "server.auth.public_key: Input should be a valid"),
    ],
)
def test_a_secret_in_the_wrong_shape_is_not_quoted_back(
    tmp_path: Path, text: str, says: str
) -> None:
    path = write(tmp_path, f'[server.auth]\nmode = "static_tokens"\n{text}\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert says in info.value.problems[0]
    assert "canary" not in "\n".join(info.value.problems)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[sources.main]\nserver = myhost,1433\n", "text goes in double quotes"),
        ("[security]\nread_only = False\n", "true and false are lower case"),
        ("[server]\nport = 1\nport = 2\n", "a key or table is given twice: keep one"),
        ("[server]\n[server]\n", "a table is given twice: keep one header"),
        ('[sources.main]\nusername = "DOM\\user"\n', "a backslash starts an escape"),
        ('[sources.main]\nusername = "DOM\\xuser"\n', "a backslash starts an escape"),
        ('[server]\nname = "x\n', "a closing quote is missing"),
        ("[server]\nport\n", "each setting is key = value"),
    ],
)
def test_a_toml_syntax_error_says_what_to_do(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text))
    (problem,) = info.value.problems
    assert "is not valid TOML: " in problem and "(at line " in problem
    assert says in problem


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[server\n"))


def test_a_file_that_is_not_utf8_is_one_problem_naming_the_file_and_the_byte(
    tmp_path: Path,
) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'[server]\nname = "caf\xe9"\n')  # as a Windows editor may save it
    with pytest.raises(ConfigError) as info:
        load_settings(str(latin1))
    assert info.value.problems == [
        f"config file {str(latin1)!r} is not UTF-8 text: byte 0xe9 at offset 20 (line 2);"
        " save it as UTF-8"
    ]


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b'\xef\xbb\xbf[server]\nname = "caf\xc3\xa9"\n')
    assert load_settings(str(bom)).server.name == "caf\u00e9"


def test_default_source_must_exist() -> None:
    settings = settings_from_mapping(
        {"sources": {"a": {"server": "x"}}, "server": {"default_source": "b"}}
    )
    assert reference_problems(settings) == [
        "server.default_source: 'b' is not a configured source (sources: a)"
    ]


def test_source_overrides_merge_over_globals() -> None:
    settings = settings_from_mapping(
        {
            "security": {"allow_unfiltered_writes": True},
            "limits": {"max_rows": 50, "query_timeout_s": 10},
            "sources": {
                "prod": {"server": "p", "limits": {"max_rows": 5}},
                "staging": {"server": "s", "security": {"read_only": False}},
            },
        }
    )
    prod = settings.source_limits("prod")
    assert (prod.max_rows, prod.query_timeout_s) == (5, 10)
    assert settings.source_security("prod").read_only is True
    staging = settings.source_security("staging")
    assert (staging.read_only, staging.allow_unfiltered_writes) == (False, True)


def test_plugin_sections_are_kept_apart() -> None:
    settings = settings_from_mapping(
        {"plugins": {"disabled": ["x"], "hello": {"greeting": "hi"}, "strict": True}}
    )
    assert settings.plugins.disabled == ["x"]
    assert settings.plugins.strict is True
    assert settings.plugins.sections == {"hello": {"greeting": "hi"}}


def test_no_secret_in_the_settings_repr() -> None:
    """A traceback or a debug line that prints the settings shows no secret."""
    hmac = "S3cr3t-canary-hmac-0123456789abcdef0123456789"
    settings = settings_from_mapping(
        {
            "sources": {"a": {"server": "x", "password": "hunter2", "client_secret": "s3cret"}},
            "server": {
                "auth": {
                    "mode": "jwt",
                    "algorithm": "HS256",
                    "public_key": hmac,
                    "issuer": "https://issuer.example",
                    "audience": "azsql",
                    "static_tokens": [{"token": "tok-canary-0123", "subject": "s"}],
                }
            },
        }
    )
    for text in (repr(settings), str(settings)):
        for secret in ("hunter2", "s3cret", hmac, "tok-canary-0123"):
            assert secret not in text


def test_redacted_hides_secrets() -> None:
    settings = settings_from_mapping(
        {"sources": {"a": {"server": "x", "password": "hunter2", "client_secret": "s3cret"}}}
    )
    shown = redacted(settings)
    assert shown["sources"]["a"]["password"] == "***"
    assert shown["sources"]["a"]["client_secret"] == "***"
    assert "hunter2" not in str(shown) and "s3cret" not in str(shown)
    assert shown["plugins"] == {
        "disabled": [],
        "enabled": None,
        "strict": False,
        "startup_timeout_s": 30.0,
    }


def test_pool_and_intent_settings_are_validated() -> None:
    settings = settings_from_mapping(
        {"sources": {"ro": {"server": "h", "application_intent": "read_only"}}}
    )
    source = settings.sources["ro"]
    assert source.application_intent == "read_only" and source.pool_idle_timeout_s == 300
    with pytest.raises(ConfigError) as bad:
        settings_from_mapping(
            {
                "sources": {
                    "x": {"server": "h", "application_intent": "ReadOnly", "pool_idle_timeout_s": 0}
                }
            }
        )
    problems = "\n".join(bad.value.problems)
    assert "sources.x.application_intent: Input should be 'read_write' or 'read_only'" in problems
    assert "sources.x.pool_idle_timeout_s: Input should be greater than 0" in problems


def test_problems_name_the_variable_a_value_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SQL_SERVER", "s.database.windows.net")
    monkeypatch.setenv("AZURE_SQL_CONNECTION_TIMEOUT", "soon")
    monkeypatch.setenv("MCP_PORT", "eighty")
    monkeypatch.setenv("AZSQL_MCP_SERVER__SHUTDOWN_GRACE_S", "-1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert "sources.default.connection_timeout_s (from AZURE_SQL_CONNECTION_TIMEOUT)" in text
    assert "server.port (from MCP_PORT)" in text
    assert "server.shutdown_grace_s (from AZSQL_MCP_SERVER__SHUTDOWN_GRACE_S)" in text


def test_a_mapping_is_all_there_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """build_server and the pytest kit: the environment does not change the config."""
    monkeypatch.setenv("AZSQL_MCP_SERVER__NAME", "from-env")
    monkeypatch.setenv("AZURE_SQL_SERVER", "seed")
    settings = settings_from_mapping({"server": {"port": 9100}})
    assert (settings.server.name, settings.server.port) == ("azsql-mcp", 9100)
    assert settings.sources == {}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (("password", "password_env"), "password and password_env are both set"),
        (("password", "password_file"), "password and password_file are both set"),
        (("client_secret", "client_secret_env"), "client_secret and client_secret_env are"),
        (("client_secret_env", "client_secret_file"), "client_secret_env and client_secret_file"),
        (("access_token_env", "access_token_file"), "access_token_env and access_token_file"),
        (
            ("password", "password_env", "password_file"),
            "password, password_env and password_file are all set",
        ),
    ],
)
def test_a_secret_given_two_ways_is_refused_naming_both_keys(
    keys: tuple[str, ...], message: str
) -> None:
    source = {"server": "h", "username": "u"} | {key: "x" for key in keys}
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({"sources": {"main": source}})
    assert f"sources.main: {message}" in str(info.value)
    assert "keep one of them" in str(info.value)


def test_a_secret_given_one_way_is_accepted() -> None:
    settings = settings_from_mapping(
        {"sources": {"a": {"server": "h", "password_env": "PW", "client_secret_file": "f"}}}
    )
    assert settings.sources["a"].access_token_env == "AZURE_SQL_ACCESS_TOKEN"  # the default


@pytest.mark.parametrize(
    ("variable", "said"),
    [
        (
            "AZSQL_MCP_SERVER_PORT",
            'AZSQL_MCP_SERVER_PORT: no setting has this name; nested keys are joined with "__",'
            ' not "_": AZSQL_MCP_SERVER__PORT',
        ),
        (
            "AZSQL_MCP_SERVR__PORT",
            "AZSQL_MCP_SERVR__PORT: no setting has this name; did you mean AZSQL_MCP_SERVER__PORT?",
        ),
        ("AZSQL_MCP_NOTHING", "AZSQL_MCP_NOTHING: no setting has this name; the tables are"),
    ],
)
def test_a_variable_of_ours_that_sets_nothing_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, said: str
) -> None:
    monkeypatch.setenv(variable, "9000")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert [p for p in info.value.problems if p.startswith(said)] != []


def test_variables_of_ours_that_are_no_settings_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config file's path, the test suite's database and a secret the config names."""
    path = write(
        tmp_path, '[sources.a]\nserver = "h"\nusername = "u"\npassword_env = "AZSQL_MCP_DB_PW"\n'
    )
    monkeypatch.setenv("AZSQL_MCP_CONFIG", path)
    monkeypatch.setenv("AZSQL_MCP_TEST_SQLSERVER", "Driver=x")
    monkeypatch.setenv("AZSQL_MCP_TEST_SQLSERVER_READER", "Driver=x")
    monkeypatch.setenv("AZSQL_MCP_DB_PW", "secret")
    monkeypatch.setenv("AZSQL_MCP_SERVER__PORT", "9000")
    # what Kubernetes sets in every pod for a Service named azsql-mcp
    for name, value in {
        "AZSQL_MCP_SERVICE_HOST": "10.0.0.7",
        "AZSQL_MCP_SERVICE_PORT": "80",
        "AZSQL_MCP_SERVICE_PORT_HTTP": "80",
        "AZSQL_MCP_PORT": "tcp://10.0.0.7:80",
        "AZSQL_MCP_PORT_80_TCP": "tcp://10.0.0.7:80",
        "AZSQL_MCP_PORT_80_TCP_PROTO": "tcp",
        "AZSQL_MCP_PORT_80_TCP_PORT": "80",
        "AZSQL_MCP_PORT_80_TCP_ADDR": "10.0.0.7",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings().server.port == 9000


def test_a_stray_variable_is_listed_with_the_schemas_problems(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZSQL_MCP_SERVER_PORT", "9000")
    monkeypatch.setenv("AZSQL_MCP_LIMITS__MAX_ROWS", "0")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert [p.split(":")[0] for p in info.value.problems] == [
        "AZSQL_MCP_SERVER_PORT",
        "limits.max_rows (from AZSQL_MCP_LIMITS__MAX_ROWS)",
    ]


def test_a_variable_reaches_a_source_whose_name_has_capitals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[sources.Sales]\nserver = "h"\nusername = "u"\npassword_env = "PW"\n')
    monkeypatch.setenv("AZSQL_MCP_SOURCES__SALES__DATABASE", "SalesDb")
    settings = load_settings(path)
    assert list(settings.sources) == ["Sales"]
    assert settings.sources["Sales"].database == "SalesDb"


def test_sources_differing_only_in_case_are_refused() -> None:
    settings = settings_from_mapping(
        {"sources": {"Sales": {"server": "h"}, "sales": {"server": "h"}}}
    )
    assert reference_problems(settings) == [
        "sources.sales: differs from source 'Sales' only in case; names are matched without"
        " case (AZSQL_MCP_SOURCES__NAME__... could not tell them apart): rename one"
    ]


def test_a_source_only_variables_make_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[sources.Sales]\nserver = "h"\nusername = "u"\npassword_env = "PW"\n')
    monkeypatch.setenv("AZSQL_MCP_SOURCES__SALE__DATABASE", "SalesDb")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert info.value.problems == [
        "sources.sale.server: required, but not set; source 'sale' gets values from"
        " AZSQL_MCP_SOURCES__SALE__DATABASE (a misspelt source name? they reach the file's"
        " [sources.NAME] whatever the case of NAME)"
    ]


def test_json_from_the_environment_below_plugin_sections_and_declared_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[tools.t]\ndescription = "[x] not JSON from a file"\n')
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__BUILTIN_TOOLS__DISABLED_TOOLS", '["read_data"]')
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__ACME", '{"max_tables": 3}')
    monkeypatch.setenv("AZSQL_MCP_PLUGINS__HELLO__GREETING", "[hi]")  # not JSON: text
    monkeypatch.setenv("AZSQL_MCP_TOOLS__T__PARAMETERS", '{"n": {"type": "integer"}}')
    monkeypatch.setenv("AZSQL_MCP_TOOLS__U", '{"statement": "SELECT 1"}')
    settings = load_settings(path)
    assert settings.plugins.sections == {
        "builtin_tools": {"disabled_tools": ["read_data"]},
        "acme": {"max_tables": 3},
        "hello": {"greeting": "[hi]"},
    }
    assert settings.tools["t"] == {
        "description": "[x] not JSON from a file",
        "parameters": {"n": {"type": "integer"}},
    }
    assert settings.tools["u"] == {"statement": "SELECT 1"}


def test_a_directory_given_as_the_config_file_is_named_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(str(tmp_path))
    assert info.value.problems == [
        f"config file {str(tmp_path)!r} is a directory (give the file in it)"
    ]


def test_a_missing_config_file_is_named_with_where_it_was_looked_for_and_who_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client starting the server over stdio picks the working directory, and a
    variable set long ago in a shell is easily forgotten: the error says both."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AZSQL_MCP_CONFIG", raising=False)
    with pytest.raises(ConfigError) as info:
        load_settings("azsql-mcp.toml")
    assert info.value.problems == [
        f"config file 'azsql-mcp.toml' does not exist in the working directory {tmp_path}:"
        " give an existing file or an absolute path"
    ]
    monkeypatch.setenv("AZSQL_MCP_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError) as info:
        load_settings(None)
    assert info.value.problems == [
        f"config file {str(tmp_path / 'gone.toml')!r} (named by $AZSQL_MCP_CONFIG) does not"
        " exist: give an existing file, or unset AZSQL_MCP_CONFIG"
    ]


def test_trusted_proxies_are_written_as_uvicorn_reads_them() -> None:
    """uvicorn skips a network with host bits and anything beside "*" without a word."""
    server = settings_from_mapping(
        {"server": {"trusted_proxies": ["10.0.0.5/24", "10.0.0.7/32", "::1"]}}
    ).server
    assert server.trusted_proxies == ["10.0.0.0/24", "10.0.0.7", "::1"]
    for bad, said in ((["*", "10.0.0.1"], "give it alone"), (["nginx"], "not an IP address")):
        with pytest.raises(ConfigError, match=said):
            settings_from_mapping({"server": {"trusted_proxies": bad}})
