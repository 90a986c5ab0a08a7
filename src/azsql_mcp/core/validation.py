"""One validation path for every command: `serve`, `check`, `config`, `plugins` and
`tools` accept and refuse the same configurations, listing every problem at once."""

from __future__ import annotations

from azsql_mcp.core.assembly import auth_problems
from azsql_mcp.core.config import ConfigError, Settings
from azsql_mcp.core.declared import declare_tools
from azsql_mcp.core.plugins import PluginSet, load_plugins
from azsql_mcp.serving.http import binding_problems
from azsql_mcp.serving.workers import worker_problems


def config_problems(settings: Settings) -> tuple[list[str], PluginSet]:
    """What `serve` would refuse in these (already parsed) settings: plugin selection,
    plugin sections and their configs, each source's auth provider, declared tools, the
    binding rule for HTTP and worker processes. Plugin failures are not among them:
    `[plugins] strict` decides."""
    lenient = settings.model_copy(
        update={"plugins": settings.plugins.model_copy(update={"strict": False})}
    )
    plugins = load_plugins(lenient)
    problems = [*plugins.config_problems, *auth_problems(settings, plugins)]
    problems += declare_tools(plugins, settings)  # [tools.*]: names, types, the guard
    if settings.server.transport == "http":
        problems += binding_problems(settings)
    problems += worker_problems(settings)
    return problems, plugins


def validate(settings: Settings) -> PluginSet:
    """The plugins of a valid configuration; ConfigError listing every problem otherwise."""
    problems, plugins = config_problems(settings)
    if problems:
        raise ConfigError(problems)
    return plugins
