"""The tool-call middleware: every tool call passes it for a concurrency slot, the tool
metrics, one audit line (auditlog.py), argument errors worded for the agent
(argerrors.py) and `call_timeout_s`; a prompt or a resource read, for a slot, its
metrics, an audit line and `call_timeout_s`."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from fastmcp.exceptions import DisabledError, FastMCPError, NotFoundError, ValidationError
from fastmcp.resources.template import match_uri_template
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.server.middleware.rate_limiting import RateLimitError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from azsql_mcp import metrics
from azsql_mcp.api import (
    AuthError,
    DatabaseError,
    DatabaseUnavailable,
    QueryRefused,
    QueryTimeout,
    SourceBusy,
    WorkRefused,
    WriteOutcomeUnknown,
)
from azsql_mcp.db.notices import COMMIT_SINK
from azsql_mcp.serving.admission import LimitState
from azsql_mcp.serving.argerrors import rewritten
from azsql_mcp.serving.auditlog import Audited, AuditLog, ErrorKind, audit_entry, audit_text
from azsql_mcp.serving.callrecord import CURRENT_CALL, CallRecord, client_identity
from azsql_mcp.serving.clientauth import ScopePolicy, component_key
from azsql_mcp.serving.clientlog import ClientNotices
from azsql_mcp.serving.inflight import InFlight
from azsql_mcp.serving.injection import ResourceNotFound
from azsql_mcp.serving.progress import Heartbeat
from azsql_mcp.serving.recording import note_committed

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from azsql_mcp.core.plugins import PluginSet

log = logging.getLogger(__name__)


class ToolCallMiddleware(Middleware):
    """Limits, counts, times and audits every tool call, prompt and resource read, and
    words a tool call's argument errors. A config reload swaps `audit` and
    updates `limits` in place; the tools a reload declares are looked up in `plugins`.

    It overrides `__call__` (FastMCP's documented entry point) rather than
    `on_call_tool`: this runs on every request, and the hook dispatch it skips would
    cost more than the work below. One middleware for all of it: each one more wraps
    every request in another layer."""

    def __init__(
        self,
        plugins: PluginSet,
        audit: AuditLog | None,
        limits: LimitState,
        policy: ScopePolicy,
        in_flight: InFlight | None = None,
    ):
        self.plugins = plugins
        # to tell, in the audit line only, a name the token's scopes hide from one unknown
        self.policy = policy
        self.audit = audit
        self.limits = limits
        # a stateless HTTP server's calls, for a client's cancel (serving/inflight.py)
        self.in_flight = in_flight
        # the last audit lines, for the console's activity page (kept with audit off too,
        # as dicts: JSON text only for the audit log)
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_CALLS)
        # the call_timeout_s deadlines of the calls running, which a shutdown moves to now
        self._deadlines: set[asyncio.Timeout] = set()
        self._cut_when: str | None = None  # `cut` ran: when, as its answers say it

    def cut(self, when: str) -> int:
        """Shutdown: the calls in flight may run no longer (`when` says why, as in "the
        grace period ... ran out"). Every call still running is cancelled and answered
        with an error that says so (and whether a write of it committed), rather than
        dropped with its connection; a call that gets a slot later is refused. How many
        were cut."""
        self._cut_when = when
        now = asyncio.get_running_loop().time()
        for deadline in self._deadlines:
            if not deadline.expired():  # else ending by call_timeout_s already
                deadline.reschedule(now)
        return len(self._deadlines)

    async def __call__(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        method = context.method
        if isinstance(context.message, dict):
            if method == "notifications/cancelled" and self.in_flight is not None:
                self.in_flight.cancel(context.message)
            # params the SDK could not read (no `name`, a `uri` that is a number): passed
            # on untouched, for FastMCP to answer with its invalid-params error
            return await call_next(context)
        label: str | None = None  # the tool metrics' label; prompts and reads have their own
        kind: Audited
        if method == "tools/call":
            requested = context.message.name
            spec = self.plugins.tools.get(requested)
            kind, name = "tool", requested[:MAX_AUDITED_NAME]
            plugin = spec.plugin if spec is not None else ""
            key = component_key("tool", requested) if spec is not None else None
            # Names a client made up share one label: metric label sets stay bounded.
            label = requested if spec is not None else UNKNOWN
            writes = spec is not None and spec.writes  # said when shutdown cuts the call
        elif method in SLOTTED:  # a prompt or resource read may query the database too
            kind, name, plugin, key = self._component(context)
            writes = False
        else:
            return await call_next(context)
        record = CallRecord(client_identity())
        token = CURRENT_CALL.set(record)
        sink = COMMIT_SINK.set(note_committed)
        started = time.perf_counter()
        outcome, number = "ok", None
        error_kind: ErrorKind | None = None
        slot = False
        # an authenticated client's own bound; stdio and loopback callers are one person
        caller = record.client.subject if record.client.authenticated else None
        try:
            with self._cancellable(context):  # queued for a slot too
                slot = await self.limits.acquire(caller)
                if not slot:
                    full = self.limits.client_full(caller)
                    raise (_client_busy if full else _busy)(self.limits)
                if self._cut_when is not None:  # queued until the cut freed a slot
                    raise _stopped(kind, self._cut_when, False, record)
                limit = self.limits.limits.call_timeout_s
                try:
                    async with asyncio.timeout(limit) as scope:
                        self._deadlines.add(scope)
                        try:
                            if label is None:
                                result = await _run_component(context, call_next)
                            else:
                                result = await _run_tool(context, call_next, record)
                        finally:
                            self._deadlines.discard(scope)
                except TimeoutError:
                    if not scope.expired():  # the component's own, not the limit
                        raise
                    if self._cut_when is not None:
                        raise _stopped(kind, self._cut_when, writes, record) from None
                    raise _timed_out(kind, name, plugin, limit, record) from None
        except (asyncio.CancelledError, CallStopped):
            # the client went away, or shutdown cut the call (answered or not): after a
            # write of it committed (its COMMIT was under way), "committed"
            outcome = "committed" if record.committed else "cancelled"
            raise
        except Exception as exc:
            outcome, number, error_kind = _classify(exc)
            if error_kind == "not_found" and key is not None and self._scope_hides(key):
                error_kind = "scope"  # the client was answered as for an unknown name
            if record.committed:  # cut short by call_timeout_s after a write of it committed
                outcome = "committed"
            raise
        finally:
            record.finished = True
            if slot:
                await self.limits.release(caller)
            COMMIT_SINK.reset(sink)
            CURRENT_CALL.reset(token)
            duration = time.perf_counter() - started
            # /metrics needs no token: what the token may not use is counted as the client
            # was answered, as an unknown name, lest its series show that it exists
            hidden = error_kind == "scope"
            shown_plugin = "" if hidden else plugin
            if label is not None:
                shown = UNKNOWN if hidden else label
                _calls(shown, shown_plugin, outcome).inc()
                _latency(shown, shown_plugin).observe(duration)
            else:
                shown = UNKNOWN if hidden else name
                _requests(kind, shown, shown_plugin, outcome).inc()
                _component_latency(kind, shown, shown_plugin).observe(duration)
            if error_kind is not None:
                _errors(kind, record.source or "", error_kind).inc()
            entry = audit_entry(kind, name, plugin, record, duration, outcome, number, error_kind)
            self.recent.append(entry)
            if self.audit is not None:
                self.audit.write(audit_text(entry))
        return result

    def _cancellable(self, context: MiddlewareContext[Any]) -> AbstractContextManager[None]:
        """Where a stateless server's client may cancel the call (serving/inflight.py)."""
        fastmcp_context = context.fastmcp_context
        if self.in_flight is None or fastmcp_context is None:
            return nullcontext()
        return self.in_flight.running(str(fastmcp_context.request_id))

    def _component(self, context: MiddlewareContext[Any]) -> tuple[Audited, str, str, str | None]:
        """(kind, name, plugin, component key) of a prompt or resource request. A resource
        is named by the URI or URI template it was registered with: a read URI carries its
        template's arguments, which audit lines never hold (as they hold no tool argument)."""
        if context.method == "prompts/get":
            name = context.message.name
            prompt = self.plugins.prompts.get(name)
            if prompt is None:
                return "prompt", UNKNOWN, "", None
            return "prompt", name, prompt.plugin, component_key("prompt", name)
        uri = str(context.message.uri)
        resources = self.plugins.resources
        if uri in resources:
            return "resource", uri, resources[uri].plugin, component_key("resource", uri)
        for template, resource in resources.items():
            if "{" in template and match_uri_template(uri, template) is not None:
                key = component_key("template", template)
                return "resource", template, resource.plugin, key
        return "resource", UNKNOWN, "", None

    def _scope_hides(self, key: str) -> bool:
        """Whether the caller's token lacks a scope the component needs. Without a token
        (stdio, or no client authentication) no scope hides anything."""
        from fastmcp.server.dependencies import get_access_token

        token = get_access_token()
        return token is not None and not self.policy.allows(key, token)


async def _run_tool(
    context: MiddlewareContext[Any], call_next: CallNext[Any, Any], record: CallRecord
) -> Any:
    """A tool call with its notices and progress sent to the client, and its argument
    errors worded for the agent."""
    fastmcp_context = context.fastmcp_context
    try:
        async with ClientNotices(fastmcp_context), Heartbeat(fastmcp_context, record):
            return await call_next(context)
    except ValidationError as exc:
        error = await rewritten(context, exc)
        if error is None:
            raise
        raise error from exc


async def _run_component(context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
    """A prompt or a resource read. A resource that does not exist, a URI no resource
    matches (FastMCP's NotFoundError) or one naming what is not there (ResourceNotFound,
    with the resource's own message of what to read instead), is answered with the code
    the client's protocol revision gives "resource not found", the URI in `data`."""
    try:
        return await call_next(context)
    except (ResourceNotFound, NotFoundError, DisabledError) as exc:
        if context.method != "resources/read":
            raise
        uri = str(context.message.uri)
        detail = f": {exc}" if isinstance(exc, ResourceNotFound) else ""
        raise MCPError(
            code=_not_found_code(context),
            message=f"Resource not found: {uri!r}{detail}",
            data={"uri": uri},
        ) from exc


def _not_found_code(context: MiddlewareContext[Any]) -> int:
    """-32002 up to protocol 2025-11-25 (its "Resources", error handling); from
    2026-07-28 invalid params (SEP-2164, which keeps -32002 for clients to accept)."""
    fastmcp_context = context.fastmcp_context
    request = fastmcp_context.request_context if fastmcp_context is not None else None
    if request is not None and request.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        return RESOURCE_NOT_FOUND_BEFORE_2026
    return INVALID_PARAMS


class CallTimedOut(FastMCPError):
    """A call ran past `[server.limits] call_timeout_s` and was cancelled."""


def _timed_out(
    kind: Audited, name: str, plugin: str, limit: float, record: CallRecord
) -> CallTimedOut:
    committed = " (a write of it had committed)" if record.committed else ""
    log.warning(
        "%s %r of plugin %r did not finish within %g s ([server.limits] call_timeout_s):"
        " cancelled%s",
        kind,
        name,
        plugin,
        limit,
        committed,
    )
    return CallTimedOut(
        f"the {kind} did not finish within {limit:g} s, the limit set by [server.limits]"
        f" call_timeout_s, and was cancelled{committed}; retry with less to do, or ask"
        " the operator for a longer limit",
        log_level=logging.WARNING,
    )


class CallStopped(FastMCPError):
    """The server shut down while the call ran: `ToolCallMiddleware.cut` cancelled it."""


def _stopped(kind: Audited, when: str, writes: bool, record: CallRecord) -> CallStopped:
    retry = "retry it once the server is back (behind a load balancer, another replica answers)"
    if record.committed:
        effect = (
            "a write of it had committed before it was cut: check what it changed before"
            " you repeat it"
        )
    elif writes:
        effect = f"nothing it wrote was committed (it was rolled back); {retry}"
    else:
        effect = retry
    return CallStopped(
        f"the server is shutting down: the {kind} had not finished when {when}, and was"
        f" cancelled; {effect}",
        log_level=logging.WARNING,
    )


def _busy(limits: LimitState) -> RateLimitError:
    metrics.LIMITED_REQUESTS.labels("concurrency").inc()
    return RateLimitError(
        f"server busy: {limits.limits.max_concurrent_calls} call(s) already running (tool"
        " calls, prompts and resource reads), the limit set by [server.limits]"
        " max_concurrent_calls; retry in a few seconds"
    )


def _client_busy(limits: LimitState) -> RateLimitError:
    metrics.LIMITED_REQUESTS.labels("concurrency").inc()
    return RateLimitError(
        f"this client already runs {limits.limits.max_concurrent_calls_per_client} call(s) at"
        " once (tool calls, prompts and resource reads), the most [server.limits]"
        " max_concurrent_calls_per_client lets one client run so that the others keep"
        " connections to the database, and none of them finished within queue_timeout_s;"
        " retry once one has finished"
    )


# Besides tools/call, the requests that may query a database: each takes a slot and gets
# an audit line.
SLOTTED = frozenset({"prompts/get", "resources/read"})


# "Resource not found" in MCP 2025-11-25 and before (retired by 2026-07-28).
RESOURCE_NOT_FOUND_BEFORE_2026 = -32002
# What a tool, prompt or resource a client asked for and no plugin provides is called.
UNKNOWN = "(unknown)"
RECENT_CALLS = 200
MAX_AUDITED_NAME = 128


# Labelled metric children, looked up once per label set instead of on every call.
@functools.lru_cache(maxsize=256)
def _calls(tool: str, plugin: str, outcome: str) -> Counter:
    return metrics.TOOL_CALLS.labels(tool, plugin, outcome)


@functools.lru_cache(maxsize=256)
def _latency(tool: str, plugin: str) -> Histogram:
    return metrics.TOOL_LATENCY.labels(tool, plugin)


@functools.lru_cache(maxsize=256)
def _requests(kind: str, name: str, plugin: str, outcome: str) -> Counter:
    return metrics.COMPONENT_REQUESTS.labels(kind, name, plugin, outcome)


@functools.lru_cache(maxsize=256)
def _component_latency(kind: str, name: str, plugin: str) -> Histogram:
    return metrics.COMPONENT_LATENCY.labels(kind, name, plugin)


@functools.lru_cache(maxsize=256)
def _errors(kind: str, source: str, error_kind: str) -> Counter:
    return metrics.CALL_ERRORS.labels(kind, source, error_kind)


def _classify(exc: BaseException) -> tuple[str, int | None, ErrorKind]:
    """Outcome label, SQL Server error number and error kind of a failed call. The chain
    of causes is walked: a tool wraps a database error in a ToolError."""
    if isinstance(exc, RateLimitError):
        return "limited", None, "limited"
    if isinstance(exc, CallTimedOut):
        return "error", None, "timeout"
    # Failing the causes below, the outermost FastMCP error decides: raised on purpose
    # (injection.py logs those below ERROR), the tool's own; else FastMCP's mask over an
    # unexpected exception, which it logged as an error with its traceback: a bug.
    kind: ErrorKind | None = None
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (QueryRefused, WorkRefused)):
            return "refused", None, "refused"
        if isinstance(cause, DatabaseError):
            return "error", cause.number, _database_kind(cause)
        if isinstance(cause, ValidationError):
            return "error", None, "invalid_arguments"
        if isinstance(cause, (NotFoundError, ResourceNotFound)):
            return "error", None, "not_found"
        if kind is None and isinstance(cause, FastMCPError):
            kind = "internal" if cause.log_level >= logging.ERROR else "tool"
        cause = cause.__cause__
    return "error", None, kind or "internal"


def _database_kind(exc: DatabaseError) -> ErrorKind:
    if isinstance(exc, (DatabaseUnavailable, AuthError)):  # no connection could be had
        return "unavailable"
    if isinstance(exc, QueryTimeout):
        return "timeout"
    if isinstance(exc, SourceBusy):
        return "busy"
    if isinstance(exc, WriteOutcomeUnknown):  # committed or not: someone must look
        return "outcome_unknown"
    return "database"
