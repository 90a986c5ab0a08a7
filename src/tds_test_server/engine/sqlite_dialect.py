"""The SQLite dialect the engine writes its statements in: sqlglot's, quoting names with
backticks.

SQLite reads a double-quoted name that matches no column as a string literal, so a
translated `WHERE LastName = "Alard"` found rows. SQL Server, with QUOTED_IDENTIFIER ON
(what ODBC and OLE DB connections set), reads "Alard" as a column name and fails with
Msg 207 ("SET QUOTED_IDENTIFIER (Transact-SQL)"). A backtick-quoted name never becomes a
literal in SQLite: a missing column is "no such column", which errors.py maps to 207.
"""

from __future__ import annotations

from typing import ClassVar

from sqlglot.dialects.sqlite import SQLite


class EngineSQLite(SQLite):
    """SQLite with names quoted by backticks (the first of the tokenizer's quotes)."""

    class Tokenizer(SQLite.Tokenizer):
        IDENTIFIERS: ClassVar = ["`", '"', ("[", "]")]
