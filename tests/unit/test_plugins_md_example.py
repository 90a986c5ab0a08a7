"""The example plugin of docs/plugins.md ("Writing a plugin") and its test ("Testing a
plugin") run as written, through the pytest kit, on the TDS test server."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / "plugins.md").read_text(), re.S)


@pytest.fixture
def acme_tools() -> Iterator[types.ModuleType]:
    """The plugin module of the doc, importable as `acme_tools` as its test imports it."""
    (source,) = [b for b in python_blocks() if b.startswith("# acme_tools/__init__.py")]
    module = types.ModuleType("acme_tools")
    exec(compile(source, "docs/plugins.md (acme_tools)", "exec"), module.__dict__)
    sys.modules["acme_tools"] = module
    yield module
    del sys.modules["acme_tools"]


@pytest.mark.usefixtures("acme_tools")
async def test_the_example_plugin_passes_its_documented_test(make_azsql_server: Any) -> None:
    (source,) = [b for b in python_blocks() if "async def test_order_total" in b]
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/plugins.md (test_order_total)", "exec"), namespace)
    await namespace["test_order_total"](make_azsql_server)
    # an order the sample lacks would be total "None" (SUM of no rows): the test says so
    assert re.search(r'"total": "\d+\.\d+"', source), "the documented test checks the total"
