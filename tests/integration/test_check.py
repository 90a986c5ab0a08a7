"""`azsql-mcp check` (diagnostics.check.run_check) against the TDS test server: a good config and
each failure the server can produce, with the advice printed."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken as AzureAccessToken
from fastmcp import Client

from azsql_mcp import SourceSettings, build_server
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.db.drivers import Driver
from azsql_mcp.db.reachability import CHECK_STEP
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.diagnostics.database_steps import permission_lines
from azsql_mcp.diagnostics.network_steps import parse_prelogin, prelogin_packet
from azsql_mcp.plugins.builtin_auth import ManagedIdentity, SqlLogin, SuppliedAccessToken
from tds_test_server import ThreadedTdsServer

DRIVER_18 = Driver("msodbc", "ODBC Driver 18 for SQL Server", "Driver 18")


class Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        return AzureAccessToken("not-the-token-the-server-wants", int(time.time()) + 3600)


PROVIDERS: dict[str, Any] = {
    "sql": SqlLogin,
    "access_token": SuppliedAccessToken,
    "managed_identity": lambda s: ManagedIdentity(s, credential=Credential()),
}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(sample=True) as srv:
        yield srv


def source(server: ThreadedTdsServer, **values: Any) -> dict[str, Any]:
    return {
        "server": f"tcp:{server.host},{server.port}",
        "database": "master",
        "username": server.user,
        "password": server.password,
        "encrypt": "no",
        "connection_timeout_s": 5,
    } | values


async def check(
    sources: dict[str, Any], name: str | None = None, plugins: dict[str, Any] | None = None
) -> tuple[int, str]:
    out = io.StringIO()
    settings = settings_from_mapping({"sources": sources, "plugins": plugins or {}})
    code = await run_check(settings, name, out, auth_providers=PROVIDERS)
    return code, out.getvalue()


async def test_good_config_passes_every_step(server: ThreadedTdsServer) -> None:
    code, text = await check({"main": source(server)})
    assert code == 0, text
    for step in (
        "config",
        "driver",
        "name",
        "tcp",
        "pre-login",
        "credentials",
        "login",
        "database",
        "permissions",
    ):
        assert f"ok    {step}:" in text
    assert "all checks passed" in text
    assert server.password not in text


async def test_no_source_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    code, text = await check({})
    assert code == 1 and "FAIL  config: no database source is configured" in text
    assert "AZURE_SQL_DATABASE" in text and "is set, but" not in text
    monkeypatch.setenv("AZURE_SQL_DATABASE", "sales")
    code, text = await check({})
    assert "AZURE_SQL_DATABASE is set, but without AZURE_SQL_SERVER they make no source" in text


async def test_unknown_source_and_auth(server: ThreadedTdsServer) -> None:
    code, text = await check({"main": source(server)}, "other")
    assert code == 1 and "use one of: main" in text
    code, text = await check({"main": source(server, auth="kerberos")})
    assert code == 1 and "FAIL  auth config" in text and "managed_identity" in text


async def test_missing_driver(server: ThreadedTdsServer) -> None:
    code, text = await check({"main": source(server, driver="No Such Driver")})
    assert code == 1 and "FAIL  driver" in text and "pip install mssql-python-odbc" in text


async def test_unknown_host() -> None:
    code, text = await check(
        {"main": {"server": "no-such-host.invalid", "password": "x", "username": "u"}}
    )
    assert code == 1 and "FAIL  name: cannot resolve no-such-host.invalid" in text
    assert "database.windows.net" in text


async def test_a_named_instance_resolves_and_reaches_its_machine(
    server: ThreadedTdsServer,
) -> None:
    """`host\\instance` names an instance on a machine: the name and network steps take
    the machine (with a port, as the driver connects; without one, SQL Browser's part is
    skipped), not the whole string as a host name."""
    named = source(server) | {"server": f"{server.host}\\SQLEXPRESS,{server.port}"}
    code, text = await check({"main": named})
    assert code == 0, text
    assert f"ok    name: {server.host} resolves to" in text
    assert f"ok    tcp: {server.host}:{server.port} accepts connections" in text
    browsed = {"server": "localhost\\SQLEXPRESS", "connection_timeout_s": 1}
    _, text = await check({"main": source(server) | browsed})
    assert "ok    name: localhost resolves to" in text
    assert "named instance: SQL Browser gives the port" in text


async def test_closed_port_stops_the_walk() -> None:
    with ThreadedTdsServer() as srv:
        config = {"main": source(srv)}
    code, text = await check(config)
    assert code == 1 and "FAIL  tcp: cannot reach" in text and "connection refused" in text
    assert "pre-login" not in text


async def test_encryption_required_but_not_supported(server: ThreadedTdsServer) -> None:
    code, text = await check({"main": source(server, encrypt="yes")})
    assert code == 1 and "FAIL  pre-login: the server does not support encryption" in text


async def test_tls_server_passes_pre_login() -> None:
    with ThreadedTdsServer(tls=True) as srv:
        code, text = await check(
            {"main": source(srv, encrypt="yes", trust_server_certificate=True)}
        )
    assert code == 0, text


async def test_wrong_password(server: ThreadedTdsServer) -> None:
    # a variable that is not set is known before connecting: the provider refuses it
    code, text = await check({"main": source(server, password=None, password_env="NOPE_PW")})
    assert code == 1 and "FAIL  auth config: password_env names 'NOPE_PW'" in text
    # so is a file that does not exist
    code, text = await check({"main": source(server, password=None, password_file="/nope/pw")})
    assert code == 1 and "FAIL  auth config: password_file '/nope/pw' does not exist" in text
    code, text = await check({"main": source(server, password="wrong")})
    assert code == 1 and "FAIL  login: Login failed for user" in text
    assert f"what to do: check `username` ({server.user}) and the password" in text


async def test_rejected_token_suggests_create_user_from_external_provider() -> None:
    with ThreadedTdsServer(require_token="expected") as srv:
        code, text = await check({"main": source(srv, auth="managed_identity")})
    assert code == 1 and "ok    credentials: managed identity (system-assigned)" in text
    assert "CREATE USER [<name>] FROM EXTERNAL PROVIDER" in text and "audience" in text


async def test_missing_access_token(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_SQL_ACCESS_TOKEN", raising=False)
    code, text = await check({"main": source(server, auth="access_token")})
    assert (
        code == 1 and "FAIL  auth config: access_token_env names 'AZURE_SQL_ACCESS_TOKEN'" in text
    )


@pytest.mark.parametrize(
    ("number", "advice"),
    [
        (40613, "serverless database may be paused"),
        (4060, "check `database`"),
        (40615, "firewall"),
        (40532, "<server>.database.windows.net"),
        (18456, "check `username`"),
    ],
)
async def test_login_errors_get_advice(server: ThreadedTdsServer, number: int, advice: str) -> None:
    with server.faulted(f"error:{number}@login:1"):
        code, text = await check({"main": source(server)})
    assert code == 1 and "FAIL  login" in text and advice in text, text


async def outage_reason(values: dict[str, Any]) -> str:
    """What a tool call of a running server is told while this source is down."""
    config = {"sources": {"main": values}, "audit": {"enabled": False}}
    async with Client(build_server(config)) as client:
        result = await client.call_tool("read_data", {"query": "SELECT 1"}, raise_on_error=False)
    assert result.is_error
    return str(result.content[0].text)


@pytest.mark.parametrize("failure", ["wrong password", "closed port", "login timeout"])
async def test_check_advises_the_step_the_outage_reason_gives(
    server: ThreadedTdsServer, failure: str
) -> None:
    """check's advice and a source's outage reason come from one place
    (db/reachability.py): check said a refused login and a timeout in words of its own."""
    slow_logins: tuple[str, ...] = ()
    if failure == "closed port":
        with ThreadedTdsServer() as closed:
            values = source(closed)
    elif failure == "wrong password":
        values = source(server, password="wrong")
    else:
        values = source(server, connection_timeout_s=1)
        slow_logins = ("delay:3@login",)
    with server.faulted(*slow_logins):
        code, text = await check({"main": values})
        advice = text.split("what to do: ", 1)[1].splitlines()[0]
        reason = await outage_reason(values)
    step = reason.split("What to do: ", 1)[1].split(f"; {CHECK_STEP}")[0]
    assert code == 1 and advice.startswith(step), (advice, reason)
    if failure == "wrong password":  # and Azure SQL's kinds of login, after it
        assert step == f"check `username` ({server.user}) and the password (from the config)"
    if failure == "login timeout":
        assert step.startswith("check the network path and connection_timeout_s (1 s); ")
        assert "open outbound TCP 11000-11999" in step


def test_prelogin_packet_round_trip() -> None:
    packet = prelogin_packet(1)
    assert packet[0] == 0x12 and int.from_bytes(packet[2:4], "big") == len(packet)
    options = parse_prelogin(packet[8:])
    assert options[1] == b"\x01" and len(options[0]) == 6


def test_firewall_advice_names_the_client_ip() -> None:
    from azsql_mcp import ConnectAttributes
    from azsql_mcp.db.retry import DriverErrorInfo
    from azsql_mcp.diagnostics.login_steps import login_advice

    info = DriverErrorInfo(
        "42000",
        40615,
        "Cannot open server 'contoso' requested by the login. Client with IP address "
        "'203.0.113.7' is not allowed to access the server.",
    )
    advice = login_advice(info, SourceSettings(server="h"), ConnectAttributes(), DRIVER_18)
    assert "--start-ip-address 203.0.113.7" in advice


def test_tls_advice_is_the_outage_reasons() -> None:
    """check and a source's outage reason say the same of a failed TLS handshake."""
    from azsql_mcp import ConnectAttributes
    from azsql_mcp.db.reachability import tls_step
    from azsql_mcp.db.retry import DriverErrorInfo
    from azsql_mcp.diagnostics.login_steps import login_advice

    for message in (
        "SSL Provider: [error:0A000086:SSL routines::certificate verify failed]",
        "Client unable to establish connection. Encryption not supported on SQL Server.",
    ):
        info = DriverErrorInfo("08001", None, message)
        advice = login_advice(info, SourceSettings(server="h"), ConnectAttributes(), DRIVER_18)
        step = tls_step(message)
        assert step is not None and advice == step


@pytest.mark.parametrize(
    ("edition", "major", "permission", "grant"),
    [
        (5, 12, "VIEW DATABASE STATE", "GRANT VIEW DATABASE STATE TO [app]]user];"),
        (3, 16, "VIEW SERVER PERFORMANCE STATE", "GRANT VIEW SERVER PERFORMANCE STATE TO [app];"),
        (3, 15, "VIEW SERVER STATE", "GRANT VIEW SERVER STATE TO [app];"),
        # Managed Instance reports version 12 whatever its engine; it knows the 2022
        # permission or not, as HAS_PERMS_BY_NAME tells (NULL: unknown)
        (8, 12, "VIEW SERVER PERFORMANCE STATE", "GRANT VIEW SERVER PERFORMANCE STATE TO"),
    ],
)
def test_permission_advice_names_the_state_permission_this_engine_needs(
    edition: int, major: int, permission: str, grant: str
) -> None:
    """list_long_running_queries sees other sessions with VIEW DATABASE STATE on Azure SQL
    Database only; on SQL Server it takes the server permission of its version, granted
    to the login. ALTER ROLE and database GRANTs take the user (USER_NAME())."""
    from azsql_mcp.catalog.access import state_access_of

    row = {
        "login_name": "app",
        "user_name": "app]user",
        "engine_edition": edition,
        "major_version": major,
        "view_server_state": 0,
        "view_server_performance_state": None if major < 16 and edition != 8 else 0,
        "view_database_state": 1 if edition != 5 else 0,  # db_owner has it on SQL Server
    }
    held = {"can_select": 0, "showplan": 1, "view_definition": 1}
    every = ["list_long_running_queries", "explain_query", "describe_table"]
    access = state_access_of(row)
    lines = dict(
        (text.split(":")[0], (fine, text))
        for fine, text in permission_lines(held, access, "app]user", every, writable=False)
    )
    select = lines["SELECT on the database"][1]
    assert "ALTER ROLE db_datareader ADD MEMBER [app]]user]" in select
    assert "granted to the user one by one" in select  # what a user without it still reaches
    fine, text = lines[permission]
    assert not fine and grant in text and "own session" in text
    assert lines["SHOWPLAN"][0] and lines["VIEW DEFINITION"][0]
    assert len(lines) == 4


def test_a_managed_instance_granted_the_2022_permission_sees_every_session() -> None:
    from azsql_mcp.catalog.access import state_access_of

    row = {
        "login_name": "app",
        "user_name": "app",
        "engine_edition": 8,
        "major_version": 12,
        "view_server_state": 0,
        "view_server_performance_state": 1,
        "view_database_state": 1,
    }
    access = state_access_of(row)
    assert access.sees_all_sessions and access.permission == "VIEW SERVER PERFORMANCE STATE"
    unknown = state_access_of(row | {"view_server_performance_state": None})
    assert not unknown.sees_all_sessions and unknown.permission == "VIEW SERVER STATE"


async def test_check_reports_the_database_user(server: ThreadedTdsServer) -> None:
    code, text = await check({"main": source(server)})
    assert code == 0 and f"as {server.user}, user dbo (SQL Server 16.0.1000.6)" in text


class ChainCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AzureAccessToken:
        raise RuntimeError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
            "Attempted credentials:\n"
            "\tEnvironmentCredential: EnvironmentCredential authentication unavailable.\n"
            "\tAzureCliCredential: Azure CLI not found on path"
        )


async def test_credentials_failure_lists_every_credential_tried(server: ThreadedTdsServer) -> None:
    out = io.StringIO()
    settings = settings_from_mapping(
        {"sources": {"main": source(server, auth="default_credential")}}
    )
    providers = {"default_credential": lambda s: ManagedIdentity(s, credential=ChainCredential())}
    code = await run_check(settings, None, out, auth_providers=providers)
    text = out.getvalue()
    assert code == 1 and "FAIL  credentials: auth 'default_credential'" in text
    assert "\n      EnvironmentCredential: EnvironmentCredential authentication" in text
    assert "\n      AzureCliCredential: Azure CLI not found on path" in text
    assert "the error above lists what was tried" in text


class VaultProvider:
    """A plugin's provider failing with an unexpected exception whose text a client must
    not see (the server keeps it for its log); `check` is the operator's, so it shows it."""

    def __init__(self, settings: SourceSettings):
        pass

    async def connect_attributes(self) -> Any:
        raise KeyError("vault path secret/db")


async def test_a_plugin_providers_unexpected_exception_is_shown_to_the_operator(
    server: ThreadedTdsServer,
) -> None:
    out = io.StringIO()
    settings = settings_from_mapping({"sources": {"main": source(server, auth="vault")}})
    code = await run_check(settings, None, out, auth_providers={"vault": VaultProvider})
    text = out.getvalue()
    assert code == 1
    assert "ok    auth config: provider 'vault' built from the settings" in text
    assert "FAIL  credentials: auth 'vault' of source 'main' failed: the provider raised" in text
    assert "KeyError: 'vault path secret/db'" in text
    assert "see the auth provider's documentation" in text


async def test_freetds_with_a_token_says_so(
    server: ThreadedTdsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_TOKEN", "opaque-token")
    code, text = await check(
        {
            "main": source(
                server, auth="access_token", access_token_env="SOME_TOKEN", driver="FreeTDS"
            )
        }
    )
    assert code == 1
    assert "FAIL  credentials: FreeTDS cannot pass access tokens" in text
    assert "pip install mssql-python-odbc" in text and "network path" not in text


async def test_write_mode_lists_the_tables_whose_writes_are_refused(
    server: ThreadedTdsServer,
) -> None:
    """The sample's SalesOrderDetail cascades deletes from SalesOrderHeader: with writes
    on, check says up front that writes to the header are refused (db/write_effects.py)."""
    writes_on = {"read_only": False}
    code, text = await check({"main": source(server, security=writes_on)})
    assert code == 0, text
    assert "warn  writes: 1 table(s) have a cascading foreign key" in text
    assert "[SalesLT].[SalesOrderHeader]" in text
    _, allowed = await check(
        {"main": source(server, security=writes_on | {"allow_uncounted_writes": True})}
    )
    _, read_only = await check({"main": source(server)})
    assert "writes:" not in allowed and "writes:" not in read_only


async def test_write_mode_lists_a_table_with_an_enabled_trigger() -> None:
    """A table an enabled trigger acts on is listed; once the trigger is disabled, not."""
    with ThreadedTdsServer(sample=True) as srv:
        import pyodbc

        admin = pyodbc.connect(srv.odbc_connection_string(), autocommit=True)
        admin.execute("CREATE TABLE dbo.Audited (ID int PRIMARY KEY)")
        admin.execute("CREATE TABLE dbo.AuditLog (ID int)")
        admin.execute(
            "CREATE TRIGGER dbo.AuditedLog ON dbo.Audited AFTER DELETE AS"
            " INSERT INTO dbo.AuditLog SELECT ID FROM deleted"
        )
        writes_on = {"database": "AdventureWorksLT", "security": {"read_only": False}}
        code, text = await check({"main": source(srv, **writes_on)})
        assert code == 0, text
        assert "warn  writes: 2 table(s) have a cascading foreign key or an enabled trigger" in text
        assert "[dbo].[Audited]" in text
        admin.execute("DISABLE TRIGGER dbo.AuditedLog ON dbo.Audited")
        admin.close()
        _, disabled = await check({"main": source(srv, **writes_on)})
        assert "warn  writes: 1 table(s)" in disabled and "[dbo].[Audited]" not in disabled


async def test_a_db_datareader_login_is_told_each_permission_a_tool_lacks() -> None:
    """As health_check: SHOWPLAN for explain_query, VIEW DEFINITION for the definitions
    describe_table hides, and, where the write tools are listed, the writes, with the
    GRANT or role for each; db_datawriter is not warned of writes."""
    logins = ["reader:R-pass1", "writer:W-pass1:db_datawriter"]
    with ThreadedTdsServer(sample=True, logins=logins) as srv:
        texts = {}
        for login, password, read_only in (
            ("reader", "R-pass1", True),
            ("reader", "R-pass1", False),
            ("writer", "W-pass1", False),
        ):
            values = {"username": login, "password": password, "database": "AdventureWorksLT"}
            values["security"] = {"read_only": read_only}
            code, texts[login, read_only] = await check({"main": source(srv, **values)})
            assert code == 0, texts[login, read_only]
    reader = texts["reader", True]
    assert "ok    permissions: SELECT on the database: yes" in reader
    assert "warn  permissions: SHOWPLAN: no (explain_query" in reader
    assert "GRANT SHOWPLAN TO [reader];" in reader
    assert "warn  permissions: VIEW DEFINITION: no (describe_table" in reader
    assert "GRANT VIEW DEFINITION TO [reader];" in reader
    assert "INSERT, UPDATE, DELETE" not in reader  # read-only: no write tool is listed
    writes = "permissions: INSERT, UPDATE, DELETE on the database:"
    assert f"warn  {writes} no (" in texts["reader", False]
    assert "ALTER ROLE db_datawriter ADD MEMBER [reader];" in texts["reader", False]
    assert f"ok    {writes} yes" in texts["writer", False]


async def test_a_permission_only_a_switched_off_tool_needs_is_not_warned_of() -> None:
    """explain_query and describe_table switched off: nothing needs SHOWPLAN or VIEW
    DEFINITION, so a reader lacking them is not told to GRANT them."""
    off = {"builtin_tools": {"disabled_tools": ["explain_query", "describe_table"]}}
    with ThreadedTdsServer(sample=True, logins=["reader:R-pass1"]) as srv:
        values = {"username": "reader", "password": "R-pass1", "database": "AdventureWorksLT"}
        code, text = await check({"main": source(srv, **values)}, plugins=off)
    assert code == 0, text
    assert "SHOWPLAN" not in text and "VIEW DEFINITION" not in text
    assert "ok    permissions: SELECT on the database: yes" in text


async def test_a_writer_that_cannot_see_every_table_is_told_the_list_may_be_short() -> None:
    """A foreign key shows only to a login with a permission on its table: a login
    granted the header alone does not see SalesOrderDetail's cascade, and check does not
    say there is none. db_datawriter sees every table, and is not told so."""
    logins = ["writer:W-pass1:db_datawriter", "granted:G-pass1"]
    with ThreadedTdsServer(sample=True, logins=logins) as srv:
        import pyodbc

        admin = pyodbc.connect(srv.odbc_connection_string(), autocommit=True)
        admin.execute("ALTER ROLE db_datareader DROP MEMBER writer")
        admin.execute("ALTER ROLE db_datareader DROP MEMBER granted")
        admin.execute("GRANT SELECT ON OBJECT::SalesLT.SalesOrderHeader TO granted")
        admin.close()
        texts = []
        for login, password in (("granted", "G-pass1"), ("writer", "W-pass1")):
            login_source = {"username": login, "password": password}
            writes_on = {"database": "AdventureWorksLT", "security": {"read_only": False}}
            code, text = await check({"main": source(srv, **login_source, **writes_on)})
            assert code == 0, text
            texts.append(text)
    granted, writer = texts
    assert "warn  writes: no table has a cascading foreign key" in granted
    assert "of the tables this login can see" in granted
    assert "warn  writes: 1 table(s) have a cascading foreign key" in writer
    assert "of the tables this login can see" not in writer


async def test_check_says_how_many_tables_the_login_sees() -> None:
    """The catalog shows a user only what it holds a permission on: a login outside
    db_datareader with no grant sees no table, and check says so with the role that
    reads them all, rather than "can read the catalog"; db_datareader sees them all."""
    logins = ["reader:R-pass1", "nothing:N-pass1"]
    with ThreadedTdsServer(sample=True, logins=logins) as srv:
        import pyodbc

        admin = pyodbc.connect(srv.odbc_connection_string(), autocommit=True)
        admin.execute("ALTER ROLE db_datareader DROP MEMBER nothing")
        admin.close()
        texts = {}
        for login, password in (("reader", "R-pass1"), ("nothing", "N-pass1")):
            values = {"username": login, "password": password, "database": "AdventureWorksLT"}
            code, texts[login] = await check({"main": source(srv, **values)})
            assert code == 0, texts[login]
    assert "ok    permissions: the catalog shows every table and view: " in texts["reader"]
    nothing = texts["nothing"]
    assert "can read the catalog" not in nothing
    assert "warn  permissions: the catalog shows no table or view" in nothing, nothing
    assert "ALTER ROLE db_datareader ADD MEMBER [nothing];" in nothing
