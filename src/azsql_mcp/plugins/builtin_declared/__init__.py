"""Declared tools: `[tools.NAME]` tables of the config, each a vetted SQL statement with
typed parameters, offered as an MCP tool. Written like a third-party plugin: it sees the
tables through the `register_config_tools` hook and runs statements through ToolContext.

Every problem is reported at load, naming the tool and the key; the core refuses the
configuration (exit 2) when there is any, at start and on reload. What needs the
database (a procedure and its parameters) is checked when the tool's source is first
reached, through the tool's `resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from azsql_mcp import CheckStatement, QueryRefused, RegisterTool, hookimpl


@hookimpl
def register_config_tools(
    register: RegisterTool,
    tables: Mapping[str, Mapping[str, Any]],
    taken: frozenset[str],
    check: CheckStatement,
) -> list[str]:
    if not tables:
        return []
    # Imported only when the config declares tools: their models and the catalog
    # modules are not needed to answer `initialize` otherwise (bench/throughput-rounds.md,
    # "Nineteenth round: startup").
    from azsql_mcp.plugins.builtin_declared.description import describe
    from azsql_mcp.plugins.builtin_declared.model import ToolDecl
    from azsql_mcp.plugins.builtin_declared.parameters import ProcedureCatalog
    from azsql_mcp.plugins.builtin_declared.procedure import (
        ProcedureOutput,
        make_procedure,
        resolver,
    )
    from azsql_mcp.plugins.builtin_declared.tool import READ_HINTS, WRITE_HINTS, make_tool
    from azsql_mcp.values import StructuredResult, WriteResult

    problems: list[str] = []
    # the procedures of this configuration, read from each source in one query
    catalog = ProcedureCatalog()
    for name, table in tables.items():
        found = _problems_of(name, table, taken, check)
        if found:
            problems += found
            continue
        decl = ToolDecl.model_validate(dict(table))
        # the result's shape, as read_data's and the write tools' (clients check it)
        output: type[BaseModel]
        if decl.procedure is not None:
            catalog.want(decl.procedure, decl.source)
            fn, resolve = make_procedure(name, decl, catalog), resolver(name, decl, catalog)
            output = ProcedureOutput
        else:
            fn, resolve = make_tool(name, decl), None
            output = WriteResult if decl.writes else StructuredResult
        register(
            fn,
            name=name,
            title=decl.title,
            description=describe(decl),
            annotations=WRITE_HINTS if decl.writes else READ_HINTS,
            tags={"declared"},
            writes=decl.writes,
            scopes=decl.scopes,
            source=decl.source,
            resolve=resolve,
            output_schema=output,
        )
    return problems


def _problems_of(
    name: str, table: Mapping[str, Any], taken: frozenset[str], check: CheckStatement
) -> list[str]:
    from azsql_mcp.plugins.builtin_declared.fitting import fitted
    from azsql_mcp.plugins.builtin_declared.model import (
        NAME,
        NOT_ASCII,
        PROCEDURE_NAME,
        RESERVED,
        TOOL_NAME,
        ToolDecl,
        is_other_script,
    )
    from azsql_mcp.plugins.builtin_declared.statement_types import declared_types

    key = f"tools.{name}"
    if not TOOL_NAME.match(name):
        return [f"{key}: a tool name is 1-64 letters, digits, '_' or '-'"]
    if name in taken:
        return [f"{key}: a built-in or plugin tool is already named {name!r}; choose another"]
    try:
        decl = ToolDecl.model_validate(dict(table))
    except ValidationError as exc:
        return [_validation_line(key, err) for err in exc.errors()]
    problems = [
        f"{key}.parameters.{p}: a parameter name is a letter or '_' then letters, digits, '_'"
        + (f", with no {NOT_ASCII}" if is_other_script(p) else "")
        + (f"; write it without '@': [{key}.parameters.{p[1:]}]" if p.startswith("@") else "")
        for p in decl.parameters
        if not NAME.match(p)
    ]
    problems += [
        f"{key}.parameters.{p}: {p!r} is reserved (the tool adds it); rename the parameter"
        for p in decl.parameters
        if p in RESERVED
    ]
    declared = _spellings(decl.parameters)
    problems += [
        f"{key}.parameters.{p}: [{key}.parameters.{declared[p.casefold()]}] is the same"
        f" parameter (SQL Server reads @{declared[p.casefold()]} and @{p} as one: names"
        " compare without regard to case); declare it once"
        for p in decl.parameters
        if declared[p.casefold()] != p
    ]
    if decl.procedure is not None:
        if not PROCEDURE_NAME.match(decl.procedure):
            problems.append(f"{key}.procedure: {decl.procedure!r} is not schema.name")
        problems += [
            f"{key}.parameters.{p}.sql_type: a procedure's parameter has the type"
            f" sys.parameters gives it ({d.sql_type!r} or another); remove sql_type"
            for p, d in decl.parameters.items()
            if d.sql_type is not None
        ]
        return problems
    problems += fitted(name, decl, declared_types(decl))[1]
    try:
        used = check(decl.statement or "", writes=decl.writes, source=decl.source)
    except KeyError as exc:
        return [*problems, f"{key}.source: {exc.args[0]}"]
    except QueryRefused as exc:
        return [*problems, f"{key}.statement: {exc}"]
    if any(not NAME.match(p) for p in decl.parameters):
        return problems  # matched against the statement once the names are fixed
    # @Id and @ID in the statement are one parameter, declared as `id` or `Id`
    in_statement = _spellings(used)
    problems += [
        f"{key}.statement: @{p} is used but not declared; add [{key}.parameters.{p}]"
        for folded, p in sorted(in_statement.items())
        if folded not in declared
    ]
    problems += [
        f"{key}.parameters.{p}: declared but the statement does not use @{p}"
        for folded, p in sorted(declared.items())
        if folded not in in_statement
    ]
    return problems


def _spellings(names: Iterable[str]) -> dict[str, str]:
    """Each name by its casefolded form, as first written: SQL Server compares variable
    and parameter names in the instance's collation, case-insensitive as installed and
    on Azure SQL."""
    first: dict[str, str] = {}
    for name in names:
        first.setdefault(name.casefold(), name)
    return first


def _validation_line(key: str, err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    where = f"{key}.{loc}" if loc else key
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    if err["type"] == "missing":
        return f"{where}: required, but not set"
    message = err["msg"].removeprefix("Value error, ")
    return f"{where}: {message} (got {err.get('input')!r})" if loc else f"{where}: {message}"
