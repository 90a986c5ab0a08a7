"""ToolContext injection for tools, resources and prompts.

A plugin function declares `ctx: ToolContext`; we hand FastMCP a wrapper whose
signature leaves that parameter out (so it is not in the input schema) and which
builds the ToolContext per call. With several sources, tools and prompts also get
a `source` argument (an enum of the source names).
"""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastmcp.exceptions import FastMCPError, PromptError, ResourceError, ToolError
from pydantic import BaseModel, Field

from azsql_mcp.api import (
    ClientIdentity,
    Database,
    DatabaseError,
    DatabaseUnavailable,
    Limits,
    QueryRefused,
    QueryResult,
    Security,
    ToolContext,
    WriteKind,
)
from azsql_mcp.core.config import Settings

SOURCE_ARG = "source"
Kind = Literal["tool", "resource", "prompt"]
_ERRORS: dict[Kind, type[FastMCPError]] = {
    "tool": ToolError,
    "resource": ResourceError,
    "prompt": PromptError,
}


@dataclass
class CallRecord:
    """Who made one tool call and what it did, filled in during the call and read by the
    audit middleware."""

    client: ClientIdentity
    source: str | None = None
    fingerprint: str | None = None
    rows: int | None = None


CURRENT_CALL: ContextVar[CallRecord | None] = ContextVar("azsql_mcp_call", default=None)


class Runtime:
    """What injection needs at call time: the sources, their databases, plugin configs."""

    def __init__(self, settings: Settings, plugin_configs: Mapping[str, BaseModel | None]):
        self.sources = list(settings.sources)
        self.default_source = settings.default_source
        self.read_only = {name: settings.source_security(name).read_only for name in self.sources}
        self.plugin_configs = dict(plugin_configs)
        self.databases: dict[str, Database] = {}
        self.opener: Callable[[], Awaitable[None]] | None = None  # set by the server
        self.opening: asyncio.Future[None] | None = None

    def open(self) -> asyncio.Future[None] | None:
        """Start opening the sources (once); the first database use waits for it."""
        if self.opening is None and self.opener is not None:
            self.opening = asyncio.ensure_future(self.opener())
        return self.opening

    @property
    def all_read_only(self) -> bool:
        return all(self.read_only.values())

    async def database(self, name: str | None) -> Database:
        if name is None:
            return _NO_SOURCE
        opening = self.open()
        if opening is not None:
            try:
                await asyncio.shield(opening)
            except Exception as exc:
                raise DatabaseUnavailable(f"source {name!r} could not be set up: {exc}") from exc
        return self.databases[name]


def client_identity() -> ClientIdentity:
    """The caller: from the verified bearer token over HTTP, else the local user."""
    from fastmcp.server.dependencies import get_access_token

    token = get_access_token()
    if token is None:
        return ClientIdentity()
    subject = token.claims.get("sub") or token.client_id
    return ClientIdentity(
        subject=str(subject),
        client_id=token.client_id,
        scopes=frozenset(token.scopes),
        authenticated=True,
    )


def inject(
    fn: Callable[..., Awaitable[Any]],
    runtime: Runtime,
    *,
    plugin: str,
    kind: Kind,
    writes: bool = False,
) -> Callable[..., Awaitable[Any]]:
    """A wrapper of `fn` for FastMCP: ToolContext injected, `source` added, errors mapped.

    The wrapper's signature leaves out the ToolContext parameter, so it is not part of
    the input schema; the wrapper builds the ToolContext itself on every call."""
    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)
    ctx_params = [n for n in signature.parameters if _is_tool_context(hints.get(n))]
    error = _ERRORS[kind]
    add_source = (
        bool(ctx_params)
        and kind != "resource"
        and len(runtime.sources) > 1
        and SOURCE_ARG not in signature.parameters
    )
    params = [
        param.replace(annotation=hints.get(param.name, param.annotation))
        for param in signature.parameters.values()
        if param.name not in ctx_params
    ]
    if add_source:
        params.append(_source_parameter(runtime))
    params.sort(key=lambda p: p.kind)  # keyword-only parameters after the others
    builder = _ContextBuilder(runtime, plugin, fn.__name__, writes, error)

    async def call(**kwargs: Any) -> Any:
        try:
            if ctx_params:
                # the caller's choice: the added argument, or the function's own `source`
                # (a resource template's URI part); None for the default source
                source = kwargs.pop(SOURCE_ARG, None) if add_source else kwargs.get(SOURCE_ARG)
                ctx = await builder.build(source)
                kwargs.update(dict.fromkeys(ctx_params, ctx))
            return await fn(**kwargs)
        except QueryRefused as exc:
            raise error(str(exc)) from exc
        except DatabaseError as exc:
            raise error(_database_message(exc)) from exc

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=hints.get("return", signature.return_annotation)
    )
    call.__annotations__ = {p.name: p.annotation for p in params}
    if "return" in hints:
        call.__annotations__["return"] = hints["return"]
    call.__name__ = fn.__name__
    call.__qualname__ = fn.__qualname__
    call.__doc__ = fn.__doc__
    call.__module__ = fn.__module__
    return call


def _is_tool_context(annotation: Any) -> bool:
    if annotation is ToolContext:
        return True
    return any(_is_tool_context(arg) for arg in typing.get_args(annotation))


def _source_parameter(runtime: Runtime) -> inspect.Parameter:
    names: Any = Literal.__getitem__(tuple(runtime.sources))
    annotation = Annotated[names, Field(description="Database source to use.")]
    return inspect.Parameter(
        SOURCE_ARG,
        inspect.Parameter.KEYWORD_ONLY,
        default=runtime.default_source,
        annotation=annotation,
    )


def _database_message(exc: DatabaseError) -> str:
    text = str(exc)
    if exc.number is not None and str(exc.number) not in text:
        text += f" (SQL Server error {exc.number})"
    return text


class _ContextBuilder:
    """Builds the ToolContext of one call to one component."""

    def __init__(
        self,
        runtime: Runtime,
        plugin: str,
        component: str,
        writes: bool,
        error: type[FastMCPError],
    ):
        self.runtime = runtime
        self.plugin = plugin
        self.component = component
        self.writes = writes
        self.error = error

    async def build(self, source: str | None) -> ToolContext:
        """`source` is the caller's choice (None: the default source)."""
        runtime = self.runtime
        if source is None:
            source = runtime.default_source
        elif source not in runtime.sources:
            known = ", ".join(runtime.sources) or "none configured"
            raise self.error(f"unknown source {source!r}; configured sources: {known}")
        if source is not None and self.writes and runtime.read_only[source]:
            raise self.error(
                f"{self.component} changes data, but source {source!r} is read-only. An operator"
                f" can allow writes with read_only = false in [sources.{source}.security]."
            )
        record = CURRENT_CALL.get()
        if record is not None:
            record.source = source
        db = await runtime.database(source)
        return ToolContext(
            db=_RecordingDatabase(db) if record is not None else db,
            source=source or "",
            sources=list(runtime.sources),
            config=runtime.plugin_configs.get(self.plugin),
            client=record.client if record is not None else client_identity(),
            report_progress=_progress_reporter(),
        )


def _progress_reporter() -> Callable[[float, float | None, str | None], Awaitable[None]]:
    from fastmcp.server.context import _current_context

    fastmcp_context = _current_context.get()
    if fastmcp_context is None:
        return _no_progress

    async def report(progress: float, total: float | None = None, message: str | None = None):
        await fastmcp_context.report_progress(progress, total, message)

    return report


async def _no_progress(progress: float, total: float | None = None, message: str | None = None):
    return None


class _RecordingDatabase:
    """Passes every call through and notes the statement fingerprint and rows for audit."""

    def __init__(self, db: Database):
        self._db = db
        self.source = db.source
        self.security: Security = db.security
        self.limits: Limits = db.limits

    async def read(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_rows: int | None = None,
        offset: int = 0,
        json_values: bool = False,
        server_state: bool = False,
    ) -> QueryResult:
        await _note(sql)
        result = await self._db.read(
            sql,
            params,
            max_rows=max_rows,
            offset=offset,
            json_values=json_values,
            server_state=server_state,
        )
        _note_rows(len(result.rows))
        return result

    async def write(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        kinds: Sequence[WriteKind],
    ) -> QueryResult:
        await _note(sql)
        result = await self._db.write(sql, params, kinds=kinds)
        _note_rows(result.rows_affected or 0)
        return result

    async def write_batch(
        self, statements: Sequence[str], params: Mapping[str, Any] | None = None
    ) -> list[QueryResult]:
        await _note(";\n".join(statements))
        results = await self._db.write_batch(statements, params)
        _note_rows(sum(r.rows_affected or 0 for r in results))
        return results

    async def explain(self, sql: str) -> str:
        await _note(sql)
        return await self._db.explain(sql)

    async def ping(self) -> float:
        return await self._db.ping()

    def pool_stats(self) -> dict[str, int]:
        return self._db.pool_stats()


async def _note(sql: str) -> None:
    record = CURRENT_CALL.get()
    if record is not None and record.fingerprint is None:
        from azsql_mcp.db import guardworker  # long statements: off the event loop

        record.fingerprint = await guardworker.fingerprint(sql)


def _note_rows(rows: int) -> None:
    record = CURRENT_CALL.get()
    if record is not None:
        record.rows = (record.rows or 0) + rows


class UnavailableDatabase:
    """Stands in for a source that is missing or could not be set up: every call says why."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        self.security = Security()
        self.limits = Limits.model_validate({})

    async def read(self, sql: str, params: Any = None, **kwargs: Any) -> QueryResult:
        raise DatabaseUnavailable(self.reason)

    async def write(self, sql: str, params: Any = None, **kwargs: Any) -> QueryResult:
        raise DatabaseUnavailable(self.reason)

    async def write_batch(self, statements: Any, params: Any = None) -> list[QueryResult]:
        raise DatabaseUnavailable(self.reason)

    async def explain(self, sql: str) -> str:
        raise DatabaseUnavailable(self.reason)

    async def ping(self) -> float:
        raise DatabaseUnavailable(self.reason)

    def pool_stats(self) -> dict[str, int]:
        return {}


_NO_SOURCE: Database = UnavailableDatabase(
    "",
    "no database source is configured: add a [sources.NAME] section to the config file,"
    " or set AZURE_SQL_SERVER (see docs/configuration.md)",
)
