"""The tools, resources and prompts the MCP conformance suite's scenarios call, as an
azsql-mcp plugin: `tests/conformance/run.py` puts this folder (with its dist-info, which
declares the entry point) on the path of the server it starts, and nowhere else. The
scenarios then check that a plugin's images, audio, embedded resources, log messages,
progress, elicitation, resources and prompts reach the client through azsql-mcp's
middleware as MCP says. Names, URIs and texts are those the suite's scenarios ask for.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any

from fastmcp import Context
from fastmcp.prompts import Message
from mcp.types import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    TextContent,
    TextResourceContents,
)

from azsql_mcp import ToolContext, hookimpl

PNG = (  # one red pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
WAV = base64.b64encode(  # no samples, 8 kHz mono
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00@\x1f\x00\x00"
    b"\x01\x00\x08\x00data\x00\x00\x00\x00"
).decode()


def _image() -> ImageContent:
    return ImageContent(type="image", data=PNG, mime_type="image/png")


def _text_resource(uri: str, mime_type: str, text: str) -> EmbeddedResource:
    contents = TextResourceContents(uri=uri, mime_type=mime_type, text=text)
    return EmbeddedResource(type="resource", resource=contents)


async def test_simple_text() -> str:
    """Returns a text."""
    return "This is a simple text response for testing."


async def test_image_content() -> ImageContent:
    """Returns an image."""
    return _image()


async def test_audio_content() -> AudioContent:
    """Returns audio."""
    return AudioContent(type="audio", data=WAV, mime_type="audio/wav")


async def test_embedded_resource() -> EmbeddedResource:
    """Returns an embedded resource."""
    text = "This is an embedded resource content."
    return _text_resource("test://embedded-resource", "text/plain", text)


async def test_multiple_content_types() -> list[Any]:
    """Returns a text, an image and an embedded resource."""
    data = json.dumps({"test": "data", "value": 123})
    return [
        TextContent(type="text", text="Multiple content types test:"),
        _image(),
        _text_resource("test://mixed-content-resource", "application/json", data),
    ]


async def test_tool_with_logging(ctx: Context) -> str:
    """Sends three log messages."""
    await ctx.info("Tool execution started")
    await asyncio.sleep(0.05)
    await ctx.info("Tool processing data")
    await asyncio.sleep(0.05)
    await ctx.info("Tool execution completed")
    return "Tool execution completed"


async def test_error_handling() -> str:
    """Always fails."""
    raise RuntimeError("This tool intentionally returns an error for testing")


async def test_tool_with_progress(ctx: ToolContext) -> str:
    """Reports 0, 50 and 100 of 100 through the plugin API."""
    for done in (0, 50, 100):
        await ctx.report_progress(done, 100, None)
        await asyncio.sleep(0.05)
    return "Progress reported"


@dataclass
class UserInput:
    username: str
    email: str


async def test_elicitation(message: str, ctx: Context) -> str:
    """Asks the user for a name and an email address."""
    answer = await ctx.elicit(message, UserInput)
    return f"User response: {answer}"


@hookimpl
def register_tools(register: Any) -> None:
    for fn in (
        test_simple_text,
        test_image_content,
        test_audio_content,
        test_embedded_resource,
        test_multiple_content_types,
        test_tool_with_logging,
        test_error_handling,
        test_tool_with_progress,
        test_elicitation,
    ):
        register(fn)


async def static_text() -> str:
    """A text resource."""
    return "This is the content of the static text resource."


async def static_binary() -> bytes:
    """A binary resource."""
    return base64.b64decode(PNG)


async def template_data(id: str) -> str:
    """A resource of a template."""
    return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})


@hookimpl
def register_resources(register: Any) -> None:
    register(static_text, "test://static-text", mime_type="text/plain")
    register(static_binary, "test://static-binary", mime_type="image/png")
    register(template_data, "test://template/{id}/data", mime_type="application/json")


async def test_simple_prompt() -> str:
    """A prompt without arguments."""
    return "This is a simple prompt for testing."


async def test_prompt_with_arguments(arg1: str, arg2: str) -> str:
    """A prompt with two arguments."""
    return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"


async def test_prompt_with_embedded_resource(resourceUri: str) -> list[Message]:
    """A prompt embedding a resource."""
    text = "Embedded resource content for testing."
    return [
        Message(_text_resource(resourceUri, "text/plain", text), role="user"),
        Message("Please process the embedded resource above.", role="user"),
    ]


async def test_prompt_with_image() -> list[Message]:
    """A prompt with an image."""
    return [Message(_image(), role="user"), Message("Please analyze the image above.", role="user")]


@hookimpl
def register_prompts(register: Any) -> None:
    for fn in (
        test_simple_prompt,
        test_prompt_with_arguments,
        test_prompt_with_embedded_resource,
        test_prompt_with_image,
    ):
        register(fn)
