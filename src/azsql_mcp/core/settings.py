"""`Settings`, the whole configuration of one process: its tables, the order of the
sources it reads (highest first: flags, `AZSQL_MCP_*`, the seed names, the file) and the
rules across tables."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from azsql_mcp.api import Limits, Security, SourceSettings
from azsql_mcp.core.configsources import (
    EnvSourcesAsNamed,
    SeedEnvSource,
    TomlFile,
    config_file_read,
    mapping_only,
    merged_inputs,
)
from azsql_mcp.core.settingtables import (
    AuditSettings,
    LoggingSettings,
    PluginsSettings,
    ServerSettings,
)

_M = TypeVar("_M", bound=BaseModel)


class Settings(BaseSettings):
    """The whole configuration of one azsql-mcp process."""

    model_config = SettingsConfigDict(
        env_prefix="AZSQL_MCP_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    security: Security = Security()
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    server: ServerSettings = ServerSettings()
    plugins: PluginsSettings = PluginsSettings()
    audit: AuditSettings = AuditSettings()
    logging: LoggingSettings = LoggingSettings()
    # `[tools.NAME]`: tools declared in config, validated by the plugin that serves them
    # (builtin_declared), which reports problems as "tools.NAME.key: ...".
    tools: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _remember_input(cls, data: Any) -> Any:
        # the merged input of file, environment and flags, for `_accepted_part` (config.py)
        seen = merged_inputs.get()
        if seen is not None:
            seen.append(data)
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        if mapping_only.get():  # settings_from_mapping (config.py)
            return (init_settings,)
        # Highest priority first: command-line flags, AZSQL_MCP_*, seed names, the file.
        file = TomlFile(settings_cls, toml_file=config_file_read.get())
        return (
            init_settings,
            EnvSourcesAsNamed(settings_cls, env_settings, file),
            SeedEnvSource(settings_cls),
            file,
        )

    def source_named(self, name: str) -> str | None:
        """The configured source `name`, matched without regard to case as the
        environment's source names are (no two sources differ only in case), spelt as
        configured; None when there is none."""
        return next((s for s in self.sources if s.lower() == name.lower()), None)

    def source_security(self, name: str) -> Security:
        """The source's `[sources.NAME.security]` overrides merged over `[security]`."""
        return _merged(self.security, self.sources[name].security)

    def source_limits(self, name: str) -> Limits:
        """The source's `[sources.NAME.limits]` overrides merged over `[limits]`."""
        return _merged(self.limits, self.sources[name].limits)

    @property
    def default_source(self) -> str | None:
        return self.server.default_source or next(iter(self.sources), None)


def _merged(base: _M, override: _M | None) -> _M:
    if override is None:
        return base
    values = base.model_dump() | override.model_dump(exclude_unset=True)
    return type(base).model_validate(values)


def reference_problems(settings: Settings) -> list[str]:
    """Rules across tables (a name in one that must be a key of another). They run on
    parsed settings, so they are judged even when the schema refused values elsewhere."""
    problems = []
    seen: dict[str, str] = {}
    for source in settings.sources:
        other = seen.setdefault(source.lower(), source)
        if other != source:
            problems.append(
                f"sources.{source}: differs from source {other!r} only in case; names are"
                " matched without case (AZSQL_MCP_SOURCES__NAME__... could not tell them"
                " apart): rename one"
            )
    name = settings.server.default_source
    if name is None or name in settings.sources:
        return problems
    known = ", ".join(settings.sources) or "none configured"
    return [
        *problems,
        f"server.default_source: {name!r} is not a configured source (sources: {known})",
    ]
