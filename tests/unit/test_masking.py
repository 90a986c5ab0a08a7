"""catalog/masking.py's cache of the masked columns a login reads masked: one read per
source for CACHE_TTL_S (FAILED_TTL_S after a failure), read again for a new database
(a reload, another server in the process), and the name match on the query's text, a
synonym's standing for its table's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from azsql_mcp.api import DatabaseError, Security
from azsql_mcp.catalog import masking

ROW = {"schema_name": "dbo", "table_name": "Member", "column_name": "Email", "user_name": "u"}
SYNONYM = {"synonym_name": "Staff", "table_name": "Member"}  # dbo.Staff for dbo.Member


@dataclass
class Source:
    """What masking reads of a Database: its name and Security, and read_all's answer."""

    source: str = "s"
    security: Security = field(default_factory=Security)
    fails: bool = False
    reads: int = 0


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1000.0]
    monkeypatch.setattr(masking.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(masking, "_CACHE", {})

    async def read_all(db: Source, sql: str, *args: Any, **kw: Any) -> Any:
        if sql == masking.SYNONYMS_OF_MASKED:
            return [SYNONYM], False
        db.reads += 1
        if db.fails:
            raise DatabaseError("down")
        return [ROW], False

    monkeypatch.setattr(masking, "read_all", read_all)
    return clock


async def test_one_read_per_source_for_the_ttl_and_again_for_a_new_database(
    now: list[float],
) -> None:
    db = Source()
    for query in ("SELECT Email FROM dbo.Member", "SELECT 1 AS x", "SELECT * FROM [member]"):
        assert (await masking.masked_values(db, query) is not None) == ("1" not in query)
    assert db.reads == 1
    now[0] += masking.CACHE_TTL_S
    await masking.masked_values(db, "SELECT 1 AS x")
    assert db.reads == 2
    other = Source()  # the same source name, another database
    await masking.masked_values(other, "SELECT 1 AS x")
    assert other.reads == 1


async def test_a_failed_read_gives_no_note_and_is_retried_sooner(now: list[float]) -> None:
    db = Source(fails=True)
    assert await masking.masked_values(db, "SELECT Email FROM dbo.Member") is None
    await masking.masked_values(db, "SELECT Email FROM dbo.Member")
    assert db.reads == 1
    now[0] += masking.FAILED_TTL_S
    db.fails = False
    assert await masking.masked_values(db, "SELECT Email FROM dbo.Member") is not None
    assert db.reads == 2


@pytest.mark.parametrize(
    ("query", "noted"),
    [
        ("SELECT Email FROM dbo.Member", True),
        ('SELECT "email" FROM "DBO"."MEMBER"', True),
        ("SELECT m.* FROM dbo.Member AS m", True),
        ("SELECT COUNT(*) AS n FROM dbo.Member", False),
        ("SELECT MemberID FROM dbo.Member", False),
        ("SELECT Email FROM dbo.Members", False),
        ("SELECT Email FROM dbo.Staff", True),
        ("SELECT Name FROM dbo.Staff", False),
    ],
)
async def test_the_names_of_the_query(now: list[float], query: str, noted: bool) -> None:
    assert (await masking.masked_values(Source(), query) is not None) == noted
