"""The start banner on stderr: what is running, where to reach it, which tools it offers
(with client auth, each client sees those its scopes allow), and for stdio a client
configuration to paste. stdout stays the protocol's."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from azsql_mcp.core.config import unread_seed_variables
from azsql_mcp.serving.clientauth import component_key
from azsql_mcp.serving.console.access import console_enabled
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.core.app import App

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


def banner(app: App, transport: str, config_file: Path | None, *, demo: bool = False) -> str:
    settings = app.settings
    server = settings.server
    lines = [f"azsql-mcp {__version__}, serving MCP over {_transport_name(transport)}"]
    if transport == "http":
        base = f"http://{_url_host(server.host)}:{server.port}"
        lines.append(f"  MCP endpoint  {base}{server.path}")
        if console_enabled(settings):
            lines.append(f"  console       {base}/")
        lines += [f"  health        {base}/health", f"  metrics       {base}/metrics"]
        lines.append(f"  client auth   {server.auth.mode}")
        if server.workers > 1:
            lines.append(f"  workers       {server.workers} processes on one port, stateless")
    lines.append(f"  config        {config_file or '(none: defaults and environment)'}")
    if settings.sources:
        for name, source in settings.sources.items():
            where = f"{source.database or '(default database)'} on {source.server}"
            read_only = " read-only" if settings.source_security(name).read_only else ""
            optional = "" if source.required else ", optional for /health"
            lines.append(
                f"  source        {name}: {where}, {source.auth} auth{read_only}{optional}, opening"
            )
    else:
        lines.append(f"  source        NONE: {no_source()}")
    tools = offered_tools(app)
    lines.append(f"  tools ({len(tools)})     {', '.join(tools)}")
    if transport == "http" and server.auth.mode != "none":
        lines.append(f"{'':16}each client sees those its token's scopes allow")
    if transport == "stdio":
        lines += [
            "",
            "Client configuration (paste into the client's settings):",
            *_snippets(config_file, demo),
        ]
        variables = sorted(n for n in os.environ if n.startswith(SETTING_PREFIXES))
        if variables and not demo:
            lines.append(
                "  The client starts the server with its own environment: set there too, or"
                f" move into the config file, {', '.join(variables)}"
            )
    return "\n".join(lines)


def offered_tools(app: App) -> list[str]:
    """The tools a client whose token holds every scope lists: those registered and not
    hidden (switched off, unbound, writes on read-only sources). Not FastMCP's own
    listing, which outside a request is an anonymous client's: no tool with client auth."""
    hidden = app.hidden.keys or set()
    return sorted(name for name in app.plugins.tools if component_key("tool", name) not in hidden)


def _transport_name(transport: str) -> str:
    return "streamable HTTP" if transport == "http" else "stdio"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _command() -> list[str]:
    """This installation's absolute command: the console script beside the interpreter,
    else the one on PATH, else the interpreter running the CLI module."""
    beside = Path(sys.executable).parent / "azsql-mcp"
    if beside.exists():
        return [str(beside.absolute())]
    found = shutil.which("azsql-mcp")
    if found:
        return [str(Path(found).absolute())]
    return [
        sys.executable,
        "-c",
        "import sys; from azsql_mcp.core.cli import main; sys.exit(main())",
    ]


def _snippets(config_file: Path | None, demo: bool) -> list[str]:
    command, *args = _command()
    args.append("serve")
    if demo:
        args.append("--demo")
    if config_file is not None:
        args += ["--config", str(config_file.absolute())]
    claude = {"mcpServers": {"azsql": {"command": command, "args": args}}}
    vscode = {"servers": {"azsql": {"type": "stdio", "command": command, "args": args}}}
    return [
        "  Claude Desktop (claude_desktop_config.json):",
        json.dumps(claude, indent=2),
        "  VS Code (.vscode/mcp.json):",
        json.dumps(vscode, indent=2),
    ]
