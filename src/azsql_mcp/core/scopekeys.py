"""`[server.auth.tool_scopes]` and `[server.auth.plugin_scopes]` keys that name no tool or
plugin: a misspelt key would leave the tool it meant on its default scope, silently; and
empty scope lists there, which let every token through. And
a static token's scope that is a near miss of one some component needs: the token would
lack the scope meant, silently.

Tool names and the scopes plugins register are known only once the plugins are loaded,
so this runs with them (core/validation.py), not in the schema."""

from __future__ import annotations

from azsql_mcp.core.plugins import PluginSet
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.clientauth import registered_scopes, scope_names

# how close a key must be to a known name to be called its misspelling
CLOSE = 0.8


def scope_key_problems(settings: Settings, plugins: PluginSet) -> list[str]:
    """One problem per scope key that names nothing these plugins and settings have.

    A tool switched off (`disabled_tools`) is still known: its scopes apply once it is
    switched on again. A plugin that is disabled or failed registered no tools, so a tool
    key matching none is taken as one of its tools, unless it is a close misspelling of a
    known tool; a plugin key is checked against every installed plugin, loaded or not."""
    auth = settings.server.auth
    problems = _empty_lists(settings)
    tools = sorted({*plugins.tools, *settings.tools})
    unloaded = sorted(r.name for r in plugins.records if r.status != "loaded")
    for name in auth.tool_scopes:
        if name in tools:
            continue
        import difflib  # only for a key that names nothing

        close = difflib.get_close_matches(name, tools, n=1, cutoff=CLOSE)
        if unloaded and not close:
            continue  # perhaps a tool of a plugin that is not loaded: nothing can tell
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(
            f"server.auth.tool_scopes.{name}: no tool is named {name!r}; {hint}(tools: "
            f"{', '.join(tools) or 'none'}; `azsql-mcp tools` lists them). A misspelt key"
            " leaves the tool it meant on its default scope"
        )
    installed = sorted(r.name for r in plugins.records)
    for name in auth.plugin_scopes:
        if name in installed:
            continue
        import difflib  # only for a key that names nothing

        close = difflib.get_close_matches(name, installed, n=1, cutoff=CLOSE)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(
            f"server.auth.plugin_scopes.{name}: no plugin named {name!r} is installed; {hint}"
            f"(plugins, by entry-point name: {', '.join(installed) or 'none'};"
            " `azsql-mcp plugins --all` lists them)"
        )
    return problems


def _empty_lists(settings: Settings) -> list[str]:
    """An empty scope list needs no scope, so any valid token, one with no scope at all
    included, passes: easily read as "nobody" (or, for update_data, as "not writers")."""
    auth = settings.server.auth
    lists = [
        *((f"tool_scopes.{name}", f"call {name}") for name, s in auth.tool_scopes.items() if not s),
        *(
            (f"plugin_scopes.{name}", f"use {name}'s read tools, resources and prompts")
            for name, s in auth.plugin_scopes.items()
            if not s
        ),
    ]
    return [
        f"server.auth.{key} = []: an empty list needs no scope, so every token could {what},"
        " one with no scope at all included; name the scopes a token needs, remove the key"
        " for the default, or switch a tool off with its plugin's disabled_tools"
        for key, what in lists
    ]


def token_scope_problems(settings: Settings, plugins: PluginSet) -> list[str]:
    """One problem per scope of a static token that no component needs but that is a
    near miss of one that some component does (`sql.raed`, `SQL.READ`). A scope far from
    every known one passes: a plugin may check it in its own code (`ctx.client.may`)."""
    auth = settings.server.auth
    if auth.mode != "static_tokens":
        return []
    known = scope_names(auth, registered_scopes(plugins))
    by_folded = {name.casefold(): name for name in known}
    problems = []
    for i, entry in enumerate(auth.static_tokens):
        for scope in entry.scopes:
            if scope in known:
                continue
            folded = scope.casefold()
            meant = by_folded.get(folded)
            if meant is None:
                import difflib  # only for a key that names nothing

                close = difflib.get_close_matches(folded, by_folded, n=1, cutoff=CLOSE)
                if not close:
                    continue
                meant = by_folded[close[0]]
            problems.append(
                f"server.auth.static_tokens.{i}.scopes: no tool, resource or prompt needs"
                f" scope {scope!r} (subject {entry.subject!r}); did you mean {meant!r}? Scope"
                " names are case-sensitive, and a token granted a misspelt scope lacks the one"
                f" meant (scopes in use: {', '.join(known)}; `azsql-mcp tools --json`"
                " shows each tool's)"
            )
    return problems
