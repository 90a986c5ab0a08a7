"""/metrics as Prometheus reads it: prometheus-client's own parser, the naming rules
`promtool check metrics` applies, and label values a client or a database cannot grow."""

from __future__ import annotations

import asyncio
import re
import types
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from fastmcp import Client
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from azsql_mcp import (
    AuthError,
    ConnectAttributes,
    SourceBusy,
    SourceSettings,
    ToolContext,
    hookimpl,
    metrics,
)
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.settingtables import ServerLimits
from azsql_mcp.db.credentials import CredentialsFailed, obtain_attributes
from azsql_mcp.db.pool import ConnectionPool
from azsql_mcp.serving.auditlog import ErrorKind

UNREACHABLE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}


def families() -> dict[str, Metric]:
    text = metrics.exposition(across_workers=False).decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def db_errors(source: str) -> dict[str, float]:
    family = families()["azsql_mcp_db_errors"]
    return {
        sample.labels["number"]: sample.value
        for sample in family.samples
        if sample.labels["source"] == source
    }


def test_the_exposition_parses_and_follows_the_naming_rules() -> None:
    metrics.TOOL_LATENCY.labels("t", "p").observe(0.2)
    metrics.TOOL_CALLS.labels("t", "p", "ok").inc()
    found = families()
    assert found, "no metric exposed"
    for name, family in found.items():
        kind, samples = family.type, family.samples
        assert name.startswith("azsql_mcp_"), name
        assert family.documentation.strip(), f"{name} has no HELP"
        for sample in samples:
            assert not sample.name.endswith("_created"), sample.name
            if kind == "counter":
                assert sample.name == name + "_total", sample.name
        if kind == "histogram":
            assert name.endswith("_seconds"), name
    latency = found["azsql_mcp_tool_latency_seconds"]
    bounds = {s.labels["le"] for s in latency.samples if s.name.endswith("_bucket")}
    # a call as long as call_timeout_s allows by default still has a finite bucket
    finite = [float(b) for b in bounds if b != "+Inf"]
    assert "+Inf" in bounds and max(finite) >= ServerLimits().call_timeout_s


def test_user_error_numbers_share_one_label() -> None:
    """THROW and RAISERROR raise any number from 50000 up, as a procedure chooses."""
    for number in (50000, 50001, 61234, 2147483647, 208, None):
        metrics.count_db_error("numbers", number)
    assert db_errors("numbers") == {"user": 4.0, "208": 1.0, "0": 1.0}


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_failed_calls_are_counted_by_source_and_error_kind() -> None:
    """What an operator alerts on (busy, unavailable, ...) without reading the audit log."""

    async def crowded(ctx: ToolContext) -> str:
        """Find every connection in use."""
        raise SourceBusy("source 'main' is busy; retry in 5 s")

    module = types.ModuleType("inline_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(crowded)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    config = {"plugins": {"enabled": ["builtin_auth"]}, "sources": {"main": UNREACHABLE}}
    app = build_app(settings_from_mapping(config), extra_plugins={"inline": module})
    busy = {"kind": "tool", "source": "main", "error_kind": "busy"}
    unknown = {"kind": "tool", "source": "", "error_kind": "not_found"}
    before = [sample("azsql_mcp_call_errors_total", **labels) for labels in (busy, unknown)]
    async with Client(app.mcp) as client:
        await client.call_tool("crowded", {}, raise_on_error=False)
        await client.call_tool("made_up", {}, raise_on_error=False)
    after = [sample("azsql_mcp_call_errors_total", **labels) for labels in (busy, unknown)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]


def test_a_pool_says_how_many_connections_it_may_hold() -> None:
    async def never() -> Any:
        raise AssertionError("not opened")

    ConnectionPool("sized", never, size=7, acquire_timeout_s=1)
    assert sample("azsql_mcp_pool_max_connections", source="sized") == 7


async def test_credentials_that_cannot_be_had_are_counted() -> None:
    class NoToken:
        async def connect_attributes(self) -> ConnectAttributes:
            raise AuthError("the token endpoint refused")

    settings = SourceSettings.model_validate(UNREACHABLE)
    before = sample("azsql_mcp_credential_failures_total", source="tokenless")
    with pytest.raises(CredentialsFailed):
        await obtain_attributes(NoToken(), settings, "tokenless")
    assert sample("azsql_mcp_credential_failures_total", source="tokenless") == before + 1


async def test_a_sources_alerted_counters_start_at_zero() -> None:
    """So that `increase()` in an alerting rule sees their first event."""
    config = {"plugins": {"enabled": ["builtin_auth"]}, "sources": {"zeroed": UNREACHABLE}}
    app = build_app(settings_from_mapping(config))
    async with app.running(), asyncio.timeout(10):
        while app.readiness()["zeroed"]["reason"] == "starting":
            await asyncio.sleep(0.01)
    failures = {"source": "zeroed"}
    assert metrics.REGISTRY.get_sample_value("azsql_mcp_credential_failures_total", failures) == 0
    assert (
        metrics.REGISTRY.get_sample_value(
            "azsql_mcp_call_errors_total",
            {"kind": "tool", "source": "zeroed", "error_kind": "busy"},
        )
        == 0
    )


RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus-rules.yml"


def test_the_shipped_alerting_rules_name_only_metrics_the_server_exposes() -> None:
    """`promtool check rules` checks the syntax; this checks the names against /metrics."""
    exposed = exposed_names()
    rules = [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]
    assert rules
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        named = set(re.findall(r"\bazsql_mcp_\w+", rule["expr"]))
        assert named and named <= exposed, f"{rule['alert']}: {named - exposed}"
        kinds = set(re.findall(r'error_kind="(\w+)"', rule["expr"]))
        assert kinds <= set(get_args(ErrorKind)), rule["alert"]


def exposed_names() -> set[str]:
    """Every series name /metrics can show, the parent's worker count included."""
    exposed = {"azsql_mcp_worker_exits_total"}  # the parent's, with workers (e2e tests)
    for name, family in families().items():
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count", ""]}
        exposed |= {name + suffix for suffix in suffixes.get(family.type, [""])}
    return exposed


DOCS = RULES.parents[1] / "docs"
# A metric in prose: a name with a counter's or a unit's suffix, or labels or a range after it
# (`azsql_mcp_reader`, a database user, is none).
METRIC = re.compile(r"\bazsql_mcp_\w+?(?:_total|_seconds)\b|\bazsql_mcp_\w+(?=[{\[])")


def test_every_metric_is_listed_in_operations_md() -> None:
    listed = set(re.findall(r"\bazsql_mcp_\w+", (DOCS / "operations.md").read_text()))
    series = {
        name + ("_total" if family.type == "counter" else "") for name, family in families().items()
    }
    assert series - listed == set(), "exposed at /metrics, missing from docs/operations.md"


def test_the_docs_name_only_metrics_the_server_exposes() -> None:
    pages = [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]
    named = {(page.name, m) for page in pages for m in METRIC.findall(page.read_text())}
    assert len(named) > 20
    unknown = sorted(pair for pair in named if pair[1] not in exposed_names())
    assert not unknown, f"metrics named in the docs that /metrics does not have: {unknown}"
