"""Output schemas for tools: a result model's JSON schema, kept small for tools/list.

A full pydantic schema of every built-in result would triple tools/list (issue 18 keeps
it under 10 KB with output schemas). The result's own fields keep their names and
types; objects below them say only "object", which still validates what
the tool returns (clients such as the MCP Python SDK check structuredContent against it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastmcp.utilities.json_schema import compress_schema
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

# Levels of properties kept: the result's own fields; objects below them are "object".
DEPTH = 1
_DROPPED = ("title", "description", "default", "examples")


def output_schema(declared: type[BaseModel] | Mapping[str, Any]) -> dict[str, Any]:
    """The outputSchema of a tool from a result model (made compact) or a schema (as is)."""
    if isinstance(declared, Mapping):
        return dict(declared)
    full = declared.model_json_schema(mode="serialization", schema_generator=_fields_of(declared))
    defs = full.get("$defs", {})
    return _compact(compress_schema(full, prune_titles=True), defs, DEPTH)


def _fields_of(result: type[BaseModel]) -> type[GenerateJsonSchema]:
    """Pydantic's JSON schema generator, but a model other than `result` is only "object":
    what `_compact` makes of a model below the result's own fields (DEPTH 1). Generating
    their full schemas only to cut them was half of `output_schema`'s time, paid before
    `initialize` is answered (bench/throughput-rounds.md,
    "Nineteenth round: startup")."""

    class ResultFields(GenerateJsonSchema):
        def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
            if schema["cls"] is not result:
                return {"type": "object"}
            return super().model_schema(schema)

    return ResultFields


def _compact(node: dict[str, Any], defs: dict[str, Any], depth: int) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        node = defs[ref.rsplit("/", 1)[-1]]
    if "anyOf" in node:
        options = [_compact(option, defs, depth) for option in node["anyOf"]]
        types = [o.get("type") for o in options]
        if all(isinstance(t, str) for t in types) and all(len(o) == 1 for o in options):
            return {"type": sorted(set(types), key=types.index)}  # X | None -> [X, "null"]
        return {"anyOf": options}
    kind = node.get("type")
    out = {k: v for k, v in node.items() if k not in (*_DROPPED, "$defs", "properties", "items")}
    if kind == "object" and "properties" in node:
        if depth <= 0:
            return {"type": "object"}
        out["properties"] = {
            name: _compact(sub, defs, depth - 1) for name, sub in node["properties"].items()
        }
    if kind == "array" and "items" in node:
        items = _compact(node["items"], defs, depth)
        if items != {}:
            out["items"] = items
    return out
