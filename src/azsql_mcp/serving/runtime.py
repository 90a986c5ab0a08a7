"""What injection needs at call time: the configured sources, their databases (opened
in the background, waited for by the first use) and the plugin configs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from pydantic import BaseModel

from azsql_mcp.api import Database, DatabaseUnavailable
from azsql_mcp.core.settings import Settings
from azsql_mcp.serving.unavailable import NO_SOURCE


class Runtime:
    """What injection needs at call time: the sources, their databases, plugin configs."""

    def __init__(self, settings: Settings, plugin_configs: Mapping[str, BaseModel | None]):
        self.sources = list(settings.sources)
        self.default_source = settings.default_source
        self.read_only = {name: settings.source_security(name).read_only for name in self.sources}
        self.descriptions = {name: s.description for name, s in settings.sources.items()}
        self.plugin_configs = dict(plugin_configs)
        self.databases: dict[str, Database] = {}
        self.opener: Callable[[], Awaitable[None]] | None = None  # set by the server
        self.opening: asyncio.Future[None] | None = None

    def open(self) -> asyncio.Future[None] | None:
        """Start opening the sources (once); the first database use waits for it."""
        if self.opening is None and self.opener is not None:
            self.opening = asyncio.ensure_future(self.opener())
        return self.opening

    @property
    def all_read_only(self) -> bool:
        return all(self.read_only.values())

    async def database(self, name: str | None) -> Database:
        if name is None:
            return NO_SOURCE
        opening = self.open()
        if opening is not None:
            try:
                await asyncio.shield(opening)
            except Exception as exc:
                raise DatabaseUnavailable(f"source {name!r} could not be set up: {exc}") from exc
        return self.databases[name]
