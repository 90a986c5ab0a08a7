"""What the start computes once per plugin function: its type hints. A resource that reads
a database is looked at for its context parameter when the plugin loads, then made into
two components (itself and its `{source}` variant); each would `eval` its annotations."""

from __future__ import annotations

import types
from typing import Any

from azsql_mcp import ToolContext, hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping


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
