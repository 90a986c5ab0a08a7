"""`azsql-mcp check`: walk the path to a source step by step and stop at the first failure
with a message that says what to do. The steps are in network_steps.py (to the server),
login_steps.py (to a login) and database_steps.py (once logged in)."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Collection, Mapping
from typing import Literal, TextIO

from azsql_mcp.api import AuthProviderFactory, DatabaseError, SourceSettings
from azsql_mcp.catalog.access import STATE_ACCESS, state_access_of
from azsql_mcp.catalog.server import engine_name
from azsql_mcp.catalog.sql import PERMISSIONS
from azsql_mcp.core.configsources import unread_seed_variables
from azsql_mcp.core.docpaths import doc
from azsql_mcp.core.plugins import PluginSet
from azsql_mcp.core.resolution import pending_tools, resolve_tools
from azsql_mcp.core.settings import Settings
from azsql_mcp.db.connstr import ServerAddress
from azsql_mcp.db.connstr import parse_server as parse_server_setting
from azsql_mcp.db.credentials import auth_advice
from azsql_mcp.diagnostics.check_report import CheckFailed, Report
from azsql_mcp.diagnostics.database_steps import (
    CATALOG_SQL,
    WHO_SQL,
    catalog_line,
    close_quietly,
    declared_statement_types,
    fetch_one,
    fetch_rows,
    masked_columns,
    permission_lines,
    query_one,
    reach_outside,
    uncounted_tables,
)
from azsql_mcp.diagnostics.function_access import uncallable_lines
from azsql_mcp.diagnostics.login_steps import build_auth, log_in, obtain_credentials, source_driver
from azsql_mcp.diagnostics.network_steps import prelogin_step, resolve_step, tcp_step
from azsql_mcp.diagnostics.procedure_access import declared_procedures, execute_missing_lines
from azsql_mcp.diagnostics.statement_types import declared_statements
from azsql_mcp.diagnostics.table_access import unreachable_lines

EXIT_CONFIG = 2  # as every command exits on an invalid configuration


async def run_check(
    settings: Settings,
    source: str | None,
    out: TextIO,
    *,
    auth_providers: Mapping[str, AuthProviderFactory] | None = None,
    plugins: PluginSet | None = None,
) -> int:
    """Check one source, or every source when `source` is None. Returns the exit code:
    0 when every step passed, 2 when a tool declared in config does not match its
    source's catalog (an invalid configuration), 1 when another step failed.

    A plugin that failed to load is a warning, or with `[plugins] strict = true` a
    failure that makes the code 2, as `serve` would not start (the sources are checked
    all the same). `plugins` (the loaded plugins, their config tools declared) defaults
    to what the configuration loads; `auth_providers` to what they register."""
    report = Report(out)
    try:
        names = _source_names(settings, source)
    except CheckFailed as failure:
        report.fail("config", failure)
        return 1
    if plugins is None:
        from azsql_mcp.core.declared import declare_tools
        from azsql_mcp.core.pluginloader import load_plugins

        plugins = load_plugins(settings)
        declare_tools(plugins, settings)  # what is wrong without a database: `config` says
    if auth_providers is None:
        auth_providers = plugins.auth_providers
    stopping = _check_plugins(plugins, settings.plugins.strict, report)
    listed = plugins.listed_tools()
    failed, mismatched = [], []
    for name in names:
        if not await _check_source(name, settings, auth_providers, listed, report):
            failed.append(name)
            continue
        outcome = await _check_tools(name, settings, plugins, auth_providers, report)
        if outcome == "mismatch":
            mismatched.append(name)
        elif outcome == "failed":
            failed.append(name)
    if mismatched:
        out.write(
            f"check failed: declared tools do not match source {', '.join(mismatched)}"
            " (fix [tools.NAME] in the config, or grant what each names)\n"
        )
        return EXIT_CONFIG
    if stopping:
        out.write(
            f"check failed: plugin {', '.join(stopping)} failed to load, and with [plugins]"
            " strict = true serve would not start\n"
        )
        return EXIT_CONFIG
    if failed:
        out.write(f"check failed for source {', '.join(failed)}\n")
        return 1
    out.write("all checks passed\n")
    return 0


def _check_plugins(plugins: PluginSet, strict: bool, report: Report) -> list[str]:
    """Each plugin that failed to load, as `serve` would meet it: a FAIL with `strict`
    (serve stops at it), a warning otherwise (serve starts without it); then what a
    loaded plugin does that works today and may not tomorrow (a tool without a
    description, an import of a private module), as `azsql-mcp plugins` lists it.
    Returns the names of the plugins that would stop `serve`."""
    step = "plugins"
    failed = plugins.failed()
    for record in failed:
        problem = f"{record.describe()} failed to load: {record.reason}"
        if strict:
            advice = (
                "fix the plugin, or leave it out with [plugins] disabled; with [plugins]"
                " strict = true, serve does not start while a plugin fails"
            )
            report.fail(step, CheckFailed(problem, advice))
        else:
            report.warn(step, f"{problem}; serve starts without it")
    if not failed:
        report.ok(step, f"{len(plugins.loaded())} loaded")
    for record in plugins.loaded():
        for warning in record.warnings:
            report.warn(step, f"{record.describe()}: {warning}")
    return [r.name for r in failed] if strict else []


async def _check_tools(
    name: str,
    settings: Settings,
    plugins: PluginSet,
    auth_providers: Mapping[str, AuthProviderFactory],
    report: Report,
) -> Literal["ok", "mismatch", "failed"]:
    """The tools that need this source's catalog (declared procedures), resolved as
    `serve` resolves them once the source is reached: "mismatch" when the config names
    what the catalog lacks, "failed" when the catalog could not be read."""
    step = "declared tools"
    specs = pending_tools(plugins, name, settings.default_source)
    if not specs:
        return "ok"
    from azsql_mcp.db.database import SourceDatabase  # pyodbc: the driver step passed

    source_settings = settings.sources[name]
    # threads, like the login above: no driver process for one check
    one_connection = {"executor": "thread", "pool_size": 1}
    db = SourceDatabase(
        name,
        source_settings.model_copy(update=one_connection),
        settings.source_security(name),
        settings.source_limits(name),
        auth_providers[source_settings.auth](source_settings),
    )
    procedures = declared_procedures(settings.tools, name, settings.default_source)
    try:
        outcome = await resolve_tools(specs, db)
        # a procedure the login cannot see already fails above, with the GRANT
        unseen = {item.pending.name for item in outcome if item.problems}
        seen = [(tool, proc) for tool, proc in procedures if tool not in unseen]
        unrunnable = await execute_missing_lines(db, seen)
    except DatabaseError as exc:
        report.fail(step, CheckFailed(f"could not read the catalog: {exc.numbered()}"))
        return "failed"
    finally:
        await db.close()
    advice = (
        f"fix the tool in the config ({doc('declared-tools.md')}, [tools.NAME]) or grant what"
        " it names; a running server takes either on a reload (SIGHUP)"
    )
    for item in outcome:
        for problem in item.problems:
            report.fail(step, CheckFailed(problem, advice))
        if item.error is not None:
            report.fail(step, CheckFailed(f"tools.{item.pending.name}: {item.error}"))
    status: Literal["ok", "mismatch", "failed"] = "ok"
    if any(item.problems for item in outcome):
        status = "mismatch"
    elif any(item.error is not None for item in outcome):
        status = "failed"
    else:
        report.ok(step, f"{', '.join(s.name for s in specs)} match the catalog")
    for line in unrunnable:
        report.warn(step, line)
    return status


async def _check_source(
    name: str,
    settings: Settings,
    auth_providers: Mapping[str, AuthProviderFactory],
    listed: Collection[str],
    report: Report,
) -> bool:
    source_settings = settings.sources[name]
    step = "config"
    try:
        report.ok(
            step,
            f"source {name!r}: server {source_settings.server}, "
            f"database {source_settings.database}, auth {source_settings.auth}",
        )
        step = "auth config"
        auth = build_auth(source_settings, auth_providers)
        if auth_advice(source_settings) is None:  # a plugin's: what it checks is its own
            report.ok(step, f"provider {source_settings.auth!r} built from the settings")
        else:
            report.ok(step, f"provider {source_settings.auth!r} accepted the settings")
        step = "driver"
        driver = source_driver(source_settings)
        report.ok(step, f"{driver.description} [{driver.kind}]")
        address = _address(source_settings)
        machine = address.machine
        step = "name"
        report.ok(step, await resolve_step(machine))
        if address.named_instance:
            report.warn("tcp", "named instance: SQL Browser gives the port; skipped to login")
        else:
            step = "tcp"
            await tcp_step(machine, source_settings)
            report.ok(step, f"{machine.host}:{machine.effective_port} accepts connections")
            step = "pre-login"
            report.ok(step, await prelogin_step(machine, source_settings))
        step = "credentials"
        attrs = await obtain_credentials(auth, source_settings, name, driver)
        report.ok(step, attrs.identity or "obtained")
        step = "login"
        cnxn = await log_in(source_settings, driver, attrs)
        try:
            report.ok(step, f"logged in with auth {source_settings.auth!r}")
            step = "database"
            database, login_name, user_name, version, edition = await query_one(cnxn, WHO_SQL)
            report.ok(
                step,
                f"{database} as {login_name}, user {user_name} ({engine_name(edition)} {version})",
            )
            step = "permissions"
            (seen,) = await query_one(cnxn, CATALOG_SQL)
            names, row = await fetch_one(cnxn, PERMISSIONS)
            grants = dict(zip(names, row, strict=True))
            fine, text = catalog_line(int(seen), bool(grants["sees_every_table"]), user_name)
            (report.ok if fine else report.warn)(step, text)
            names, row = await fetch_one(cnxn, STATE_ACCESS)
            access = state_access_of(dict(zip(names, row, strict=True)))
            security = settings.source_security(name)
            writable = not security.read_only
            lines = permission_lines(grants, access, user_name, listed, writable=writable)
            for fine, text in lines:
                (report.ok if fine else report.warn)(step, text)
            step = "masking"
            await masked_columns(cnxn, report)
            if not security.read_only and not security.allow_uncounted_writes:
                step = "writes"
                sees_all = bool(grants["sees_every_table"])
                await uncounted_tables(cnxn, report, sees_all=sees_all)
            step = "reach outside"
            await reach_outside(cnxn, report, whole=bool(grants["view_definition"]))
            statements = declared_statements(settings.tools, name, settings.default_source)
            if statements:
                step = "declared statements"
                await declared_statement_types(cnxn, statements, report)
                rows = functools.partial(fetch_rows, cnxn)
                for line in await asyncio.to_thread(uncallable_lines, rows, statements):
                    report.warn(step, line)
                # a write tool is not listed while its source is read-only
                listed_statements = [s for s in statements if writable or not s.writes]
                for line in await asyncio.to_thread(unreachable_lines, rows, listed_statements):
                    report.warn(step, line)
        finally:
            await asyncio.to_thread(close_quietly, cnxn)
    except CheckFailed as failure:
        report.fail(step, failure)
        return False
    return True


def _source_names(settings: Settings, source: str | None) -> list[str]:
    if not settings.sources:
        notes = "".join(f"; {note}" for note in unread_seed_variables(os.environ))
        raise CheckFailed(
            "no database source is configured",
            "add a [sources.NAME] section with at least `server` to azsql-mcp.toml, "
            f"or set AZURE_SQL_SERVER and AZURE_SQL_DATABASE{notes}",
        )
    if source is None:
        return list(settings.sources)
    if source not in settings.sources:
        raise CheckFailed(
            f"there is no source {source!r}", f"use one of: {', '.join(settings.sources)}"
        )
    return [source]


def _address(settings: SourceSettings) -> ServerAddress:
    try:
        return parse_server_setting(settings.server)
    except ValueError as exc:
        raise CheckFailed(str(exc)) from exc
