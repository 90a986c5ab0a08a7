"""What a plugin's tools, resources and prompts return reaches the client through the
core's middleware as MCP types it: images, audio, embedded resources, several items,
blobs, log messages and progress. The plugin is the one `make
conformance` serves to the MCP conformance suite (tests/conformance/plugin/), whose
scenarios check the same over HTTP with the suite's own client."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastmcp import Client

PLUGIN = Path(__file__).resolve().parents[1] / "conformance" / "plugin" / "conformance_fixtures.py"


def fixtures() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conformance_fixtures", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclass looks its module up
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


@pytest.fixture
def app(make_azsql_server) -> Any:  # type: ignore[no-untyped-def]
    return make_azsql_server(plugins={"conformance_fixtures": fixtures()})


async def test_tool_content_of_every_kind(app) -> None:  # type: ignore[no-untyped-def]
    async with Client(app) as client:
        image = (await client.call_tool("test_image_content", {})).content
        audio = (await client.call_tool("test_audio_content", {})).content
        embedded = (await client.call_tool("test_embedded_resource", {})).content
        mixed = (await client.call_tool("test_multiple_content_types", {})).content
        failed = await client.call_tool("test_error_handling", {}, raise_on_error=False)
    assert [(c.type, c.mime_type) for c in image] == [("image", "image/png")]
    assert base64.b64decode(image[0].data).startswith(b"\x89PNG")
    assert [(c.type, c.mime_type) for c in audio] == [("audio", "audio/wav")]
    assert embedded[0].type == "resource"
    assert embedded[0].resource.text == "This is an embedded resource content."
    assert [c.type for c in mixed] == ["text", "image", "resource"]
    assert json.loads(mixed[2].resource.text) == {"test": "data", "value": 123}
    assert failed.is_error


async def test_log_messages_and_progress(app) -> None:  # type: ignore[no-untyped-def]
    logged: list[Any] = []
    progress: list[tuple[float, float | None]] = []

    async def on_log(message: Any) -> None:
        logged.append(message.data)

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total))

    async with Client(app, log_handler=on_log) as client:
        await client.call_tool("test_tool_with_logging", {})
        await client.call_tool("test_tool_with_progress", {}, progress_handler=on_progress)
    texts = [entry["msg"] if isinstance(entry, dict) else entry for entry in logged]
    assert [t for t in texts if t.startswith("Tool ")] == [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    assert progress == [(0, 100), (50, 100), (100, 100)]  # the tool's own, as sent


async def test_resources_and_prompts(app) -> None:  # type: ignore[no-untyped-def]
    async with Client(app) as client:
        text = await client.read_resource("test://static-text")
        blob = await client.read_resource("test://static-binary")
        templated = await client.read_resource("test://template/123/data")
        with_args = await client.get_prompt(
            "test_prompt_with_arguments", {"arg1": "hello", "arg2": "world"}
        )
        with_image = await client.get_prompt("test_prompt_with_image")
        embedding = await client.get_prompt(
            "test_prompt_with_embedded_resource", {"resourceUri": "test://x"}
        )
    assert text[0].text == "This is the content of the static text resource."
    assert blob[0].mime_type == "image/png"
    assert base64.b64decode(blob[0].blob).startswith(b"\x89PNG")
    assert json.loads(templated[0].text)["id"] == "123"
    assert with_args.messages[0].content.text == "Prompt with arguments: arg1='hello', arg2='world'"
    assert [m.content.type for m in with_image.messages] == ["image", "text"]
    assert embedding.messages[0].content.resource.uri.startswith("test://x")
