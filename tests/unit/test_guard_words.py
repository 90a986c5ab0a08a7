"""The guard's word layer, word by word: each refused word is refused as a word.

The hostile corpus only asks that a statement be refused, and the guard has several
layers: a word dropped from a list would still be refused by the parser or the tree,
and the word layer could break unnoticed. So these tests name the layer in the reason.
The lists are written out here, not taken from the guard, so that dropping a word
there fails here.
"""

from __future__ import annotations

import pytest

from azsql_mcp import QueryRefused
from azsql_mcp.db.sqlguard import check_select, check_write

# T-SQL reserved keywords a read may not contain (Microsoft's "Reserved Keywords").
REFUSED_IN_READS = """
ADD ALTER AUTHORIZATION BACKUP BEGIN BREAK BROWSE BULK CASCADE CHECK CHECKPOINT CLOSE
CLUSTERED COLUMN COMMIT COMPUTE CONSTRAINT CONTINUE CREATE CURSOR DATABASE DBCC
DEALLOCATE DECLARE DEFAULT DELETE DENY DISK DISTRIBUTED DROP DUMP ERRLVL EXEC EXECUTE
EXIT EXTERNAL FILE FILLFACTOR FOREIGN FUNCTION GOTO GRANT IDENTITY IDENTITY_INSERT IF
INSERT INTO KEY KILL LINENO LOAD MERGE NATIONAL NOCHECK NONCLUSTERED OFF OFFSETS OPEN
OPENDATASOURCE OPENQUERY OPENROWSET OPENXML PRIMARY PRINT PROC PROCEDURE PUBLIC
RAISERROR READ READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN
REVERT REVOKE ROLLBACK ROWCOUNT RULE SAVE SCHEMA SECURITYAUDIT SET SETUSER SHUTDOWN
STATISTICS TABLE TEXTSIZE TRAN TRANSACTION TRIGGER TRUNCATE TSEQUAL UNIQUE UPDATE
UPDATETEXT USE VARYING VIEW WAITFOR WHILE WRITETEXT
""".split()  # noqa: SIM905 (a word list reads best as the documentation prints it)
# The reserved keywords a write may contain beyond a read's.
WRITE_ONLY = {"INSERT", "UPDATE", "DELETE", "INTO", "SET", "DEFAULT"}
# Not reserved, refused all the same (docs/statement-guard.md).
DENIED = "GO THROW RECEIVE SEND GET MOVE ENABLE DISABLE CONVERSATION UPDLOCK XLOCK TABLOCKX"
# functions that send text to an AI model's endpoint outside the database
DENIED += " AI_GENERATE_EMBEDDINGS AI_ANALYZE_SENTIMENT AI_CLASSIFY AI_EXTRACT AI_FIX_GRAMMAR"
DENIED += " AI_GENERATE_RESPONSE AI_SUMMARIZE AI_TRANSLATE"
# Reserved keywords a read may contain, but never as an unquoted name: sqlglot reads
# each of these as an alias in `SELECT a AS word FROM t`, SQL Server as the keyword.
ALLOWED_NEVER_NAMES = """
ALL AND ANY AS ASC BETWEEN BY CASE COALESCE COLLATE CONTAINS CONTAINSTABLE CONVERT CROSS
CURRENT CURRENT_DATE CURRENT_TIME DESC DISTINCT DOUBLE ELSE END ESCAPE EXCEPT EXISTS
FOR FREETEXT FREETEXTTABLE FROM FULL GROUP HAVING HOLDLOCK IDENTITYCOL IN INDEX INNER
INTERSECT IS JOIN LEFT LIKE NULL NULLIF OF ON OPTION OR ORDER OUTER OVER PERCENT PIVOT
PLAN PRECISION RIGHT ROWGUIDCOL SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE
SEMANTICSIMILARITYTABLE SOME TABLESAMPLE THEN TO TOP TRY_CONVERT UNION UNPIVOT VALUES
WHEN WHERE WITH WITHIN
""".split()  # noqa: SIM905


def _reason(sql: str, write: bool = False) -> str:
    with pytest.raises(QueryRefused) as refused:
        if write:
            check_write(sql, ("delete",), allow_unfiltered=False)
        else:
            check_select(sql)
    return refused.value.reason


@pytest.mark.parametrize("word", [*REFUSED_IN_READS, *DENIED.split()])
def test_a_refused_word_is_refused_in_a_read_by_name(word: str) -> None:
    reason = _reason(f"SELECT a FROM t {word}")
    assert reason.startswith(f"{word} at line 1, column 17 is not allowed in a read-only query")


@pytest.mark.parametrize(
    "word", [w for w in REFUSED_IN_READS if w not in WRITE_ONLY] + DENIED.split()
)
def test_a_refused_word_is_refused_in_a_write_by_name(word: str) -> None:
    reason = _reason(f"DELETE FROM t WHERE id = 1 {word}", write=True)
    assert reason.startswith(f"{word} at line 1, column 28 is not allowed in a write statement")


@pytest.mark.parametrize("word", ALLOWED_NEVER_NAMES)
def test_an_allowed_keyword_read_as_a_name_is_refused(word: str) -> None:
    reason = _reason(f"SELECT a AS {word} FROM t")
    assert reason.startswith(f"{word} was read as a name, but SQL Server reads it as a keyword")


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("SELECT a FROM t EXEC", "EXEC runs procedures and dynamic SQL"),
        ("SELECT a FROM t WAITFOR", "WAITFOR holds the connection"),
        ("SELECT a FROM t GO", "GO is a batch separator of client tools"),
        ("SELECT a FROM t TABLE", "TABLE starts statements such as CREATE TABLE"),
        ("SELECT a FROM t UPDLOCK", "UPDLOCK takes write locks."),
        ("SELECT a FROM t XLOCK", "XLOCK takes exclusive locks."),
        ("SELECT a FROM t TABLOCKX", "TABLOCKX takes an exclusive table lock."),
        ("SELECT a FROM t OPENQUERY", "OPENQUERY reaches data outside the database"),
        ("SELECT a FROM t SAVE", "Transactions are managed by the server"),
    ],
)
def test_a_refused_word_says_why(sql: str, why: str) -> None:
    assert why in _reason(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a FROM t ORDER BY a ASC",
        "SELECT a FROM t WHERE CONTAINS(a, N'x')",
        "SELECT a FROM t WHERE FREETEXT(a, N'x')",
        "SELECT CURRENT_DATE",
        "SELECT CURRENT_TIME",
        "SELECT CAST(a AS DOUBLE PRECISION) FROM t",
        "SELECT * FROM SEMANTICSIMILARITYTABLE(t, a, 1)",
        "SELECT * FROM SEMANTICSIMILARITYDETAILSTABLE(t, a, 1, a, 2)",
        "SELECT a FROM t WHERE a > SOME (SELECT b FROM u)",
        "SELECT a FROM t FOR SYSTEM_TIME FROM '2020-01-01' TO '2021-01-01'",
        # the pseudo-columns written with `$`
        "SELECT $IDENTITY, $ROWGUID FROM t",
        "SELECT $node_id FROM n",
        "SELECT $edge_id, $from_id, $to_id FROM e",
        "SELECT $action FROM t",
        # their deprecated spellings, where a column stands
        "SELECT IDENTITYCOL, t.ROWGUIDCOL FROM t",
        "SELECT a FROM t WHERE IDENTITYCOL > 1 ORDER BY ROWGUIDCOL",
    ],
)
def test_reads_with_the_rarer_allowed_keywords_are_accepted(sql: str) -> None:
    assert check_select(sql).sql == sql


@pytest.mark.parametrize(
    ("sql", "means"),
    [
        ("SELECT a AS IDENTITYCOL FROM t", "the identity column ($IDENTITY)"),
        ("SELECT a FROM IDENTITYCOL", "the identity column ($IDENTITY)"),
        ("SELECT ROWGUIDCOL.a FROM t", "the ROWGUIDCOL column ($ROWGUID)"),
    ],
)
def test_a_pseudo_column_keyword_elsewhere_is_refused_naming_its_column(
    sql: str, means: str
) -> None:
    reason = _reason(sql)
    assert f"reads it as a keyword, meaning {means} only where a column stands" in reason


def test_a_pseudo_column_keyword_is_accepted_in_a_write() -> None:
    sql = "UPDATE t SET a = 1 WHERE IDENTITYCOL = @id"
    assert check_write(sql, ("update",), allow_unfiltered=False).sql == (
        "UPDATE t SET a = 1 WHERE IDENTITYCOL = ?"
    )
