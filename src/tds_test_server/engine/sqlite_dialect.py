"""The SQLite dialect the engine writes its statements in: sqlglot's, quoting names with
backticks.

SQLite reads a double-quoted name that matches no column as a string literal, so a
translated `WHERE LastName = "Alard"` found rows. SQL Server, with QUOTED_IDENTIFIER ON
(what ODBC and OLE DB connections set), reads "Alard" as a column name and fails with
Msg 207 ("SET QUOTED_IDENTIFIER (Transact-SQL)"). A backtick-quoted name never becomes a
literal in SQLite: a missing column is "no such column", which errors.py maps to 207.

Sort keys are case-insensitive (`ordered_sql`), as SQL Server's default collation sorts.

A name that is a keyword to SQLite but not reserved in T-SQL (`nothing`, `notnull`,
`limit`, `glob`, ...) is quoted too: SQL Server takes `SELECT 1 AS nothing`, SQLite's
parser refuses it bare.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite
from sqlglot.generators.sqlite import SQLiteGenerator

# every keyword of SQLite's parser ("SQLite Keywords", sqlite.org/lang_keywords.html),
# and TRUE and FALSE, which SQLite reads bare as 1 and 0 where no column has the name
_KEYWORDS = """abort action add after all alter always analyze and as asc attach autoincrement
    before begin between by cascade case cast check collate column commit conflict
    constraint create cross current current_date current_time current_timestamp database
    default deferrable deferred delete desc detach distinct do drop each else end escape
    except exclude exclusive exists explain fail filter first following for foreign from
    full generated glob group groups having if ignore immediate in index indexed initially
    inner insert instead intersect into is isnull join key last left like limit match
    materialized natural no not nothing notnull null nulls of offset on or order others
    outer over partition plan pragma preceding primary query raise range recursive
    references regexp reindex release rename replace restrict returning right rollback row
    rows savepoint select set table temp temporary then ties to transaction trigger
    unbounded union unique update using vacuum values view virtual when where window with
    without true false"""
SQLITE_KEYWORDS = frozenset(_KEYWORDS.split())


class EngineSQLite(SQLite):
    """SQLite with names quoted by backticks (the first of the tokenizer's quotes)."""

    class Tokenizer(SQLite.Tokenizer):
        IDENTIFIERS: ClassVar = ["`", '"', ("[", "]")]

    class Generator(SQLiteGenerator):
        RESERVED_KEYWORDS: ClassVar[set[str]] = set(SQLITE_KEYWORDS)

        def ordered_sql(self, expression: exp.Ordered) -> str:
            # Every sort key case-insensitive, as the default collation sorts: SQLite sorts
            # a text column by its NOCASE but an expression (`a + b`, COALESCE, a VALUES
            # column, an alias) by BINARY, 'B' before 'a'. Numbers ignore a collation.
            if isinstance(expression.this, exp.Collate):
                return super().ordered_sql(expression)
            collated = expression.copy()
            key = exp.Collate(this=collated.this, expression=exp.var("NOCASE"))
            collated.set("this", key)
            return super().ordered_sql(collated)
