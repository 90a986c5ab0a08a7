"""Prompt argument descriptions without FastMCP's JSON-schema note on text arguments.

Prompt arguments travel as strings; FastMCP appends "Provide a value matching the
following JSON schema: ..." to every argument whose annotation is not the bare `str`,
so `Annotated[str, Field(description=...)]` repeats its own description as JSON. The
note is kept where it helps: for arguments that are not text.
"""

from __future__ import annotations

import json

from fastmcp.prompts import Prompt

NOTE = "\n\nProvide a value matching the following JSON schema: "
TAIL = ". Encode non-string values as JSON."


def plain_arguments(prompt: Prompt) -> Prompt:
    for argument in prompt.arguments or []:
        text = argument.description or ""
        own, sep, note = text.partition(NOTE)
        if not sep:
            continue
        try:
            schema = json.loads(note.removesuffix(TAIL))
        except ValueError:
            continue
        if isinstance(schema, dict) and schema.get("type") == "string":
            argument.description = own or None
    return prompt
