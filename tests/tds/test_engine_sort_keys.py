"""ORDER BY keys sort as the default collation does (case-insensitive, trailing blanks
ignored) whether SQLite sorts a table's column by its own collation (sort_keys.py), the
engine collates the key or sorts by its folded value (collation.sort_key); a table's
column is left uncollated so that its index serves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import SessionInfo

WORDS = "(1, 'b', 2), (2, 'A', 4), (3, 'c ', 1), (4, 'D', 3)"


@pytest.fixture(scope="module")
def session() -> Iterator[EngineSession]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=91, user="sa", database="sdb"))
        run(s, "CREATE TABLE dbo.Words (Id int PRIMARY KEY, W nvarchar(10), N int)")
        run(s, f"INSERT INTO dbo.Words (Id, W, N) VALUES {WORDS}")
        run(s, "CREATE TABLE dbo.Keyed (K nvarchar(10) PRIMARY KEY)")
        run(s, "INSERT INTO dbo.Keyed (K) SELECT W FROM dbo.Words")
        yield s
        s.close()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT W FROM dbo.Words ORDER BY W", ["A", "b", "c ", "D"]),
        ("SELECT w.W FROM dbo.Words AS w ORDER BY w.W DESC", ["D", "c ", "b", "A"]),
        ("SELECT W FROM dbo.Words ORDER BY N", ["c ", "b", "D", "A"]),
        ("SELECT TOP (3) K FROM dbo.Keyed ORDER BY K", ["A", "b", "c "]),
        # an alias named as a column sorts by its expression, not by the column
        ("SELECT LOWER(W) + 'x' AS W FROM dbo.Words ORDER BY W", ["ax", "bx", "c x", "dx"]),
        ("SELECT W FROM (SELECT W + 'x' AS W FROM dbo.Words) AS d ORDER BY W", None),
        ("WITH c AS (SELECT W + '' AS W FROM dbo.Words) SELECT W FROM c ORDER BY W", None),
        ("SELECT W FROM dbo.Words ORDER BY ROW_NUMBER() OVER (ORDER BY W)", None),
        ("SELECT W FROM dbo.Words ORDER BY UPPER(W) + 'x' DESC", ["D", "c ", "b", "A"]),
        ("SELECT W FROM dbo.Words ORDER BY COALESCE(W, '')", None),
        ("SELECT W FROM dbo.Words ORDER BY 1 DESC", ["D", "c ", "b", "A"]),
        # a collation inside a computed key: sorted as before, not looked up in SQLite
        ("SELECT W FROM dbo.Words ORDER BY (W COLLATE Latin1_General_CS_AS)", None),
        ("SELECT W FROM dbo.Words UNION ALL SELECT N'B ' ORDER BY W", None),
        ("SELECT W + N'' AS V FROM dbo.Words ORDER BY V DESC", ["D", "c ", "b", "A"]),
        # evaluated again for its sort key, NEWID would give other values than it shows
        ("SELECT CONVERT(varchar(36), NEWID()) AS g FROM dbo.Words, dbo.Keyed ORDER BY g", None),
        ("SELECT a.W FROM dbo.Words AS a JOIN dbo.Words AS b ON b.N = a.N ORDER BY a.W", None),
    ],
)
def test_text_sort_keys_ignore_case(
    session: EngineSession, sql: str, expected: list[str] | None
) -> None:
    got = [r[0] for r in rows(session, sql)]
    assert got == (expected or sorted(got, key=lambda w: w.rstrip(" ").lower()))


def test_how_each_key_is_sorted(session: EngineSession) -> None:
    translate = session.engine.translator.translate
    run(session, "CREATE INDEX IX_Words_W ON dbo.Words (W) WHERE N > 0")  # filtered: no walk
    by_column = translate("SELECT W FROM dbo.Words ORDER BY Id, W", "sdb").sql
    by_index = translate("SELECT K FROM dbo.Keyed ORDER BY K", "sdb").sql
    by_alias = translate("SELECT W + '' AS V FROM dbo.Words ORDER BY V", "sdb").sql
    by_newid = translate("SELECT NEWID() AS V FROM dbo.Words ORDER BY V", "sdb").sql
    by_expression = translate("SELECT W FROM dbo.Words ORDER BY W + ''", "sdb").sql
    assert by_column.endswith("ORDER BY Id, AZSQL_SORT_KEY(W)")  # W leads no full index
    assert by_index.endswith("ORDER BY K")  # the key's index serves
    assert by_alias.endswith("ORDER BY AZSQL_SORT_KEY(TSQL_ADD(W, ''))")
    assert by_newid.endswith("ORDER BY V COLLATE NOCASE")
    assert "AZSQL_SORT_KEY(" in by_expression  # one call a row, not two a comparison


def test_a_catalog_views_text_column_sorts_by_its_folded_text(session: EngineSession) -> None:
    for name in ("b_v", "A_v", "c_v "):
        run(session, f"CREATE TABLE dbo.[{name}] (x int)")
    sql = "SELECT name FROM sys.tables WHERE name LIKE '%[_]v%' ORDER BY name"
    assert [r[0] for r in rows(session, sql)] == ["A_v", "b_v", "c_v "]
    assert "AZSQL_SORT_KEY(name)" in session.engine.translator.translate(sql, "sdb").sql


def test_group_by_a_text_column_groups_by_its_folded_text(session: EngineSession) -> None:
    """GROUP BY a text column of a table, and ORDER BY one of a temporary table, go by
    SORT_KEY (one call a row) where NOCASE took two calls a comparison, and so do
    SELECT DISTINCT of columns and COUNT(DISTINCT column); the groups are the default
    collation's (case and trailing blanks ignored)."""
    run(session, "CREATE TABLE dbo.Tags (Id int PRIMARY KEY, T nvarchar(10))")
    run(session, "INSERT INTO dbo.Tags VALUES (1, 'a'), (2, 'A '), (3, 'b'), (4, NULL), (5, 'a')")
    grouped = "SELECT T, COUNT(*) FROM dbo.Tags GROUP BY T ORDER BY T"
    assert [(r[0].rstrip().lower() if r[0] else r[0], r[1]) for r in rows(session, grouped)] == [
        (None, 1),
        ("a", 3),
        ("b", 1),
    ]
    translate = session.engine.translator.translate
    assert "GROUP BY AZSQL_SORT_KEY(T)" in translate(grouped, "sdb").sql
    counted = "SELECT COUNT(DISTINCT T) FROM dbo.Tags"
    assert rows(session, counted) == [(2,)]
    assert "COUNT(DISTINCT AZSQL_SORT_KEY(T))" in translate(counted, "sdb").sql
    distinct = "SELECT DISTINCT TOP (2) t.T AS Tag FROM dbo.Tags AS t ORDER BY Tag DESC"
    assert [r[0].rstrip().lower() for r in rows(session, distinct)] == ["b", "a"]
    assert "GROUP BY AZSQL_SORT_KEY(t.T)" in translate(distinct, "sdb").sql
    pairs = "SELECT DISTINCT T, Id % 2 AS odd FROM dbo.Tags"  # an expression: DISTINCT kept
    assert len(rows(session, pairs)) == 4
    assert "SELECT DISTINCT" in translate(pairs, "sdb").sql
    keyed = "SELECT K, COUNT(*) FROM dbo.Keyed GROUP BY K"
    assert translate(keyed, "sdb").sql.endswith("GROUP BY K")  # the key's index serves
    run(session, "CREATE TABLE #w (W nvarchar(10)); INSERT INTO #w SELECT W FROM dbo.Words")
    ordered = "SELECT W FROM #w ORDER BY W"
    assert [r[0] for r in rows(session, ordered)] == ["A", "b", "c ", "D"]
    assert "AZSQL_SORT_KEY(" in translate(ordered, "sdb").sql
