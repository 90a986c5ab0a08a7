"""ToolContext injection for tools, resources and prompts.

A plugin function declares `ctx: ToolContext`; we hand FastMCP a wrapper whose
signature leaves that parameter out (so it is not in the input schema) and which
builds the ToolContext per call. With several sources, tools and prompts also get
a `source` argument (an enum of the source names).
"""

from __future__ import annotations

import inspect
import logging
import re
import typing
import weakref
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastmcp.exceptions import (
    FastMCPError,
    NotFoundError,
    PromptError,
    ResourceError,
    ToolError,
)
from fastmcp.prompts import Message
from fastmcp.tools import ToolResult
from mcp_types import TextContent
from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from azsql_mcp.api import (
    AuthError,
    DatabaseError,
    DatabaseUnavailable,
    QueryRefused,
    ToolContext,
    render_advice,
)
from azsql_mcp.db.sessioncontext import CALLER_CLAIMS
from azsql_mcp.serving.callrecord import CURRENT_CALL, client_identity
from azsql_mcp.serving.progress import CURRENT_HEARTBEAT
from azsql_mcp.serving.recording import RecordingDatabase
from azsql_mcp.serving.runtime import Runtime

SOURCE_ARG = "source"
Kind = Literal["tool", "resource", "prompt"]
_ERRORS: dict[Kind, type[FastMCPError]] = {
    "tool": ToolError,
    "resource": ResourceError,
    "prompt": PromptError,
}


class ResourceNotFound(ResourceError):
    """A resource function's NotFoundError: the instance its URI names does not exist.
    A ResourceError, so FastMCP logs it at its level and passes it on as it is, for the
    tool-call middleware to answer as MCP says (toolcalls._run_component)."""


class PluginExit(RuntimeError):
    """A plugin's tool, resource or prompt raised SystemExit or KeyboardInterrupt. Not
    the operator's Ctrl-C: that first cancels the serving task (asyncio.Runner over
    stdio) or sets uvicorn's exit flag, and the calls see CancelledError."""

    def __init__(
        self, plugin: str, kind: Kind, fn: Callable[..., Any], exc: SystemExit | KeyboardInterrupt
    ):
        code = f"({exc.code!r})" if isinstance(exc, SystemExit) else ""
        super().__init__(
            f"plugin {plugin!r}: {kind} function {fn.__module__}.{fn.__qualname__} raised"
            f" {type(exc).__name__}{code}; the call failed and the server goes on serving."
            " A plugin must raise an exception, not exit: catch SystemExit around code"
            " that may exit (argparse does on bad input)"
        )


def inject(
    fn: Callable[..., Awaitable[Any]],
    runtime: Runtime,
    *,
    plugin: str,
    kind: Kind,
    writes: bool = False,
    source_from_uri: bool = False,
    fixed_source: str | None = None,
) -> Callable[..., Awaitable[Any]]:
    """A wrapper of `fn` for FastMCP: ToolContext injected, `source` added, errors mapped.

    The wrapper's signature leaves out the ToolContext parameter, so it is not part of
    the input schema; the wrapper builds the ToolContext itself on every call. A tool
    with a `fixed_source` always uses that source and gets no `source` argument."""
    hints = _hints(fn)
    signature = inspect.signature(fn)
    ctx_params = _context_params(signature, hints)
    error = _ERRORS[kind]
    add_source = (
        bool(ctx_params)
        and kind != "resource"
        and fixed_source is None
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
    if source_from_uri:  # the core's `scheme://{source}/...` variant of a resource
        params.insert(0, inspect.Parameter(SOURCE_ARG, _POSITIONAL, annotation=str))
    params.sort(key=lambda p: p.kind)  # keyword-only parameters after the others
    builder = _ContextBuilder(runtime, plugin, fn.__name__, writes, error)

    async def call(**kwargs: Any) -> Any:
        try:
            if ctx_params:
                # the tool's fixed source, else the caller's choice: the added argument, or
                # the function's own `source` (a resource template's URI part); None for
                # the default source
                source: str | None = fixed_source
                if fixed_source is None and (add_source or source_from_uri):
                    source = kwargs.pop(SOURCE_ARG, None)
                elif fixed_source is None:
                    source = kwargs.get(SOURCE_ARG)
                ctx = await builder.build(source)
                kwargs.update(dict.fromkeys(ctx_params, ctx))
            result = await _rendered(await fn(**kwargs))
            return resource_value(result) if kind == "resource" else result
        except QueryRefused as exc:
            raise error(await _advised(str(exc)), log_level=logging.INFO) from exc
        except NotFoundError as exc:
            if kind != "resource":
                exc.args = (await _advised(str(exc)),)
                raise
            # FastMCP would log any other exception with its traceback: a caller's URI
            # naming nothing is no server error
            raise ResourceNotFound(await _advised(str(exc)), log_level=logging.INFO) from exc
        except DatabaseError as exc:
            message = await _advised(exc.numbered())
            raise error(message, log_level=_log_level(exc)) from exc
        except FastMCPError as exc:
            # an error raised on purpose: the caller's to fix, not the server's
            if exc.log_level == logging.ERROR:
                exc.log_level = logging.INFO
            exc.args = (await _advised(str(exc)),)
            raise
        except (SystemExit, KeyboardInterrupt) as exc:
            # e.g. argparse exiting on bad input: past FastMCP's `except Exception` it
            # would end the server. A failed call instead, logged and masked as any bug.
            raise PluginExit(plugin, kind, fn, exc) from exc

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


# A line that may start a docstring section: an indented one (a Google section's body),
# a Sphinx field (`:param x:`) or a NumPy underline.
_MAY_START_SECTION = re.compile(r"^(?:[ \t]+\S|:|-{3,})", re.MULTILINE)


def docstring_description(call: Callable[..., Any], description: str | None) -> str | None:
    """The description to give FastMCP for the wrapper `call` of a tool or prompt.

    FastMCP parses a docstring with griffe (tens of milliseconds to import, before
    `initialize` is answered) for the description, when none is given, and for the
    parameters' descriptions in a section (`Args:`). A docstring that can hold no
    section parses to itself: it is handed over as the description and taken off the
    wrapper, so FastMCP has nothing to parse. Any other docstring stays for FastMCP."""
    doc = inspect.getdoc(call)
    if doc is None or _MAY_START_SECTION.search(doc):
        return description
    call.__doc__ = None
    return doc if description is None else description


def resource_value(result: Any) -> Any:
    """What a resource returned, as FastMCP takes it: str, bytes and lists of
    ResourceContent as they are; anything pydantic can serialize (a model such as
    `values.result_to_structured(...)`, dicts and lists holding Decimal or datetime)
    as JSON values, which FastMCP sends as application/json."""
    from fastmcp.resources import ResourceContent
    from pydantic_core import to_jsonable_python

    if isinstance(result, str | bytes):
        return result
    if isinstance(result, list) and result and all(isinstance(r, ResourceContent) for r in result):
        return result
    return to_jsonable_python(result)


def context_params(fn: Callable[..., Any]) -> list[str]:
    """The parameters of `fn` that take the ToolContext."""
    return _context_params(inspect.signature(fn), _hints(fn))


# Each function's hints, evaluated once (its string annotations `eval`ed): a resource's
# function is looked at for context parameters at load, then injected twice (itself and
# its by-source variant). Weak keys: a reload's declared tools are new functions.
_HINTS: weakref.WeakKeyDictionary[Callable[..., Any], dict[str, Any]] = weakref.WeakKeyDictionary()


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    hints = _HINTS.get(fn)
    if hints is None:
        hints = _HINTS[fn] = typing.get_type_hints(fn, include_extras=True)
    return hints


def _context_params(signature: inspect.Signature, hints: dict[str, Any]) -> list[str]:
    return [n for n in signature.parameters if _is_tool_context(hints.get(n))]


_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _is_tool_context(annotation: Any) -> bool:
    if annotation is ToolContext or typing.get_origin(annotation) is ToolContext:
        return True  # `ToolContext` or `ToolContext[MyConfig]`
    return any(_is_tool_context(arg) for arg in typing.get_args(annotation))


def _source_parameter(runtime: Runtime) -> inspect.Parameter:
    """The `source` argument, made once per runtime: its type (one of the source names)
    and its description are the same for each tool and prompt that gets it."""
    parameter = _SOURCE_PARAMETERS.get(runtime)
    if parameter is None:
        names = _OneOf(tuple(runtime.sources))
        description = Field(description=source_description(runtime))
        annotation = Annotated[str, names, description]
        parameter = _SOURCE_PARAMETERS[runtime] = inspect.Parameter(
            SOURCE_ARG,
            inspect.Parameter.KEYWORD_ONLY,
            default=runtime.default_source,
            annotation=annotation,
        )
    return parameter


class _OneOf:
    """A string that is one of `names`, to pydantic what `Literal[names]` is (the same
    core schema: the same JSON schema, `{"enum": [...], "type": "string"}`, and the same
    `literal_error`, which argerrors.py words with the names). Not a Literal: FastMCP
    evaluates each component function's type hints many times while it assembles them,
    and `typing` walks every name of a Literal each time (about 20 M instructions of
    the start with 50 sources; bench/throughput-rounds-3.md, 35th round)."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(list(self.names))


_SOURCE_PARAMETERS: weakref.WeakKeyDictionary[Runtime, inspect.Parameter] = (
    weakref.WeakKeyDictionary()
)


def source_description(runtime: Runtime) -> str | None:
    """The `source` argument's description: each name with what the config says it holds;
    None when no source says (its enum lists the names, which every tool would repeat)."""
    if not any(runtime.descriptions.get(name) for name in runtime.sources):
        return None
    described = [
        f"{name} - {text}" if (text := runtime.descriptions.get(name)) else name
        for name in runtime.sources
    ]
    return "Database source: " + "; ".join(described) + "."


def _log_level(exc: DatabaseError) -> int:
    """The level FastMCP logs a failed call at (the audit line records every failure, with
    SQL Server's error number): the statement's own error is the caller's to fix; a
    credential refused, or a transient error left after the retries, is the operator's.
    A source that cannot be reached says so once when it goes down and once when it
    comes back (db/availability.py): each call failing meanwhile is INFO, or an outage
    under load would write a warning per call."""
    if isinstance(exc, AuthError) or (exc.transient and not isinstance(exc, DatabaseUnavailable)):
        return logging.WARNING
    return logging.INFO


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
            message = f"unknown source {source!r}; configured sources: {known}"
            # a resource URI naming no source names no resource: "resource not found"
            raise NotFoundError(message) if self.error is ResourceError else self.error(message)
        record = CURRENT_CALL.get()
        if record is not None:
            record.source = source
        if source is not None and self.writes and runtime.read_only[source]:
            # turned into the component's error as every refusal is (inject's `call`)
            raise QueryRefused(
                f"{self.component} changes data, but source {source!r} is read-only.",
                "reads only; an operator can allow writes with read_only = false in"
                f" [sources.{source}.security]",
            )
        db = await runtime.database(source)
        client = record.client if record is not None else client_identity()
        # what the source's `session_context` keys are set from, for this call only
        CALLER_CLAIMS.set(client.claims)
        return ToolContext(
            db=RecordingDatabase(db) if record is not None else db,
            source=source or "",
            sources=list(runtime.sources),
            config=runtime.plugin_configs.get(self.plugin),
            client=client,
            report_progress=_progress_reporter(),
            may_call=may_call,
        )


async def _advised(text: str) -> str:
    """`text` with its advice (azsql_mcp.advice) as this request's caller may follow it."""
    return await render_advice(text, may_call)


async def _rendered(result: Any) -> Any:
    """What a tool, resource or prompt returned, its text's advice rendered for the
    caller: a str, a ToolResult's text content, a prompt's messages. Structured content
    is data, rendered by the tool that puts advice there (render_advice)."""
    if isinstance(result, str):
        return await _advised(result)
    if isinstance(result, ToolResult):
        for item in result.content:
            if isinstance(item, TextContent):
                item.text = await _advised(item.text)
    elif isinstance(result, list):
        for item in result:
            if isinstance(item, Message) and isinstance(item.content, TextContent):
                item.content.text = await _advised(item.content.text)
    return result


async def may_call(tool: str) -> bool:
    """Whether this request's caller may call `tool`: FastMCP's `get_tool` is the lookup
    tools/call makes, with the checks tools/list applies (the visibility transform that
    hides tools switched off or withdrawn, each tool's scope check, none over stdio)."""
    from fastmcp.server.dependencies import get_context

    # the request's server, as list_available_tools asks for its list
    return await get_context().fastmcp.get_tool(tool) is not None


def _progress_reporter() -> Callable[[float, float | None, str | None], Awaitable[None]]:
    """The tool call's heartbeat takes the tool's reports (they must keep increasing after
    its own); a prompt or resource sends them as they are. A report's message is text the
    client reads: its advice is rendered for the caller, as a result's is."""
    from fastmcp.server.context import _current_context

    heartbeat = CURRENT_HEARTBEAT.get()
    fastmcp_context = _current_context.get()
    if heartbeat is not None:
        send = heartbeat.tool_reports
    elif fastmcp_context is not None:
        send = fastmcp_context.report_progress
    else:
        return _no_progress

    async def report(progress: float, total: float | None = None, message: str | None = None):
        await send(progress, total, None if message is None else await _advised(message))

    return report


async def _no_progress(progress: float, total: float | None = None, message: str | None = None):
    return None
