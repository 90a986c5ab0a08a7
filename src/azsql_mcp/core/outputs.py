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
# "discriminator" too: its mapping names `$defs` entries, and JSON Schema ignores it.
_DROPPED = ("title", "description", "default", "examples", "discriminator", "$defs")
# Keys whose values are schemas (or lists of them): compacted, their `$ref`s resolved.
_SUBSCHEMAS = (
    "properties",
    "additionalProperties",
    "items",
    "propertyNames",
    "prefixItems",
    "allOf",
)


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


def _compact(
    node: dict[str, Any], defs: dict[str, Any], depth: int, seen: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`node` with every `$ref` resolved (the compact schema carries no `$defs`) and
    objects below DEPTH levels of properties, or of a dict's values, said as "object".
    A type that holds itself other than through a model (a recursive alias) is any
    value ({}) where it comes back: `seen` holds the definitions being resolved."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return {}
        node, seen = defs[name], seen | {name}
    # oneOf too, as anyOf: options compacted to "object" may no longer exclude each other
    # (a discriminated union of models), and anyOf still holds every value oneOf did.
    union = node.get("anyOf", node.get("oneOf"))
    if union is not None:
        options = [_compact(option, defs, depth, seen) for option in union]
        types = [o.get("type") for o in options]
        if all(isinstance(t, str) for t in types) and all(len(o) == 1 for o in options):
            kinds = list(dict.fromkeys(types))  # X | None -> [X, "null"]
            return {"type": kinds[0] if len(kinds) == 1 else kinds}
        return {"anyOf": options}
    kind = node.get("type")
    if kind == "object" and "properties" in node and depth <= 0:
        return {"type": "object"}
    out = {k: v for k, v in node.items() if k not in _DROPPED and k not in _SUBSCHEMAS}
    for key in (k for k in _SUBSCHEMAS if k in node):
        value = node[key]
        if isinstance(value, bool):
            out[key] = value  # additionalProperties: false
        elif key == "properties":
            out[key] = {name: _compact(sub, defs, depth - 1, seen) for name, sub in value.items()}
        elif key == "additionalProperties":  # a dict's values
            out[key] = _compact(value, defs, depth - 1, seen)
        elif key in ("items", "propertyNames"):
            sub = _compact(value, defs, depth, seen)
            if sub != {}:
                out[key] = sub
        else:  # prefixItems, allOf
            out[key] = [_compact(sub, defs, depth, seen) for sub in value]
    return out
