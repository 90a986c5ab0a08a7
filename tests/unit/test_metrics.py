"""/metrics as Prometheus reads it: prometheus-client's own parser, the naming rules
`promtool check metrics` applies, and label values a client or a database cannot grow."""

from __future__ import annotations

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from azsql_mcp import metrics


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
    assert "+Inf" in bounds and "30.0" in bounds


def test_user_error_numbers_share_one_label() -> None:
    """THROW and RAISERROR raise any number from 50000 up, as a procedure chooses."""
    for number in (50000, 50001, 61234, 2147483647, 208, None):
        metrics.count_db_error("numbers", number)
    assert db_errors("numbers") == {"user": 4.0, "208": 1.0, "0": 1.0}
