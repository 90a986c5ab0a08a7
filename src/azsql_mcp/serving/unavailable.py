"""The stand-in for a source that is missing or could not be set up: every call raises
DatabaseUnavailable saying why and what to do."""

from __future__ import annotations

from typing import Any

from azsql_mcp.api import Database, DatabaseUnavailable, Limits, QueryResult, Security


class UnavailableDatabase(Database):
    """Stands in for a source that is missing or could not be set up: every call says why."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        self.security = Security()
        self.limits = Limits.model_validate({})

    async def read(self, sql: str, params: Any = None, **kwargs: Any) -> QueryResult:
        raise DatabaseUnavailable(self.reason)

    async def write(self, sql: str, params: Any = None, **kwargs: Any) -> QueryResult:
        raise DatabaseUnavailable(self.reason)

    async def write_batch(
        self, statements: Any, params: Any = None, **kwargs: Any
    ) -> list[QueryResult]:
        raise DatabaseUnavailable(self.reason)

    async def explain(self, sql: str) -> str:
        raise DatabaseUnavailable(self.reason)

    async def call_procedure(self, procedure: str, params: Any = None, **kwargs: Any) -> Any:
        raise DatabaseUnavailable(self.reason)

    async def ping(self) -> float:
        raise DatabaseUnavailable(self.reason)

    def pool_stats(self) -> dict[str, int]:
        return {}


NO_SOURCE: Database = UnavailableDatabase(
    "",
    "no database source is configured: add a [sources.NAME] section to the config file,"
    " or set AZURE_SQL_SERVER (see docs/configuration.md)",
)
