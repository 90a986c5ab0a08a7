"""What the start computes once: a plugin function's type hints (a resource that reads a
database is looked at for its context parameter when the plugin loads, then made into
two components, itself and its `{source}` variant; each would `eval` its annotations),
and the `source` argument that every tool and prompt reading a database gets."""

from __future__ import annotations

import types
from typing import Any

import pytest

from azsql_mcp import ToolContext, hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving import injection


async def test_a_resource_functions_hints_are_evaluated_once():
    evaluated: list[str] = []

    def counted() -> type[ToolContext]:
        evaluated.append("ctx")
        return ToolContext

    # the annotation is a string, as under `from __future__ import annotations`:
    # evaluating it calls `counted`
    namespace: dict[str, Any] = {"counted": counted}
    exec("async def status(ctx: 'counted()') -> str:\n    return 'ok'", namespace)
    status = namespace["status"]
    status.__doc__ = "The source's status."

    module = types.ModuleType("inline_status")

    @hookimpl
    def register_resources(register: Any, config: Any) -> None:
        register(status, "demo://status")

    module.register_resources = register_resources  # type: ignore[attr-defined]
    source = {"server": "127.0.0.1,1", "username": "u", "password": "p"}
    sources = dict.fromkeys(("one", "two"), source)
    settings = settings_from_mapping({"sources": sources, "plugins": {"enabled": ["builtin_auth"]}})
    app = build_app(settings, extra_plugins={"inline": module})
    templates = await app.mcp.list_resource_templates()
    assert "demo://{source}/status" in {t.uri_template for t in templates}
    assert evaluated == ["ctx"]


async def test_the_source_argument_is_made_once_for_every_component_that_takes_it(
    monkeypatch: pytest.MonkeyPatch,
):
    # its Literal of every source name and its description, the same for each tool and
    # prompt: made for each of them, 50 sources cost 14 times over
    described: list[object] = []
    describe = injection.source_description

    def counted(runtime: Any) -> str | None:
        described.append(runtime)
        return describe(runtime)

    monkeypatch.setattr(injection, "source_description", counted)
    source = {"server": "127.0.0.1,1", "username": "u", "password": "p"}
    settings = settings_from_mapping({"sources": dict.fromkeys(("one", "two"), source)})
    app = build_app(settings)
    tools = await app.mcp.list_tools()
    taking = [t.name for t in tools if "source" in t.parameters["properties"]]
    assert len(taking) > 1
    assert described == [app.runtime]
