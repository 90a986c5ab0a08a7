"""Helpers for the engine tests, which drive Engine sessions directly (no wire)."""

from __future__ import annotations

from typing import Any

from tds_test_server.engine.engine import EngineSession
from tds_test_server.results import ResultSet


def run(s: EngineSession, sql: str, params: Any = None) -> list[Any]:
    """Every result of a batch: (columns, rows) for a result set, the result itself else."""
    out: list[Any] = []
    for r in s.execute(sql, params):
        out.append((r.columns, list(r.rows)) if isinstance(r, ResultSet) else r)
    return out


def rows(s: EngineSession, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    """The rows of every result set of a batch, in order."""
    return [r for item in run(s, sql, params) if isinstance(item, tuple) for r in item[1]]
