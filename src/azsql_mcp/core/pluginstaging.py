"""One plugin's registrations while its hooks run (Staging), checked as they come: a
tool's name and annotations by MCP's rules, a resource's URI; committed by the loader
only if every hook of the plugin succeeds."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import mcp.types as mt
from mcp.shared.tool_name_validation import TOOL_NAME_REGEX
from pydantic import BaseModel, ValidationError

from azsql_mcp.api import AuthProviderFactory, Database, PluginError, ResolvedTool
from azsql_mcp.core.configerrors import describe_errors
from azsql_mcp.core.plugins import PluginRecord, PromptSpec, ResourceSpec, ToolSpec, warn
from azsql_mcp.core.registered import missing_description, require_async, require_hints
from azsql_mcp.serving.injection import SOURCE_ARG, context_params

# MCP's rule for tool names (specification 2025-11-25, "Tool names"; the SDK's regex)
TOOL_NAME_RULE = (
    "a tool name is 1 to 128 characters, each a letter A-Z or a-z, a digit, '_', '-' or '.'"
    " (the MCP specification's rule for tool names)"
)
# MCP's tool annotations as the specification spells them
ANNOTATION_KEYS = tuple(f.alias or n for n, f in mt.ToolAnnotations.model_fields.items())


class Staging:
    """Collects one plugin's registrations; committed only if all its hooks succeed."""

    def __init__(self, record: PluginRecord):
        self.record = record
        self.tools: list[ToolSpec] = []
        self.resources: list[ResourceSpec] = []
        self.prompts: list[PromptSpec] = []
        self.auth: list[tuple[str, AuthProviderFactory]] = []

    def register_for(self, hook: str) -> Callable[..., None]:
        registers: dict[str, Callable[..., None]] = {
            "register_tools": self.register_tool,
            "register_resources": self.register_resource,
            "register_prompts": self.register_prompt,
        }
        return registers[hook]

    def register_tool(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: Mapping[str, Any] | mt.ToolAnnotations | None = None,
        tags: set[str] | None = None,
        writes: bool = False,
        scopes: Sequence[str] | None = None,
        source: str | None = None,
        output_schema: type[BaseModel] | Mapping[str, Any] | None = None,
        resolve: Callable[[Database], Awaitable[ResolvedTool]] | None = None,
    ) -> None:
        require_async(fn, "tool")
        if resolve is not None:
            require_async(resolve, "resolve of tool")
        tool = name or fn.__name__
        _check_tool_name(tool)
        require_hints(fn, f"tool {tool!r}")
        warn(self.record, missing_description(fn, description, f"tool {tool!r}"))
        if isinstance(scopes, str):  # a str is a Sequence[str]: one scope per character
            raise PluginError(
                f"tool {tool!r}: scopes must be a list of scope names,"
                f" e.g. scopes=[{scopes!r}] (got the string {scopes!r})"
            )
        if scopes is not None and not scopes:  # needs no scope: every token passes
            raise PluginError(
                f"tool {tool!r}: scopes=[] needs no scope, so every token could call it, one"
                " with no scope at all included; name the scopes, or leave scopes out for the"
                " default (sql.read; sql.write with writes=True)"
            )
        self.tools.append(
            ToolSpec(
                fn=fn,
                name=tool,
                plugin=self.record.name,
                title=title,
                description=description,
                annotations=_tool_annotations(tool, annotations, self.record),
                tags=tags,
                writes=writes,
                scopes=tuple(scopes) if scopes is not None else None,
                source=source,
                output_schema=output_schema,
                resolve=resolve,
            )
        )

    def register_resource(
        self,
        fn: Callable[..., Any],
        uri: str,
        *,
        name: str | None = None,
        description: str | None = None,
        mime_type: str | None = None,
    ) -> None:
        require_async(fn, "resource")
        if "://" not in uri:  # FastMCP's refusal, at assembly, is a URL parser's
            scheme = self.record.name.replace("_", "-")  # a URI scheme takes no "_"
            raise PluginError(
                f"resource {uri!r}: a resource URI is SCHEME://PATH, such as"
                f" '{scheme}://{uri.lstrip('/')}' (a template's {{fields}} go in the path)"
            )
        require_hints(fn, f"resource {uri!r}")
        spec = ResourceSpec(fn, uri, self.record.name, name, description, mime_type)
        self.resources.append(spec)
        variant = _by_source_variant(spec)
        if variant is not None:
            self.resources.append(variant)

    def register_prompt(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> None:
        require_async(fn, "prompt")
        prompt = name or fn.__name__
        require_hints(fn, f"prompt {prompt!r}")
        self.prompts.append(
            PromptSpec(fn=fn, name=prompt, plugin=self.record.name, description=description)
        )

    def register_auth_provider(self, name: str, factory: AuthProviderFactory) -> None:
        if not isinstance(name, str):
            given = getattr(name, "__name__", repr(name))
            hint = f" register({factory!r}, {given})?" if isinstance(factory, str) else ""
            raise PluginError(
                "auth provider: register(name, factory) takes the name first, a str (got"
                f" {named(name)});{hint}"
            )
        if not callable(factory):
            raise TypeError(f"auth provider {name!r}: factory must be callable")
        self.auth.append((name, factory))


def _check_tool_name(name: str) -> None:
    """FastMCP only logs a warning for a name that breaks MCP's rule, and clients may
    refuse the whole tool list over it: the plugin fails instead."""
    if TOOL_NAME_REGEX.fullmatch(name):
        return
    if len(name) > 128:
        raise PluginError(
            f"tool {name[:40]!r}...: the name is {len(name)} characters long; {TOOL_NAME_RULE}."
            " Register it with a shorter name=..."
        )
    bad = dict.fromkeys(c for c in name if not TOOL_NAME_REGEX.fullmatch(c))
    fixed = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "tool"
    raise PluginError(
        f"tool {name!r}: {', '.join(map(repr, bad))} cannot be in a tool name; {TOOL_NAME_RULE}."
        f" Register it with a name that keeps to it, e.g. name={fixed!r}"
    )


def _tool_annotations(
    tool: str, given: Mapping[str, Any] | mt.ToolAnnotations | None, record: PluginRecord
) -> mt.ToolAnnotations | None:
    """`annotations` as MCP's ToolAnnotations, which would drop a misspelt key without a
    word: a key close to a known one (a typo) or a value of the wrong type fails the
    plugin instead; another key (a newer revision's hint, a vendor's) is left out with a
    warning, as FastMCP would leave it out."""
    if isinstance(given, mt.ToolAnnotations):
        return given
    if not given:
        return None
    if not isinstance(given, Mapping):
        raise PluginError(
            f"tool {tool!r}: annotations must be a dict of MCP's tool annotations or an"
            f" mcp.types.ToolAnnotations (got {type(given).__name__})"
        )
    # matched without case or '_', so that read_only_hnt finds readOnlyHint
    known = {k.lower(): k for k in ANNOTATION_KEYS}
    kept = {}
    for key, value in given.items():
        if key in ANNOTATION_KEYS or key in mt.ToolAnnotations.model_fields:
            kept[key] = value  # readOnlyHint, or read_only_hint as the model also takes it
            continue
        import difflib  # only for a key that is no annotation

        close = difflib.get_close_matches(str(key).lower().replace("_", ""), list(known), n=1)
        if close:
            raise PluginError(
                f"tool {tool!r}: unknown annotation {key!r} (did you mean {known[close[0]]!r}?);"
                f" MCP's tool annotations are {', '.join(ANNOTATION_KEYS)}"
            )
        known_keys = ", ".join(ANNOTATION_KEYS)
        warning = f"tool {tool!r}: {key!r} is not one of MCP's tool annotations ({known_keys});"
        warn(record, [f"{warning} it is left out"])
    try:
        return mt.ToolAnnotations.model_validate(kept)
    except ValidationError as exc:
        lines = describe_errors(exc, root=mt.ToolAnnotations)
        raise PluginError(f"tool {tool!r}: annotations.{'; annotations.'.join(lines)}") from None


def _by_source_variant(spec: ResourceSpec) -> ResourceSpec | None:
    """`scheme://{source}/rest` beside `scheme://rest`, for a resource that reads a
    database: as tools get a `source` argument, resources get a URI that names the
    source. None when the resource needs no database or already names the source."""
    scheme, sep, rest = spec.uri.partition("://")
    if not sep or SOURCE_ARG in template_fields(spec.uri) or not context_params(spec.fn):
        return None
    return dataclasses.replace(
        spec,
        uri=f"{scheme}://{{{SOURCE_ARG}}}/{rest}",
        name=f"{spec.name or spec.fn.__name__}_by_source",
        description=f"{spec.description} of the named source" if spec.description else None,
        source_from_uri=True,
    )


def template_fields(uri: str) -> set[str]:
    """The `{name}` fields of a URI template."""
    return set(re.findall(r"{(\w+)}", uri))


def named(value: object) -> str:
    """`the class Vault`, `a dict`: what a plugin handed over, named for an error."""
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return f"a {type(value).__name__}"
