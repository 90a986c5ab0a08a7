"""Prometheus metrics, one registry for the whole process, all named `azsql_mcp_*`.

With worker processes (`[server] workers`), the parent points PROMETHEUS_MULTIPROC_DIR
at a fresh folder before any worker imports prometheus_client: each worker then keeps
its values in files there, and /metrics sums them across the workers
(prometheus-client's multiprocess mode). In one process nothing of that happens.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)
MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

TOOL_CALLS = Counter(
    "azsql_mcp_tool_calls",
    "Tool calls by tool, plugin and outcome (ok, error, refused, limited, cancelled).",
    ["tool", "plugin", "outcome"],
    registry=REGISTRY,
)
TOOL_LATENCY = Histogram(
    "azsql_mcp_tool_latency_seconds",
    "Tool call latency.",
    ["tool", "plugin"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
POOL_CONNECTIONS = Gauge(
    "azsql_mcp_pool_connections",
    "Pooled database connections per source and state (in_use, idle).",
    ["source", "state"],
    registry=REGISTRY,
    multiprocess_mode="livesum",  # with workers: the sum over the running ones
)
DB_ERRORS = Counter(
    "azsql_mcp_db_errors",
    "Database errors by source and SQL Server error number (0 when none).",
    ["source", "number"],
    registry=REGISTRY,
)
DB_RETRIES = Counter(
    "azsql_mcp_db_retries",
    "Retries of idempotent reads after transient faults.",
    ["source"],
    registry=REGISTRY,
)
AUTH_FAILURES = Counter(
    "azsql_mcp_auth_failures",
    "HTTP requests refused for authentication"
    " (reason: missing_token, invalid_token, token_in_query).",
    ["reason"],
    registry=REGISTRY,
)
LIMITED_REQUESTS = Counter(
    "azsql_mcp_limited_requests",
    "Requests refused by a limit (limit: rate, concurrency, body).",
    ["limit"],
    registry=REGISTRY,
)
CONFIG_RELOADS = Counter(
    "azsql_mcp_config_reloads",
    "Config reloads by outcome (applied, unchanged, invalid).",
    ["outcome"],
    registry=REGISTRY,
)


def exposition(across_workers: bool) -> bytes:
    """The /metrics body: this process's metrics, or, in a worker process, every
    worker's, read from the multiprocess folder."""
    if not across_workers:
        return generate_latest(REGISTRY)
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # reads the folder when collected
    return generate_latest(registry)
