"""`azsql-mcp serve | plugins | tools | config | check | plugin new`.

Exit codes: 0 ok, 1 a check failed, 2 invalid configuration (`check`: also a declared
tool that does not match its source's catalog) or a plugin failure in strict mode.
Heavy modules are imported inside the commands.
"""

from __future__ import annotations

# first, before anything else loads (the standard library's modules too): the collector
# paused (core/startgc.py), SIGTERM's default action for PID 1 (core/startsignal.py)
from azsql_mcp.core import startgc, startsignal  # noqa: F401

# isort: split
import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from azsql_mcp.api import ConfigError, PluginError
from azsql_mcp.core.config import PartlyInvalid, load_settings
from azsql_mcp.core.configsources import CONFIG_ENV, config_path
from azsql_mcp.core.entrypoints import ignored_entry_points
from azsql_mcp.core.lifecycle import HookInterrupted
from azsql_mcp.core.plugins import PluginRecord, PluginSet
from azsql_mcp.core.redaction import redacted
from azsql_mcp.core.settings import Settings
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.serving.hosts import PortInUse
from azsql_mcp.serving.logsetup import setup_logging, writes_json
from azsql_mcp.version import __version__

if TYPE_CHECKING:
    from azsql_mcp.core.app import App
    from azsql_mcp.core.validation import SettingsLoader
    from azsql_mcp.serving.reload import ConfigSource
    from azsql_mcp.serving.stdout import StdoutDiverted

EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command Ctrl-C stopped
log = logging.getLogger(__name__)
HANGUPS: list[int] = []  # SIGHUPs received while `serve` started (_hold_hangups)
startgc.loaded()  # the imports above are done: what they loaded is frozen, collecting resumes


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # the commands and what each does, not just "COMMAND"
        parser.print_help(sys.stderr)
        return 2  # as argparse's usage errors
    try:
        return int(args.run(args))
    except ConfigError as exc:
        named = all(p.startswith("config file ") for p in exc.problems)  # a TOML error
        _stopped(args, f"{exc}{'' if named else _read_from(args)}", problems=exc.problems)
        return EXIT_CONFIG
    except PluginError as exc:
        _stopped(args, str(exc))
        return EXIT_CONFIG
    except HookInterrupted as exc:  # the sources are closed: a stop, not a failure
        _stopped(args, f"{exc}: stopped")
        return EXIT_INTERRUPTED
    except PortInUse as exc:
        _stopped(args, str(exc))
        return 1
    except BrokenPipeError:
        # the reader went away (`azsql-mcp config | head`): stop quietly; point stdout at
        # nothing so the interpreter's final flush does not complain either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # a bug: with JSON logs its traceback is a record too
        if args.command != "serve" or not writes_json():
            raise  # Python's traceback, exit code 1
        log.critical("stopped by an unexpected error: %r", exc, exc_info=exc)
        return 1


def _read_from(args: argparse.Namespace) -> str:
    """Which file the problems are in, with how it was found when no --config named it:
    ./azsql-mcp.toml and $AZSQL_MCP_CONFIG are read by every command, `--demo` too."""
    if args.command == "plugin":
        return ""
    try:
        path = config_path(args.config)
    except ConfigError:  # the problem is the file itself, and names it
        return ""
    if path is None:
        return "\n(no config file: the values come from defaults, environment and flags)"
    how = "" if args.config else f", as ${CONFIG_ENV} names it"
    if not args.config and not os.environ.get(CONFIG_ENV):
        how = ", found in the working directory"
    demo = (
        "; --demo reads its plugin and server settings and ignores its sources"
        if getattr(args, "demo", False)
        else ""
    )
    return f"\n(config file {str(path.resolve())!r}{how}{demo})"


def _stopped(args: argparse.Namespace, message: str, **fields: object) -> None:
    """Why the command stops, on stderr. `serve` whose logs are JSON lines writes it as
    its last record (with `fields`): a log shipper reading them would not parse a bare
    line at the moment that matters most. Otherwise one line for a person."""
    if args.command == "serve" and writes_json():
        log.critical(message, extra=fields)
    else:
        print(f"azsql-mcp: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $AZSQL_MCP_CONFIG, else ./azsql-mcp.toml if present)",
    )
    parser = argparse.ArgumentParser(
        prog="azsql-mcp", description="MCP server for SQL Server and Azure SQL Database."
    )
    parser.add_argument("--version", action="version", version=f"azsql-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the MCP server")
    serve.add_argument("--transport", choices=["stdio", "http"], help="default: stdio")
    serve.add_argument("--host", help="HTTP bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="HTTP port (default 8000)")
    serve.add_argument(
        "--stateless", action="store_true", help="stateless HTTP, for replicas behind a balancer"
    )
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="HTTP worker processes sharing the port (default 1; needs --stateless)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="serve the sample database of the TDS test server"
    )
    serve.set_defaults(run=_serve)

    plugins = commands.add_parser("plugins", parents=[common], help="list plugins and status")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    plugins.add_argument("--all", action="store_true", help="include disabled plugins")
    plugins.set_defaults(run=_plugins)

    tools = commands.add_parser("tools", parents=[common], help="list the tools clients see")
    tools.add_argument("--json", action="store_true", help="machine-readable output")
    tools.add_argument("--demo", action="store_true", help="as `serve --demo` would serve")
    tools.set_defaults(run=_tools)

    config = commands.add_parser(
        "config", parents=[common], help="print the effective config (secrets redacted)"
    )
    config.add_argument("--demo", action="store_true", help="as `serve --demo` would use it")
    config.set_defaults(run=_config)

    plugin = commands.add_parser("plugin", help="write a new plugin package")
    plugin_commands = plugin.add_subparsers(dest="plugin_command", required=True, metavar="ACTION")
    new = plugin_commands.add_parser(
        "new",
        help="write a ready plugin package azsql-mcp-NAME (a tool, resource, prompt,"
        " config model, tests, README)",
    )
    new.add_argument("name", metavar="NAME", help="the plugin's name, e.g. acme")
    new.add_argument("--dir", default=".", help="where to create it (default: here)")
    new.set_defaults(run=_plugin_new)

    check = commands.add_parser(
        "check", parents=[common], help="test the path to the database step by step"
    )
    check.add_argument("--source", help="source to check (default: all)")
    check.add_argument("--demo", action="store_true", help="check the demo database")
    check.set_defaults(run=_check)
    return parser


# FastMCP keeps each session's visibility rules in py-key-value's store, which checks the
# types of its own calls at run time (beartype) unless told not to, as its README says:
# the checks cost the store's import about 0.45 G instructions before the first answer
# (bench/throughput-rounds-3.md, 35th round), and each tools/call's lookup in it.
KEY_VALUE_CHECKS = "PY_KEY_VALUE_DISABLE_BEARTYPE"


def _serve(args: argparse.Namespace) -> int:
    _hold_hangups()
    os.environ.setdefault(KEY_VALUE_CHECKS, "true")  # an operator's own setting stands
    # What validation and assembly build lives as long as the server: no collections
    # until `_run` freezes it (core/startgc.py); once the sources are open,
    # App.freeze_heap collects and freezes what serving added.
    startgc.pause()
    from azsql_mcp.serving.stdout import StdoutDiverted

    stdout = StdoutDiverted()  # until the transport takes it: plugins may print as they load
    try:
        return _serve_diverted(args, stdout)
    finally:
        stdout.end()  # on every way out (a refused config, an in-process caller)
        startgc.loaded()


def _serve_diverted(args: argparse.Namespace, stdout: StdoutDiverted) -> int:
    from dataclasses import replace

    from azsql_mcp.core.configsources import config_path
    from azsql_mcp.core.validation import SettingsLoader
    from azsql_mcp.serving.reload import ConfigSource

    server: dict[str, Any] = {}
    for flag in ("transport", "host", "port", "workers"):
        if getattr(args, flag) is not None:
            server[flag] = getattr(args, flag)
    if args.stateless:
        server["stateless_http"] = True
    # --demo serves its own source: the file's are dropped unread (SettingsLoader)
    loader = SettingsLoader(
        args.config, {"server": server} if server else None, sources={} if args.demo else None
    )
    path = config_path(args.config)
    config_source = ConfigSource.before_loading(loader, path)
    settings = _logged_settings(loader)
    if not args.demo:
        app = _serving_app(settings)
        stdout.end()
        return _run(app, config_source)
    from azsql_mcp.diagnostics.demo import demo_settings

    with demo_settings(settings) as demo:
        # A reload keeps the demo's own source: the file cannot name the test server.
        source = replace(config_source, load=replace(loader, sources=demo.sources), demo=True)
        app = _serving_app(demo)
        stdout.end()
        return _run(app, source)


def _logged_settings(loader: SettingsLoader) -> Settings:
    """The settings `serve` runs with, logging set up by them before the plugins load (what
    they log as they register is shown; their failures are recorded, and reported once).
    When the configuration is refused, logging is set up by the part the schema accepted
    (the defaults when nothing could be read), so that `main` writes the refusal in the
    format asked for: one JSON record when the logs are JSON lines."""
    try:
        settings = loader()
    except ConfigError:
        try:
            accepted: Settings | None = load_settings(loader.config_file, loader.overrides)
        except PartlyInvalid as exc:
            accepted = exc.settings
        except ConfigError:  # nothing could be read
            accepted = None
        logs = accepted.logging if accepted else LoggingSettings()
        setup_logging(logs, with_pid=accepted is not None and accepted.server.workers > 1)
        raise
    setup_logging(settings.logging, with_pid=settings.server.workers > 1)
    return settings


def _hold_hangups() -> None:
    """SIGHUP asks for a reload (serving/reload.py), but its default action ends the
    process: until the reloader takes over it is only noted, in HANGUPS (the reloader
    then reloads once, serving/run.py). Worker processes are started with it held too
    (serving/workers.py)."""
    HANGUPS.clear()
    with suppress(ValueError):  # not the main thread (main() called by a test or an embedder)
        signal.signal(signal.SIGHUP, lambda signum, frame: HANGUPS.append(signum))


def _serving_app(settings: Settings) -> App:
    """The App `serve` runs (logging set up already): the plugins load once, are judged as
    every command judges them, then their failures are reported as `[plugins] strict`
    says."""
    from azsql_mcp.core.assembly import assemble

    plugins = _validate(settings)
    plugins.report_failures(settings.plugins.strict)
    return assemble(settings, plugins)


def _run(app: App, config: ConfigSource) -> int:
    """Serve until stopped, in this process or, with `[server] workers` above 1, in that
    many worker processes (serving/workers.py); the exit code."""
    startgc.loaded()
    if app.settings.server.workers > 1:
        from azsql_mcp.serving.workers import serve_workers

        return serve_workers(app, config)
    from azsql_mcp.serving.run import run_loop, serve

    run_loop(serve(app, app.settings.server.transport, config, HANGUPS))
    return 0


def _plugins(args: argparse.Namespace) -> int:
    from azsql_mcp.core.app import tool_labels
    from azsql_mcp.core.validation import config_problems

    settings = _load(args.config)
    # Failures are part of the listing below; keep tracebacks out of the way.
    setup_logging(settings.logging.model_copy(update={"level": "CRITICAL"}))
    # Every plugin is reported, even when strict mode would stop the server at the first.
    problems, plugin_set = config_problems(settings)
    off: dict[str, str] = {}  # the tools clients do not see, and why
    if not problems:
        # assembled as `serve` does: a plugin whose component FastMCP refuses failed
        lenient = settings.plugins.model_copy(update={"strict": False})
        app = _listing_app(settings.model_copy(update={"plugins": lenient}), plugin_set)
        off = app.tools_off(settings)
    records = [r for r in plugin_set.records if args.all or r.status != "disabled"]
    if not problems:
        _say_unbound(settings, plugin_set)
    # with `[plugins] strict`, a plugin that failed stops `serve` and `tools`: exit as they do
    stopping = plugin_set.failed() if settings.plugins.strict else []
    for ignored in ignored_entry_points():
        print(f"azsql-mcp: {ignored}", file=sys.stderr)
    if args.json:
        out = {
            "plugins": [r.as_dict() for r in records],
            "tools_off": off,
            "config_problems": problems,
        }
        print(json.dumps(out, indent=2))
        _say_stopping(stopping)
        return EXIT_CONFIG if problems or stopping else 0
    for r in records:
        print(f"{r.name}  {r.status}  ({r.origin()})")
        if r.reason:
            print(f"    {'error' if r.status == 'failed' else 'why'}: {r.reason}")
        for warning in r.warnings:
            print(f"    warning: {warning}")
        for label, items in (
            ("hooks", r.hooks),
            ("tools", tool_labels(r.tools, off)),
            ("resources", r.resources),
            ("prompts", r.prompts),
            ("auth providers", r.auth_providers),
            ("disabled tools", r.disabled_tools),
        ):
            if items:
                print(f"    {label}: {', '.join(items)}")
    if problems:
        print(f"azsql-mcp: {ConfigError(problems)}", file=sys.stderr)
        return EXIT_CONFIG
    _say_stopping(stopping)
    return EXIT_CONFIG if stopping else 0


def _say_stopping(failed: list[PluginRecord]) -> None:
    """The plugins that keep `serve` from starting in strict mode, on stderr."""
    for record in failed:
        print(
            f"azsql-mcp: {record.describe()} failed: {record.reason}; with [plugins] strict"
            " = true, serve does not start while it fails",
            file=sys.stderr,
        )


def _listing_app(settings: Settings, plugins: PluginSet) -> App:
    """The server `serve` would assemble from these validated plugins, for listing what
    it offers: every tool as a client holding every scope would see it (no client auth);
    no source is opened, and the audit log is neither opened nor created (no call is
    made)."""
    from azsql_mcp.core.assembly import assemble
    from azsql_mcp.core.settingtables import AuthSettings

    server = settings.server.model_copy(update={"auth": AuthSettings()})
    audit = settings.audit.model_copy(update={"enabled": False})
    return assemble(settings.model_copy(update={"server": server, "audit": audit}), plugins)


def _say_unbound(settings: Settings, plugins: PluginSet) -> None:
    """Tools missing from the listing because their source is not configured, as `serve`
    warns of them."""
    from azsql_mcp.core.assembly import unbound_tools

    for why in unbound_tools(settings, plugins):
        print(f"azsql-mcp: {why}; until then it is not offered", file=sys.stderr)


def _tools(args: argparse.Namespace) -> int:
    from azsql_mcp.serving.clientauth import required_scopes

    with _loaded(args) as settings:
        setup_logging(settings.logging.model_copy(update={"level": "CRITICAL"}))
        plugins = _validate(settings)
        plugins.report_failures(settings.plugins.strict)  # as `serve`: strict stops here
        app = _listing_app(settings, plugins)
        tools = asyncio.run(app.mcp.list_tools())
    for record in app.plugins.failed():  # its tools are missing below; say why, as serve does
        print(f"azsql-mcp: {record.describe()} failed: {record.reason}", file=sys.stderr)
    _say_unbound(settings, app.plugins)
    scopes = required_scopes(settings.server.auth, app.plugins)
    plugin_of = {t.name: t.plugin for t in app.plugins.tools.values()}
    declared = {t.name for t in app.plugins.tools.values() if t.declared}
    if args.json:
        # as MCP's tools/list names the fields (camelCase), plus where each comes from
        out = [
            t.to_mcp_tool().model_dump(mode="json", by_alias=True, exclude_none=True)
            | {
                "plugin": plugin_of.get(t.name),
                "declaredInConfig": t.name in declared,
                "scopes": sorted(scopes.get(t.key, ())),
            }
            for t in tools
        ]
        print(json.dumps(out, indent=2))
        return 0
    width = max((len(t.name) for t in tools), default=0)
    for t in tools:
        origin = plugin_of.get(t.name)
        if t.name in declared:
            origin = f"{origin}, declared in config"
        print(f"{t.name:<{width}}  [{origin}]  {first_paragraph(t.description)}")
    return 0


def _plugin_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from azsql_mcp.core.scaffold import new_plugin

    try:
        root = new_plugin(args.name, Path(args.dir))
    except (ValueError, FileExistsError) as exc:
        print(f"azsql-mcp: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"wrote {root}; next: pip install -e '{root}[test]' && cd {root} && python -m pytest")
    return 0


def first_paragraph(text: str | None) -> str:
    """A docstring's first paragraph on one line: whole sentences, never cut mid-line."""
    paragraph = (text or "").strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def _config(args: argparse.Namespace) -> int:
    with _loaded(args) as settings:
        setup_logging(settings.logging.model_copy(update={"level": "CRITICAL"}))
        plugins = _validate(settings)
        configs = {r.name: r.config for r in plugins.loaded()}
        print(json.dumps(redacted(settings, configs), indent=2))
    return 0


def _check(args: argparse.Namespace) -> int:
    from azsql_mcp.diagnostics.check import run_check

    with _loaded(args) as settings:
        plugins = _validate(settings)  # run_check reports a plugin that failed to load
        _say_unbound(settings, plugins)
        # which file it judged first: a forgotten $AZSQL_MCP_CONFIG or a ./azsql-mcp.toml
        # would otherwise go unseen behind a list of passing steps
        print(_read_from(args).strip(), flush=True)
        return asyncio.run(run_check(settings, args.source, sys.stdout, plugins=plugins))


@contextmanager
def _loaded(args: argparse.Namespace) -> Iterator[Settings]:
    """The settings a command works on; with --demo, those `serve --demo` uses (the
    test server runs while the block does)."""
    demo = getattr(args, "demo", False)
    settings = _load(args.config, own_sources=demo)
    if not demo:
        yield settings
        return
    from azsql_mcp.diagnostics.demo import demo_settings

    with demo_settings(settings) as demo:
        yield demo


def _load(config_file: str | None, *, own_sources: bool = False) -> Settings:
    """The settings, every problem listed when some are invalid (core/validation.py);
    `own_sources` (--demo): without the configured sources, which are not judged."""
    from azsql_mcp.core.validation import load

    return load(config_file, own_sources=own_sources)


def _validate(settings: Settings) -> PluginSet:
    """The one validation every command runs (core/validation.py): exit 2 on a problem."""
    from azsql_mcp.core.validation import validate

    return validate(settings)
