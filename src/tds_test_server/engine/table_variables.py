"""Table variables (`DECLARE @t TABLE (...)`), each a temporary table of the session
(temp_tables.py) under a name of its own, `#t@1`, that lives as long as its scope.

"table (Transact-SQL)" and "DECLARE @local_variable (Transact-SQL)": a table variable's
declaration is CREATE TABLE's column definitions, PRIMARY KEY, UNIQUE, CHECK, DEFAULT,
IDENTITY and INDEX; its scope is the batch, procedure or function that declares it (here
a batch, sp_executesql's batch, a procedure or a trigger), and it can be used as a table
in SELECT, INSERT, UPDATE and DELETE. Each statement of the scope is read with its table
variables' names in place of `@t` (with_table_variables), so the translator, the
constraints and the result metadata treat it as the temporary table it is. A procedure's
or trigger's go with the temporary tables it made (drop_made_since); a batch's (and
sp_executesql's) when it ends (drop_table_variables). "Variables (Transact-SQL)": changes
to variables are not affected by the rollback of a transaction, so a ROLLBACK leaves a
table variable and its rows as they were (saved_table_variables,
restore_table_variables).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlglot.tokens import Token, TokenType

from ..results import ColumnType, Message, TdsError
from . import errors
from .batches import Statement, statement_tokens, tokenize, word
from .ddl_parse import CreateTable, parse_create_table
from .session_state import Variable
from .temp_tables import IDENTITIES, TempTable

# The type of a scope's entry that is a table variable; its value is the table's name.
TABLE = ColumnType("table")

_SAVEPOINT = "__azsql_table_variable"

_NOT_READ = frozenset(["CREATE", "ALTER", "FETCH"])

# The words after which a name is a table's: FROM @t, JOIN @t, INTO @t, UPDATE @t ...
_TABLE_BEFORE = frozenset(["FROM", "JOIN", "INTO", "UPDATE", "DELETE", "INSERT", "APPLY", "USING"])


# A table variable a ROLLBACK puts back: its table, what makes it (its SQLite table's,
# indexes' and triggers' SQL), its rows and its identity's state.
Kept = tuple[TempTable, list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass
class Saved:
    """What a ROLLBACK must leave as it was: the live table variables (`kept`), and the
    names of those whose scope ended in the transaction (`ended`), which the ROLLBACK
    brings back from their DROP and which go again."""

    kept: list[Kept]
    ended: list[str]


class Declaring(Protocol):
    """What declare_table needs of the session (schema_objects.py, constraint_errors.py)."""

    conn: sqlite3.Connection
    temp_tables: dict[str, TempTable]
    _ddl_info: list[Message]

    def _create_temp_table(self, name: str, ddl: CreateTable, variable: str = "") -> None: ...

    def _map(self, exc: sqlite3.Error, q: Any, bindings: dict[str, Any] | None) -> TdsError: ...


def is_table_variable(var: Variable | None) -> bool:
    return var is not None and var.type is TABLE


def undeclared(name: str) -> TdsError:
    """1087, for a table variable the scope has not declared ("Database Engine events and
    errors (1000 to 1999)": severity 15)."""
    return TdsError(1087, f'Must declare the table variable "@{name}".', state=2, severity=15)


def check_procedure_body(statements: list[Statement]) -> None:
    """CREATE PROCEDURE's look at its body: a table variable a statement names before its
    DECLARE is 1087 then, not when the procedure runs (as SQL Server does: a message
    captured from it names the procedure, severity 16, state 1)."""
    declared: dict[str, Variable] = {}
    for stmt in statements:
        if is_table_declaration(stmt):
            name = stmt.tokens[2].text
            declared[name.lower()] = Variable(TABLE, f"#{name}")
            continue
        try:
            with_table_variables(stmt, declared)
        except TdsError as exc:
            if exc.number != 1087:
                raise
            raise TdsError(1087, exc.message, severity=16) from None


def is_table_declaration(stmt: Statement) -> bool:
    """DECLARE @t [AS] TABLE (...)."""
    w = stmt.words(5)
    at = 4 if w[3] == "AS" else 3
    return (
        w[0] == "DECLARE"
        and len(stmt.tokens) > at
        and stmt.tokens[1].token_type == TokenType.PARAMETER
        and w[at] == "TABLE"
    )


def declare_table(session: Declaring, stmt: Statement, scope: dict[str, Variable]) -> None:
    """Make the table variable a DECLARE ... TABLE names: its temporary table, from the
    declaration read as CREATE TABLE. A name the scope has already is 134."""
    written = stmt.tokens[2].text
    key = written.lower()
    if key in scope:
        raise errors.already_declared(written)
    at = 4 if word(stmt.tokens[3]) == "AS" else 3
    if len(stmt.tokens) <= at + 1 or stmt.tokens[at + 1].token_type != TokenType.L_PAREN:
        raise errors.syntax_near(stmt.tokens[-1].text)
    taken = session.temp_tables
    name = next(n for i in itertools.count(1) if (n := f"#{written}@{i}").casefold() not in taken)
    columns = stmt.text[stmt.tokens[at + 1].start - stmt.tokens[0].start :]
    text = f"CREATE TABLE {name} {columns}"
    created = Statement(text, tokenize(text), stmt.line)
    ddl = parse_create_table(created)
    if any(c.kind == "F" for c in ddl.constraints):
        # not in the declaration's grammar ("table (Transact-SQL)")
        raise errors.syntax_near("REFERENCES")
    session._ddl_info = []  # the messages of a CREATE TABLE: none here (no FOREIGN KEY)
    # all of it or nothing; a savepoint, as a trigger's statement runs in a transaction
    # of its own the session's count does not show
    conn = session.conn
    conn.execute(f"SAVEPOINT {_SAVEPOINT}")
    try:
        session._create_temp_table(name, ddl, variable=written)
    except BaseException as exc:
        conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
        session.temp_tables.pop(name.casefold(), None)
        if isinstance(exc, sqlite3.Error):
            raise session._map(exc, None, None) from None
        raise
    finally:
        conn.execute(f"RELEASE {_SAVEPOINT}")
    scope[key] = Variable(TABLE, name)


def with_table_variables(stmt: Statement, scope: Mapping[str, Variable]) -> Statement:
    """The statement with each table variable's name (`@t`) its temporary table's; 1087
    for a name where a table goes that the scope has not declared."""
    if "@" not in stmt.text:
        return stmt
    # the tokens are read only where the scope has a table variable or a `@` name follows
    # FROM, JOIN ... (a statement with parameters and no table variable runs at once)
    if not any(map(is_table_variable, scope.values())) and not _named_after_table_word(stmt.text):
        return stmt
    # a module's body (CREATE PROCEDURE ...) is read so as each of its statements runs;
    # FETCH ... INTO @a names variables (cursors.py)
    if is_table_declaration(stmt) or stmt.words(1)[0] in _NOT_READ:
        return stmt
    toks = stmt.tokens
    base = toks[0].start
    pieces: list[str] = []
    done = 0  # where the text not yet copied starts, from the statement's start
    # for each open parenthesis, whether a query starts in it: `FROM @s` in TRIM(' ' FROM
    # @s) is no table's, nor in `a IS DISTINCT FROM @s`
    queries: list[bool] = []
    for i, tok in enumerate(toks[:-1]):
        following = toks[i + 1]
        if tok.token_type == TokenType.L_PAREN:
            queries.append(word(following) in ("SELECT", "WITH"))
        elif tok.token_type == TokenType.R_PAREN and queries:
            queries.pop()
        if tok.token_type != TokenType.PARAMETER or following.start != tok.end + 1:
            continue
        var = scope.get(following.text.lower())
        before = word(toks[i - 1]) if i else None
        if is_table_variable(var) and before != "DECLARE":
            assert var is not None
            pieces += [stmt.text[done : tok.start - base], str(var.value)]
            done = following.end + 1 - base
        elif var is None and before in _TABLE_BEFORE and (not queries or queries[-1]):
            distinct = before == "FROM" and i > 1 and word(toks[i - 2]) == "DISTINCT"
            if not distinct:
                raise undeclared(following.text)
    if not pieces:
        return stmt
    text = "".join(pieces) + stmt.text[done:]
    lines = stmt.line - 1  # the tokens count lines from the statement's first
    return Statement(text, [_on_line(t, lines) for t in statement_tokens(text)], stmt.line)


def _named_after_table_word(text: str) -> bool:
    """Whether a `@` name in the text follows FROM, JOIN ... (a quick look, before the
    tokens)."""
    at = text.find("@")
    while at != -1:
        words = text[max(0, at - 8) : at].split()
        if words and words[-1].upper() in _TABLE_BEFORE:
            return True
        at = text.find("@", at + 1)
    return False


def with_table_variables_in(text: str, scope: Mapping[str, Variable]) -> str:
    """An expression's text (a trigger's IF or WHILE condition) read so."""
    return with_table_variables(Statement(text, tokenize(text), 1), scope).text


def _on_line(tok: Token, lines: int) -> Token:
    tok.line += lines
    return tok


def drop_table_variables(
    conn: sqlite3.Connection, tables: dict[str, TempTable], scope: Mapping[str, Variable]
) -> None:
    """Drop the table variables of a scope that ends (a batch's)."""
    for var in scope.values():
        if not is_table_variable(var):
            continue
        name = str(var.value)
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f'DROP TABLE "{name}"')
        tables.pop(name.casefold(), None)


def saved_table_variables(
    conn: sqlite3.Connection, tables: Mapping[str, TempTable], at_begin: Mapping[str, TempTable]
) -> Saved:
    """Before a ROLLBACK: what makes each of the session's table variables, its rows and
    its identity's state, and which of those there at BEGIN (`at_begin`) are gone, for
    restore_table_variables after it."""
    saved = Saved([], [t.name for k, t in at_begin.items() if t.variable and k not in tables])
    for table in [t for t in tables.values() if t.variable]:
        made = _made(conn, table.name)
        rows = conn.execute(f"SELECT * FROM temp.{_q(table.name)}").fetchall()
        identity = []
        if table.identity is not None:  # the identities' table first: its triggers use it
            made = _made(conn, IDENTITIES) + made
            identity = conn.execute(
                f"SELECT * FROM temp.{IDENTITIES} WHERE name = ?", (table.name.casefold(),)
            ).fetchall()
        saved.kept.append((table, made, rows, identity))
    return saved


def restore_table_variables(
    conn: sqlite3.Connection, tables: dict[str, TempTable], saved: Saved
) -> None:
    """After a ROLLBACK: the table variables as saved_table_variables saw them before it,
    made again where the transaction made one; those whose scope ended gone again."""
    for name in saved.ended:
        conn.execute(f"DROP TABLE IF EXISTS temp.{_q(name)}")
        tables.pop(name.casefold(), None)
    for table, made, rows, identity in saved.kept:
        for sql in made:
            conn.execute(sql)
        conn.execute(f"DELETE FROM temp.{_q(table.name)}")
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            conn.executemany(f"INSERT INTO temp.{_q(table.name)} VALUES ({marks})", rows)
        if identity:
            conn.execute(
                f"INSERT OR REPLACE INTO temp.{IDENTITIES} VALUES (?, ?, ?, ?)", identity[0]
            )
        tables[table.name.casefold()] = table


def _made(conn: sqlite3.Connection, table: str) -> list[str]:
    """The SQL that makes a temporary table again, then its indexes and triggers."""
    return [
        _made_again(sql)
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_temp_master WHERE tbl_name = ? AND sql IS NOT NULL"
            " ORDER BY type = 'table' DESC",
            (table,),
        )
    ]


_CREATE = re.compile(r"CREATE (UNIQUE )?(TABLE|TRIGGER|INDEX) ", re.IGNORECASE)


def _made_again(sql: str) -> str:
    """A temporary object's SQL as SQLite keeps it (without TEMP), to make it again in the
    temp schema where it is not there."""
    return _CREATE.sub(
        lambda m: (
            f"CREATE {'' if m[2].upper() == 'INDEX' else 'TEMP '}{m[1] or ''}{m[2]} IF NOT EXISTS "
        ),
        sql,
        count=1,
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
