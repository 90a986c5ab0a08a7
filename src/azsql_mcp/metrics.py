"""Prometheus metrics, one registry for the whole process, all named `azsql_mcp_*`.

They are created on first use, through the module's `__getattr__`: prometheus_client
and the thirty modules it loads are not needed before `initialize` is answered.

With worker processes (`[server] workers`), the parent points PROMETHEUS_MULTIPROC_DIR
at a fresh folder before any worker imports prometheus_client: each worker then keeps
its values in files there, and /metrics sums them across the workers
(prometheus-client's multiprocess mode). In one process nothing of that happens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    REGISTRY: CollectorRegistry
    TOOL_CALLS: Counter
    TOOL_LATENCY: Histogram
    COMPONENT_REQUESTS: Counter
    COMPONENT_LATENCY: Histogram
    CALL_ERRORS: Counter
    POOL_CONNECTIONS: Gauge
    POOL_MAX: Gauge
    CREDENTIAL_FAILURES: Counter
    DRIVER_PROCESS_EXITS: Counter
    DB_ERRORS: Counter
    DB_RETRIES: Counter
    AUTH_FAILURES: Counter
    LIMITED_REQUESTS: Counter
    CONFIG_RELOADS: Counter
    CONFIG_RELOAD_OK: Gauge
    CONFIG_RELOADED_AT: Gauge
    SOURCE_UP: Gauge
    AUDIT_WRITE_FAILURES: Counter
    EVENT_LOOP_STALLS: Counter

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Up to [server.limits] call_timeout_s's default (600 s): a call that ran into the query
# timeout (30 s by default) or past it still falls in a bucket of its own size.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
_creating = threading.Lock()
_at_creation: list[Callable[[], None]] = []


def __getattr__(name: str) -> Any:
    """A metric (or the registry), every metric created at the first such lookup."""
    if not name.startswith("__"):
        _ensure()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _ensure() -> None:
    with _creating:
        if "REGISTRY" not in globals():
            globals().update(_create())
            for set_values in _at_creation:
                set_values()
            _at_creation.clear()


def when_created(set_values: Callable[[], None]) -> None:
    """Call `set_values` (which sets metrics) now if the metrics exist, else once they
    are created: a value known at start, such as the config's, need not create them
    before `initialize` is answered."""
    with _creating:
        if "REGISTRY" not in globals():
            _at_creation.append(set_values)
            return
    set_values()


def _create() -> dict[str, Any]:
    from prometheus_client import (
        CollectorRegistry,
        Counter,
        Gauge,
        Histogram,
        disable_created_metrics,
    )

    # No `*_created` gauge beside each counter and histogram: they doubled the series of
    # one process, and with workers (multiprocess mode) there are none.
    disable_created_metrics()
    registry = CollectorRegistry(auto_describe=True)
    return {
        "REGISTRY": registry,
        "TOOL_CALLS": Counter(
            "azsql_mcp_tool_calls",
            "Tool calls by tool, plugin and outcome (ok, error, refused, limited, cancelled,"
            " committed: cancelled while its write committed).",
            ["tool", "plugin", "outcome"],
            registry=registry,
        ),
        "TOOL_LATENCY": Histogram(
            "azsql_mcp_tool_latency_seconds",
            "Tool call latency.",
            ["tool", "plugin"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        "COMPONENT_REQUESTS": Counter(
            "azsql_mcp_prompt_resource_requests",
            "Prompt gets and resource reads by kind (prompt, resource), name (a resource's"
            " registered URI or URI template), plugin and outcome.",
            ["kind", "name", "plugin", "outcome"],
            registry=registry,
        ),
        "COMPONENT_LATENCY": Histogram(
            "azsql_mcp_prompt_resource_latency_seconds",
            "Prompt get and resource read latency.",
            ["kind", "name", "plugin"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        "CALL_ERRORS": Counter(
            "azsql_mcp_call_errors",
            "Tool calls, prompt gets and resource reads that did not succeed, by kind (tool,"
            ' prompt, resource), source ("" when none was chosen) and error_kind as in the'
            " audit log (unavailable, timeout, busy, outcome_unknown, database, refused,"
            " limited, invalid_arguments, not_found, tool, internal).",
            ["kind", "source", "error_kind"],
            registry=registry,
        ),
        "POOL_CONNECTIONS": Gauge(
            "azsql_mcp_pool_connections",
            "Pooled database connections per source and state (in_use, idle).",
            ["source", "state"],
            registry=registry,
            multiprocess_mode="livesum",  # with workers: the sum over the running ones
        ),
        "POOL_MAX": Gauge(
            "azsql_mcp_pool_max_connections",
            "The most connections the source's pools may hold (pool_size, per worker).",
            ["source"],
            registry=registry,
            multiprocess_mode="livesum",  # with workers: as azsql_mcp_pool_connections
        ),
        "CREDENTIAL_FAILURES": Counter(
            "azsql_mcp_credential_failures",
            "Logins the source's auth could give no credentials for (a token request that"
            " failed or did not answer within connection_timeout_s, a password not found).",
            ["source"],
            registry=registry,
        ),
        "DRIVER_PROCESS_EXITS": Counter(
            "azsql_mcp_driver_process_exits",
            "Driver processes (pyodbc and the ODBC driver) that exited while in use, such as"
            " a native driver's crash: their connections were lost and a new one started.",
            registry=registry,
        ),
        "SOURCE_UP": Gauge(
            "azsql_mcp_source_up",
            "1 while the source is ready (as /health says), 0 while it is starting, down or"
            " failing its health probe.",
            ["source"],
            registry=registry,
            # with workers: 0 when any running worker finds the source not ready, as its
            # /health says (one series per source, as in one process)
            multiprocess_mode="livemin",
        ),
        "DB_ERRORS": Counter(
            "azsql_mcp_db_errors",
            "Database errors by source and SQL Server error number (0 when none; user"
            " for the errors of 50000 and above that THROW and RAISERROR raise).",
            ["source", "number"],
            registry=registry,
        ),
        "DB_RETRIES": Counter(
            "azsql_mcp_db_retries",
            "Retries of idempotent reads after transient faults.",
            ["source"],
            registry=registry,
        ),
        "AUTH_FAILURES": Counter(
            "azsql_mcp_auth_failures",
            "HTTP requests refused for authentication on /mcp, the console and /health"
            " (reason: missing_token, invalid_token, token_in_query).",
            ["reason"],
            registry=registry,
        ),
        "LIMITED_REQUESTS": Counter(
            "azsql_mcp_limited_requests",
            "Requests refused by a limit (limit: rate, concurrency, body, listen, sessions).",
            ["limit"],
            registry=registry,
        ),
        "CONFIG_RELOADS": Counter(
            "azsql_mcp_config_reloads",
            "Config reloads by outcome (applied, unchanged, invalid, error).",
            ["outcome"],
            registry=registry,
        ),
        "CONFIG_RELOAD_OK": Gauge(
            "azsql_mcp_config_last_reload_successful",
            "1 when the last config reload applied the file or found nothing to change (and"
            " at start), 0 when it was refused (invalid, the file gone) or failed.",
            registry=registry,
            # with workers: 0 when any running worker's last reload failed
            multiprocess_mode="livemin",
        ),
        "CONFIG_RELOADED_AT": Gauge(
            "azsql_mcp_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful config reload, or of the start.",
            registry=registry,
            # with workers: the oldest running configuration
            multiprocess_mode="livemin",
        ),
        "AUDIT_WRITE_FAILURES": Counter(
            "azsql_mcp_audit_write_failures",
            "Audit lines that could not be written (disk full, file gone): each a call"
            " the audit log does not show.",
            registry=registry,
        ),
        "EVENT_LOOP_STALLS": Counter(
            "azsql_mcp_event_loop_stalls",
            "Times the event loop ran nothing for over a second (a blocking call in async"
            " code; serving/loopwatch.py), by the plugin whose tool, resource or prompt"
            ' was running ("" when none was).',
            ["plugin"],
            registry=registry,
        ),
    }


# A SQL Server error number from 50000 up is an application's own (THROW, RAISERROR):
# any int a procedure chooses, so they share one label value and the series stay bounded.
FIRST_USER_ERROR = 50000


def count_db_error(source: str, number: int | None) -> None:
    """One database error of `source` (number None or 0: none, as for a lost connection)."""
    label = "user" if number is not None and number >= FIRST_USER_ERROR else str(number or 0)
    _ensure()
    globals()["DB_ERRORS"].labels(source, label).inc()


# What the rules in deploy/prometheus-rules.yml alert on at the first occurrence.
ALERTED_ERROR_KINDS = ("unavailable", "timeout", "busy", "outcome_unknown")


def start_source_series(source: str) -> None:
    """The source's rare-event counters, at 0 from the start: `increase()` misses the
    first event of a series that appears with it (the rule would not fire)."""
    _ensure()
    globals()["CREDENTIAL_FAILURES"].labels(source)
    for error_kind in ALERTED_ERROR_KINDS:
        globals()["CALL_ERRORS"].labels("tool", source, error_kind)


_worker_exits: Counter | None = None  # the parent's (worker_exits)


def worker_exits() -> Counter:
    """The count of worker processes that exited or were killed as hung (the parent
    replaces them), created at 0 when the parent starts supervising, so `increase()` sees
    the first. The parent serves no /metrics: its counter is written to the multiprocess
    folder, as the module's metrics would write gauges the parent never sets."""
    global _worker_exits
    if _worker_exits is None:
        from prometheus_client import Counter

        _worker_exits = Counter(
            "azsql_mcp_worker_exits",
            "Worker processes ([server] workers) that exited or were killed as hung while"
            " the server ran; each one is replaced.",
            registry=None,
        )
    return _worker_exits


def exposition(across_workers: bool) -> bytes:
    """The /metrics body: this process's metrics, or, in a worker process, every
    worker's, read from the multiprocess folder."""
    from prometheus_client import CollectorRegistry, generate_latest

    if not across_workers:
        _ensure()
        return generate_latest(globals()["REGISTRY"])
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # reads the folder when collected
    return generate_latest(registry)
