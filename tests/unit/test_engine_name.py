"""What `check` calls the engine it reached (catalog/server.py engine_name), from
SERVERPROPERTY('EngineEdition'): a version number means nothing without it."""

from __future__ import annotations

import pytest

from azsql_mcp.catalog.server import engine_name


@pytest.mark.parametrize(
    ("edition", "name"),
    [
        (1, "SQL Server"),
        (3, "SQL Server"),
        (4, "SQL Server"),
        (5, "Azure SQL Database"),
        (8, "Azure SQL Managed Instance"),
        (12, "Microsoft Fabric SQL database"),
        (10, "EngineEdition 10"),  # one Microsoft's SERVERPROPERTY page does not list
        (None, "unknown engine"),  # not "SQL Server": Azure's 12.0 would read as 2014
    ],
)
def test_each_engine_edition_is_named(edition: int | None, name: str) -> None:
    assert engine_name(edition) == name
