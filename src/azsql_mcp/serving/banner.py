"""The start banner on stderr: what is running, where to reach it, which tools it offers
(with client auth, each client sees those its scopes allow), and for stdio a client
configuration to paste. stdout stays the protocol's."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azsql_mcp.core.configsources import unread_seed_variables
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.clientauth import component_key
from azsql_mcp.serving.console.access import console_enabled
from azsql_mcp.serving.launcher import launch_command
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

# hosts that listen on every interface: no client can connect to them by that address
EVERY_INTERFACE = ("0.0.0.0", "::", "")

# variables that configure azsql-mcp: a client starting the server does not pass them on
SETTING_PREFIXES = ("AZSQL_MCP_", "AZURE_SQL_")


def no_source() -> str:
    """What to do when no source is configured, with what the environment got wrong."""
    notes = "".join(f"; {note}" for note in unread_seed_variables(os.environ))
    return (
        "no database source is configured: add a [sources.NAME] table (server, database) to"
        " the config file, or set AZURE_SQL_SERVER and AZURE_SQL_DATABASE; try"
        f" `azsql-mcp serve --demo` for a sample database{notes}"
    )


def banner_facts(
    app: App, transport: str, config_file: Path | None, *, demo: bool = False
) -> dict[str, Any]:
    """What the banner says, as fields: the JSON log format writes them as one record,
    `banner` as text."""
    settings = app.settings
    server = settings.server
    facts: dict[str, Any] = {"version": __version__, "transport": _transport_name(transport)}
    if transport == "http":
        base = client_base(server.host, server.port, server.allowed_hosts)
        facts["endpoint"] = f"{base}{server.path}"
        if server.host in EVERY_INTERFACE:
            use = (
                "a name of [server] allowed_hosts or this machine's address"
                if server.allowed_hosts
                else "this machine's address (a name once listed in [server] allowed_hosts)"
            )
            where = f"{_url_host(server.host or '0.0.0.0')}:{server.port}"
            facts["listening"] = f"on every interface ({where}): clients use {use}"
        if console_enabled(settings):
            facts["console"] = f"{base}/"
        facts |= {"health": f"{base}/health", "metrics": f"{base}/metrics"}
        facts["client_auth"] = server.auth.mode
        if server.workers > 1:
            facts["workers"] = server.workers
    facts["config"] = None if config_file is None else str(config_file)
    facts["sources"] = [
        {
            "name": name,
            "database": source.database,
            "server": source.server,
            "auth": source.auth,
            "read_only": settings.source_security(name).read_only,
            "required": source.required,
        }
        for name, source in settings.sources.items()
    ]
    facts["tools"] = offered_tools(app)
    if transport == "http" and server.auth.mode != "none":
        facts["tools_note"] = "each client sees those its token's scopes allow"
    if transport == "stdio":
        facts["client_config"] = _client_config(config_file, demo)
        secrets = sorted(_secret_variables(settings))
        settings_set = sorted(
            n for n in os.environ if n.startswith(SETTING_PREFIXES) and n not in secrets
        )
        if (settings_set or secrets) and not demo:
            facts["client_environment"] = _client_environment(settings_set, secrets)
    return facts


def _client_environment(settings_set: list[str], secrets: list[str]) -> str:
    """What the pasted entry lacks: a setting from a variable can move into the file, a
    secret's variable belongs in the entry's "env" (or a file the source reads)."""
    todo = []
    if settings_set:
        todo.append(
            f'set {", ".join(settings_set)} in the entry\'s "env" too, or move those'
            " settings into the config file"
        )
    if secrets:
        todo.append(
            f'set {", ".join(secrets)} in the entry\'s "env" (or give the secret by file:'
            " password_file, client_secret_file, access_token_file)"
        )
    return "The client starts the server with its own environment, not this shell's: " + "; ".join(
        todo
    )


def _secret_variables(settings: Settings) -> set[str]:
    """The variables the sources read their secrets from (`password_env`, ...): a client
    that starts the server does not pass this shell's, and without them it stops."""
    names: set[str | None] = set()
    for source in settings.sources.values():
        names |= {source.password_env, source.client_secret_env}
        if source.auth == "access_token" and not source.access_token_file:
            names.add(source.access_token_env)
    return {name for name in names if name}


def banner_title(facts: dict[str, Any]) -> str:
    return f"azsql-mcp {facts['version']}, serving MCP over {facts['transport']}"


def _console_note(key: str, facts: dict[str, Any]) -> str:
    """With client authentication a browser opening the console gets 401 until it sends a
    token: the banner says so where it gives the URL."""
    if key != "console" or facts.get("client_auth", "none") == "none":
        return ""
    return " (send a token with sql.admin: Authorization: Bearer <token>)"


def banner(app: App, transport: str, config_file: Path | None, *, demo: bool = False) -> str:
    """The banner as text, for a person at a terminal."""
    facts = banner_facts(app, transport, config_file, demo=demo)
    lines = [banner_title(facts)]
    for key, label in (
        ("endpoint", "MCP endpoint"),
        ("listening", "listening"),
        ("console", "console"),
        ("health", "health"),
        ("metrics", "metrics"),
        ("client_auth", "client auth"),
    ):
        if key in facts:
            lines.append(f"  {label:<14}{facts[key]}{_console_note(key, facts)}")
    if "workers" in facts:
        lines.append(f"  workers       {facts['workers']} processes on one port, stateless")
    lines.append(f"  config        {facts['config'] or '(none: defaults and environment)'}")
    for source in facts["sources"]:
        where = f"{source['database'] or '(default database)'} on {source['server']}"
        read_only = " read-only" if source["read_only"] else ""
        optional = "" if source["required"] else ", optional for /health"
        lines.append(
            f"  source        {source['name']}: {where}, {source['auth']} auth{read_only}"
            f"{optional}, opening"
        )
    if not facts["sources"]:
        lines.append(f"  source        NONE: {no_source()}")
    tools = facts["tools"]
    lines.append(f"  {f'tools ({len(tools)})':<14}{', '.join(tools)}")  # aligned past 9 tools
    if "tools_note" in facts:
        lines.append(f"{'':16}{facts['tools_note']}")
    if "client_config" in facts:
        lines += ["", "Client configuration (paste into the client's settings):"]
        for client, snippet in facts["client_config"].items():
            lines += [f"  {_CLIENT_FILES[client]}:", json.dumps(snippet, indent=2)]
    if "client_environment" in facts:
        lines.append(f"  {facts['client_environment']}")
    return "\n".join(lines)


def offered_tools(app: App) -> list[str]:
    """The tools a client whose token holds every scope lists: those registered and not
    hidden (switched off, unbound, writes on read-only sources). Not FastMCP's own
    listing, which outside a request is an anonymous client's: no tool with client auth."""
    hidden = app.hidden.keys or set()
    return sorted(name for name in app.plugins.tools if component_key("tool", name) not in hidden)


def _transport_name(transport: str) -> str:
    return "streamable HTTP" if transport == "http" else "stdio"


def client_base(host: str, port: int, allowed_hosts: Sequence[str] = ()) -> str:
    """The base URL a client can use. A server listening on every interface (0.0.0.0,
    ::) is not reached at the wildcard address: it is named by the first name of
    `allowed_hosts`, else by this machine's address, since without allowed_hosts a
    request whose Host is another name gets 421 (http.host_protection)."""
    if host in EVERY_INTERFACE:
        names = [name for name in allowed_hosts if "*" not in name]
        host = names[0] if names else _own_address()
    return f"http://{_url_host(host)}:{port}"


def _own_address() -> str:
    """The address this machine sends from: a UDP socket `connect`s without sending
    anything (and without DNS); 127.0.0.1 when there is no route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered, only routed
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# the clients `client_config` holds, and where each one keeps it
_CLIENT_FILES = {
    "claude_desktop": "Claude Desktop (claude_desktop_config.json)",
    "vscode": "VS Code (.vscode/mcp.json)",
}


def _client_config(config_file: Path | None, demo: bool) -> dict[str, Any]:
    command, *args = launch_command()
    args.append("serve")
    if demo:
        args.append("--demo")
    if config_file is not None:
        args += ["--config", str(config_file.absolute())]
    return {
        "claude_desktop": {"mcpServers": {"azsql": {"command": command, "args": args}}},
        "vscode": {"servers": {"azsql": {"type": "stdio", "command": command, "args": args}}},
    }
