"""Server assembly: ToolContext injection, the `source` argument, write tools, errors,
metrics and audit. No database is reached: the tools here do not query."""

from __future__ import annotations

import asyncio
import json
import logging
import types
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import QueryRefused, ToolContext, hookimpl
from azsql_mcp.api import DatabaseError
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.metrics import REGISTRY
from azsql_mcp.serving.http import host_protection
from azsql_mcp.serving.routes import health_report

UNREACHABLE = {"server": "127.0.0.1,1", "auth": "sql", "username": "u", "password": "p"}


async def where(note: str, ctx: ToolContext) -> dict[str, Any]:
    """Say which source was chosen."""
    return {
        "note": note,
        "source": ctx.source,
        "sources": ctx.sources,
        "client": ctx.client.subject,
    }


async def change(ctx: ToolContext) -> str:
    """Pretend to write."""
    return f"changed {ctx.source}"


async def refuse() -> str:
    raise QueryRefused("EXEC is not allowed.", "one SELECT")


async def fail_in_database() -> str:
    raise DatabaseError("Invalid object name 'nope'.", 208)


async def crash() -> str:
    raise RuntimeError("secret internals")


async def offered(ctx: ToolContext) -> dict[str, bool]:
    """Which of these tools this caller may call."""
    return {name: await ctx.may_call(name) for name in ("where", "change", "crash", "nope")}


async def status(ctx: ToolContext) -> str:
    return f"status of {ctx.source}"


async def ask(topic: str, ctx: ToolContext) -> str:
    return f"about {topic} on {ctx.source}"


def plugin() -> types.ModuleType:
    module = types.ModuleType("inline_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(where, annotations={"readOnlyHint": True})
        register(change, writes=True)
        register(refuse)
        register(fail_in_database)
        register(crash)
        register(offered)

    @hookimpl
    def register_resources(register: Any, config: Any) -> None:
        register(status, "demo://status")

    @hookimpl
    def register_prompts(register: Any, config: Any) -> None:
        register(ask)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    module.register_resources = register_resources  # type: ignore[attr-defined]
    module.register_prompts = register_prompts  # type: ignore[attr-defined]
    return module


def build(**config: Any) -> Any:
    config.setdefault("plugins", {}).setdefault("enabled", ["builtin_auth"])
    return build_app(settings_from_mapping(config), extra_plugins={"inline": plugin()})


async def test_single_source_adds_no_argument() -> None:
    app = build(sources={"only": UNREACHABLE})
    async with Client(app.mcp) as client:
        tool = next(t for t in await client.list_tools() if t.name == "where")
        result = await client.call_tool("where", {"note": "n"})
    assert set(tool.input_schema["properties"]) == {"note"}
    assert result.structured_content == {
        "note": "n",
        "source": "only",
        "sources": ["only"],
        "client": "local",
    }


async def test_several_sources_add_a_source_argument() -> None:
    app = build(
        sources={"prod": UNREACHABLE, "staging": UNREACHABLE},
        server={"default_source": "staging"},
    )
    async with Client(app.mcp) as client:
        tools = {t.name: t for t in await client.list_tools()}
        default = await client.call_tool("where", {"note": "n"})
        chosen = await client.call_tool("where", {"note": "n", "source": "prod"})
        wrong = await client.call_tool(
            "where", {"note": "n", "source": "dev"}, raise_on_error=False
        )
        prompt = await client.get_prompt("ask", {"topic": "x", "source": "prod"})
    schema = tools["where"].input_schema["properties"]["source"]  # as Literal's, exactly
    assert schema == {"default": "staging", "enum": ["prod", "staging"], "type": "string"}
    assert "source" not in tools["refuse"].input_schema.get("properties", {})
    assert default.structured_content["source"] == "staging"
    assert chosen.structured_content["source"] == "prod"
    assert wrong.is_error
    assert wrong.content[0].text == (  # type: ignore[union-attr]
        "Invalid arguments for where: source 'dev' is not a configured source"
        " (configured: prod, staging). It takes note (required), source."
    )
    assert prompt.messages[0].content.text == "about x on prod"


async def test_write_tools_hidden_while_every_source_is_read_only() -> None:
    app = build(sources={"prod": UNREACHABLE})
    async with Client(app.mcp) as client:
        names = {t.name for t in await client.list_tools()}
    assert "change" not in names and "where" in names


async def test_may_call_says_what_tools_list_offers() -> None:
    # a write tool hidden (every source read-only), one switched off, one never registered
    app = build(sources={"prod": UNREACHABLE}, plugins={"inline": {"disabled_tools": ["crash"]}})
    async with Client(app.mcp) as client:
        names = {t.name for t in await client.list_tools()}
        result = await client.call_tool("offered", {})
    assert result.structured_content == {
        name: name in names for name in ("where", "change", "crash", "nope")
    }
    assert result.structured_content["where"] and not result.structured_content["crash"]


async def test_write_tool_refused_on_a_read_only_source(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    app = build(
        sources={
            "prod": UNREACHABLE,
            "staging": {**UNREACHABLE, "security": {"read_only": False}},
        },
        audit={"path": str(audit)},
    )
    async with Client(app.mcp) as client:
        assert "change" in {t.name for t in await client.list_tools()}
        ok = await client.call_tool("change", {"source": "staging"})
        refused = await client.call_tool("change", {"source": "prod"}, raise_on_error=False)
    assert ok.structured_content == {"result": "changed staging"}
    assert refused.is_error
    assert "source 'prod' is read-only" in refused.content[0].text
    assert "read_only = false in [sources.prod.security]" in refused.content[0].text
    # the audit line names the source refused, and says it was a refusal
    line = json.loads(audit.read_text().splitlines()[-1])
    assert (line["source"], line["outcome"], line["error_kind"]) == ("prod", "refused", "refused")


async def test_errors_reach_the_client_clearly_and_internals_do_not() -> None:
    app = build()
    async with Client(app.mcp) as client:
        refused = await client.call_tool("refuse", {}, raise_on_error=False)
        failed = await client.call_tool("fail_in_database", {}, raise_on_error=False)
        crashed = await client.call_tool("crash", {}, raise_on_error=False)
    assert refused.content[0].text == "EXEC is not allowed. Allowed here: one SELECT"
    assert failed.content[0].text == "Invalid object name 'nope'. (SQL Server error 208)"
    assert crashed.is_error and "secret internals" not in crashed.content[0].text


async def test_resources_get_the_context_too() -> None:
    app = build(sources={"prod": UNREACHABLE})
    async with Client(app.mcp) as client:
        contents = await client.read_resource("demo://status")
    assert contents[0].text == "status of prod"


def sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_and_one_audit_line_per_call(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    app = build(audit={"path": str(audit)})
    ok_labels = {"tool": "where", "plugin": "inline", "outcome": "ok"}
    refused_labels = {"tool": "refuse", "plugin": "inline", "outcome": "refused"}
    before_ok = sample("azsql_mcp_tool_calls_total", ok_labels)
    before_refused = sample("azsql_mcp_tool_calls_total", refused_labels)
    async with Client(app.mcp) as client:
        await client.call_tool("where", {"note": "do-not-log-me"})
        await client.call_tool("refuse", {}, raise_on_error=False)
        await client.call_tool("fail_in_database", {}, raise_on_error=False)
    assert sample("azsql_mcp_tool_calls_total", ok_labels) == before_ok + 1
    assert sample("azsql_mcp_tool_calls_total", refused_labels) == before_refused + 1
    latency = {"tool": "where", "plugin": "inline"}
    assert sample("azsql_mcp_tool_latency_seconds_count", latency) >= 1
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(e["tool"], e["outcome"]) for e in lines] == [
        ("where", "ok"),
        ("refuse", "refused"),
        ("fail_in_database", "error"),
    ]
    assert lines[2]["error_number"] == 208
    assert {"time", "client", "plugin", "source", "fingerprint", "rows", "duration_ms"} <= set(
        lines[0]
    )
    assert "do-not-log-me" not in audit.read_text()


async def test_with_audit_off_no_call_writes_its_line_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the console's activity page keeps the last lines as they are; JSON text on every
    # call, parsed back by the page, was work for an audit log that is not there
    from azsql_mcp.serving import auditlog

    def no_text(entry: Any, **options: Any) -> str:
        raise AssertionError("an audit line written as JSON with audit off")

    monkeypatch.setattr(auditlog, "json", types.SimpleNamespace(dumps=no_text))
    app = build(audit={"enabled": False})
    async with Client(app.mcp) as client:
        await client.call_tool("where", {"note": "n"})
    assert app.tool_calls.recent[-1]["tool"] == "where"


async def test_prompts_and_resource_reads_are_counted_and_timed() -> None:
    app = build(sources={"prod": UNREACHABLE})
    read = {"kind": "resource", "name": "demo://status", "plugin": "inline", "outcome": "ok"}
    got = {"kind": "prompt", "name": "ask", "plugin": "inline", "outcome": "ok"}
    unknown = {"kind": "resource", "name": "(unknown)", "plugin": "", "outcome": "error"}
    counted = "azsql_mcp_prompt_resource_requests_total"
    before = [sample(counted, labels) for labels in (read, got, unknown)]
    async with Client(app.mcp) as client:
        await client.read_resource("demo://status")
        await client.get_prompt("ask", {"topic": "x", "source": "prod"})
        with pytest.raises(Exception, match="demo://made-up"):
            await client.read_resource("demo://made-up")
    after = [sample(counted, labels) for labels in (read, got, unknown)]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    timed = {"kind": "resource", "name": "demo://status", "plugin": "inline"}
    assert sample("azsql_mcp_prompt_resource_latency_seconds_count", timed) >= 1


async def test_made_up_tool_names_share_one_metric_label(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    app = build(audit={"path": str(audit)})
    unknown = {"tool": "(unknown)", "plugin": "", "outcome": "error"}
    before = sample("azsql_mcp_tool_calls_total", unknown)
    async with Client(app.mcp) as client:
        for n in range(3):
            await client.call_tool(f"made-up-{n}", {}, raise_on_error=False)
    assert sample("azsql_mcp_tool_calls_total", unknown) == before + 3
    labelled = {
        s.labels["tool"] for m in REGISTRY.collect() for s in m.samples if "tool" in s.labels
    }
    assert not any(name.startswith("made-up-") for name in labelled)
    audited = [json.loads(line)["tool"] for line in audit.read_text().splitlines()]
    assert audited == ["made-up-0", "made-up-1", "made-up-2"]


def test_health_is_503_until_sources_are_ready() -> None:
    app = build(sources={"prod": UNREACHABLE})
    body, status = health_report(app, details=True)
    assert status == 503
    assert body["status"] == "not_ready"
    assert body["sources"]["prod"] == {
        "ready": False,
        "reason": "starting",
        "latency_ms": None,
        "required": True,
    }
    assert body["plugins"]["loaded"] == 2
    assert {"version", "uptime_s"} <= set(body)
    assert health_report(build(), details=True)[1] == 503  # no source: not ok (issue 20)


def test_health_is_503_while_no_source_is_ready_even_if_none_is_required() -> None:
    optional = UNREACHABLE | {"required": False}
    body, status = health_report(build(sources={"a": optional, "b": optional}), details=True)
    assert (status, body["status"]) == (503, "not_ready")
    assert body["sources"]["a"]["required"] is False


def test_the_console_says_which_sources_health_does_not_need() -> None:
    from azsql_mcp.serving.console.pages import overview

    page = overview(build(sources={"a": UNREACHABLE, "b": UNREACHABLE | {"required": False}}))
    assert page.count(">not ready<") == 1
    assert page.count(">not ready (optional for /health)<") == 1


@pytest.mark.parametrize(
    ("host", "allowed", "expected"),
    [
        ("127.0.0.1", [], (True, ["127.0.0.1", "localhost", "::1"])),
        ("::1", ["mcp.local"], (True, ["127.0.0.1", "localhost", "::1", "mcp.local"])),
        ("0.0.0.0", ["mcp.example.com"], (True, ["mcp.example.com"])),
        ("0.0.0.0", [], ("auto", [])),
    ],
)
def test_host_protection_is_explicit(host: str, allowed: list[str], expected: Any) -> None:
    assert host_protection(host, allowed) == expected


def test_without_allowed_hosts_beyond_loopback_a_dns_name_gets_421(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What the warning says: Host is still checked, so a client that reaches the server
    by a DNS name is refused until that name is listed."""
    from starlette.testclient import TestClient

    from azsql_mcp.serving.http import http_app

    def get(**server: Any) -> int:
        settings = settings_from_mapping(
            {"server": {"transport": "http", "host": "0.0.0.0", **server}}
        )
        web = TestClient(http_app(build_app(settings)), base_url="http://10.0.0.5:8000")
        return web.get("/health/live", headers={"Host": "mcp.example.com"}).status_code

    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.http"):
        assert get() == 421
    assert "gets 421" in caplog.text and "allowed_hosts" in caplog.text
    assert get(allowed_hosts=["mcp.example.com"]) == 200


def test_building_the_server_imports_nothing_heavy() -> None:
    """`initialize` must not wait for drivers, Azure SDKs, sqlglot or the test server, nor
    for what only later calls need: the SQL guard, prometheus_client (metrics are created
    on first use), griffe (FastMCP's docstring parser), joserfc's claim checks (JWT client
    auth) and the XML parser (showplans); nor for difflib (suggestions for a misspelt
    name), the modules of declared tools when the config declares none, or the schema
    outline, its diagram and the description fitting (resources and calls read them).
    bench/throughput.md ("Many sources") and bench/throughput-rounds.md ("Nineteenth
    round: startup") have the cost. `serve` also
    starts watching the config file before it answers."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from azsql_mcp.core.config import settings_from_mapping\n"
        "from azsql_mcp.core.validation import validate\n"
        "from azsql_mcp.core.assembly import build_app\n"
        "import azsql_mcp.core.app as app_module\n"
        "source = {'server': 'x', 'username': 'u', 'password': 'p'}\n"
        "settings = settings_from_mapping({'sources': {'a': source}})\n"
        "validate(settings)\n"
        "app = build_app(settings)\n"
        "from azsql_mcp.serving.reload import ConfigSource, Reloader\n"
        "Reloader(app, ConfigSource.before_loading(lambda: settings, None))  # as serve does\n"
        "heavy = ('sqlglot', 'azure.identity', 'aioodbc', 'pyodbc', 'azsql_mcp.testing',\n"
        "         'azsql_mcp.db.sqlguard', 'prometheus_client', 'griffe', 'joserfc.jwt',\n"
        "         'xml.etree', 'difflib', 'azsql_mcp.plugins.builtin_declared.',\n"
        "         'azsql_mcp.catalog.schema', 'azsql_mcp.catalog.diagram',\n"
        "         'azsql_mcp.catalog.description_fit', 'azsql_mcp.serving.console.schema_page')\n"
        "print([m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("environ", "sdk", "expected"),
    [
        ({}, False, "propagation_only"),  # nothing would record FastMCP's spans
        ({}, True, "native"),  # an SDK is set up (opentelemetry-instrument)
        ({"FASTMCP_TELEMETRY_MODE": "native"}, False, "native"),  # the operator decides
    ],
)
def test_fastmcp_spans_only_when_an_sdk_records_them(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], sdk: bool, expected: str
) -> None:
    import fastmcp
    from opentelemetry import trace

    from azsql_mcp.serving.run import choose_telemetry_mode

    monkeypatch.setattr(fastmcp.settings, "telemetry_mode", "native")
    if sdk:
        monkeypatch.setattr(trace, "get_tracer_provider", trace.NoOpTracerProvider)
    choose_telemetry_mode(environ)
    assert fastmcp.settings.telemetry_mode == expected


@pytest.mark.parametrize("served", [False, True])
def test_serve_freezes_the_heap_once_the_sources_are_set_up(served: bool) -> None:
    """Under `serve`, once the sources are set up, sqlglot is loaded and what the server
    keeps for life leaves the garbage collector's full passes, and the youngest
    generation is collected less often; apps built for tests and embedding are left
    alone. In a subprocess: freezing is for good. (Python 3.12.1 starts with objects
    frozen: the count is compared with the one at start.)"""
    import subprocess
    import sys

    code = (
        "import asyncio, gc, sys\n"
        "at_start = gc.get_freeze_count()\n"
        "from azsql_mcp.core.config import settings_from_mapping\n"
        "from azsql_mcp.core.assembly import build_app\n"
        "import azsql_mcp.core.app as app_module\n"
        "source = {'server': 'x', 'username': 'u', 'password': 'p'}\n"
        "settings = settings_from_mapping({'sources': {'a': source}})\n"
        "app = build_app(settings)\n"
        f"app.freeze_heap_when_open = {served}\n"
        "async def main():\n"
        "    async with app.running():\n"
        "        await app.runtime.opening\n"
        "        young = gc.get_threshold()[0] == app_module.YOUNG_GC_THRESHOLD\n"
        "        print(gc.get_freeze_count() > at_start, 'sqlglot' in sys.modules, young)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(served)] * 3


async def documented(table: str, limit: int, ctx: ToolContext) -> str:
    """Read a table.

    Args:
        table: schema.table to read
        limit: rows at most
    """
    return table


async def summarised(topic: str) -> str:
    """Summarise a topic.

    :param topic: what to summarise
    """
    return topic


async def test_plain_docstrings_describe_as_fastmcp_would_parse_them() -> None:
    """A docstring that can hold no section becomes the description without griffe: the
    same text FastMCP's own parse gives, for every built-in tool and prompt."""
    from fastmcp.utilities.docstring_parsing import parse_docstring

    app = build_app(settings_from_mapping({"sources": {"a": UNREACHABLE}}))
    listed = [*await app.mcp.list_tools(), *await app.mcp.list_prompts()]
    specs = {**app.plugins.tools, **app.plugins.prompts}
    assert {"read_data", "health_check", "sql_query_builder"} <= {c.name for c in listed}
    for component in listed:
        spec = specs[component.name]
        parsed = parse_docstring(spec.fn)
        assert not parsed.parameters, component.name  # a section is left to FastMCP
        assert component.description == (spec.description or parsed.description)


async def test_docstring_sections_still_describe_parameters() -> None:
    """Google and Sphinx sections still reach FastMCP's parser: the parameters get their
    descriptions and the description stops at the section."""
    module = types.ModuleType("sectioned")

    @hookimpl
    def register_tools(register: Any) -> None:
        register(documented)

    @hookimpl
    def register_prompts(register: Any) -> None:
        register(summarised)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    module.register_prompts = register_prompts  # type: ignore[attr-defined]
    settings = settings_from_mapping(
        {"sources": {"a": UNREACHABLE}, "plugins": {"enabled": ["builtin_auth"]}}
    )
    app = build_app(settings, extra_plugins={"sectioned": module})
    async with Client(app.mcp) as client:
        tool = next(t for t in await client.list_tools() if t.name == "documented")
        prompt = next(p for p in await client.list_prompts() if p.name == "summarised")
    assert tool.description == "Read a table."
    properties = tool.input_schema["properties"]
    assert properties["table"]["description"] == "schema.table to read"
    assert properties["limit"]["description"] == "rows at most"
    assert prompt.description == "Summarise a topic."
    assert prompt.arguments and prompt.arguments[0].description == "what to summarise"


async def test_a_source_that_cannot_be_set_up_is_down_on_metrics(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = build(sources={"nodriver": UNREACHABLE | {"driver": "No Such ODBC Driver"}})
    async with app.running(), asyncio.timeout(10):
        while app.readiness()["nodriver"]["reason"] == "starting":
            await asyncio.sleep(0.01)
        assert "could not be set up" in app.readiness()["nodriver"]["reason"]
        assert REGISTRY.get_sample_value("azsql_mcp_source_up", {"source": "nodriver"}) == 0
    # the message says what to install; a traceback would add nothing
    (logged,) = [r for r in caplog.records if "could not be set up" in r.getMessage()]
    assert "No Such ODBC Driver" in logged.getMessage() and not logged.exc_info
