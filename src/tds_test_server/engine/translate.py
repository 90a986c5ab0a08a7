"""T-SQL text -> statements -> SQLite SQL (with sqlglot), plus the DDL parser.

A batch is split into statements on the token stream (T-SQL needs no
semicolons), DML and queries are rewritten on sqlglot's tree and generated as
SQLite, and DDL is parsed here into plain dataclasses that catalog-aware code
in engine.py applies. Translations are cached per statement text.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, ParseError, SqlglotError, UnsupportedError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.tokens import Token, TokenType

from ..results import ColumnType
from . import errors
from .catalog import DEFAULT_SCHEMA, Catalog, UnknownType, parse_type
from .clr_sql import CLR_FUNCTION_TYPES, clr_expression_type, rewrite_clr

_TOKENIZER = sqlglot.Dialect.get_or_raise("tsql").tokenizer()
_TOKENIZE_LOCK = threading.Lock()

_NOT_WORDS = {
    TokenType.IDENTIFIER,
    TokenType.STRING,
    TokenType.NATIONAL_STRING,
    TokenType.NUMBER,
    TokenType.HEX_STRING,
    TokenType.BIT_STRING,
    TokenType.BYTE_STRING,
}
STATEMENT_WORDS = frozenset(
    [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "MERGE",
        "CREATE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVE",
        "SET",
        "DECLARE",
        "EXEC",
        "EXECUTE",
        "WAITFOR",
        "PRINT",
        "USE",
        "IF",
        "ELSE",
        "WHILE",
        "RETURN",
        "RAISERROR",
        "THROW",
        "GRANT",
        "DENY",
        "REVOKE",
        "DBCC",
        "BACKUP",
        "RESTORE",
        "OPEN",
        "FETCH",
        "CLOSE",
        "DEALLOCATE",
        "GOTO",
        "BREAK",
        "CONTINUE",
        "BULK",
        "KILL",
        "CHECKPOINT",
        "SHUTDOWN",
        "GO",
        "WITH",
        "END",
    ]
)
KEYWORDS = STATEMENT_WORDS | frozenset(
    [
        "FROM",
        "WHERE",
        "GROUP",
        "ORDER",
        "BY",
        "HAVING",
        "AND",
        "OR",
        "NOT",
        "NULL",
        "IS",
        "IN",
        "AS",
        "ON",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "CROSS",
        "UNION",
        "ALL",
        "DISTINCT",
        "TOP",
        "VALUES",
        "INTO",
        "TABLE",
        "VIEW",
        "INDEX",
        "CASE",
        "WHEN",
        "THEN",
        "PRIMARY",
        "KEY",
        "FOREIGN",
        "REFERENCES",
        "CONSTRAINT",
        "DEFAULT",
        "CHECK",
        "UNIQUE",
    ]
)


def word(tok: Token) -> str | None:
    """The upper-cased keyword a token spells, or None for names, strings, numbers."""
    if tok.token_type in _NOT_WORDS:
        return None
    return tok.text.upper()


@dataclass
class Statement:
    text: str
    tokens: list[Token]
    line: int

    def words(self, n: int) -> list[str | None]:
        """The first n words, None where the statement is shorter or a token is no word."""
        found = [word(t) for t in self.tokens[:n]]
        return found + [None] * (n - len(found))


def tokenize(text: str) -> list[Token]:
    """sqlglot's T-SQL tokens, with multi-word keywords ('PRIMARY KEY') split into words."""
    try:
        with _TOKENIZE_LOCK:
            tokens = _TOKENIZER.tokenize(text)
    except SqlglotError as exc:  # unterminated string or comment
        near = text.strip().split()[-1] if text.strip() else ""
        raise errors.syntax_error(near, str(exc)) from None
    result: list[Token] = []
    for tok in tokens:
        if tok.token_type in _NOT_WORDS or not any(ch.isspace() for ch in tok.text):
            result.append(tok)
            continue
        source = text[tok.start : tok.end + 1]
        for m in re.finditer(r"\S+", source):
            start = tok.start + m.start()
            result.append(
                Token(
                    TokenType.VAR,
                    m.group(),
                    tok.line,
                    tok.col,
                    start,
                    start + len(m.group()) - 1,
                    tok.comments,
                )
            )
    return result


def split_batch(text: str) -> list[Statement]:
    """Split a batch into statements the way SQL Server delimits them."""
    tokens = tokenize(text)
    statements: list[Statement] = []
    current: list[Token] = []
    state: dict[str, Any] = {}
    depth = 0
    cases = 0  # open CASE expressions: their ELSE and END belong to the statement

    def flush() -> None:
        if current:
            start, end = current[0].start, current[-1].end + 1
            statements.append(Statement(text[start:end], list(current), current[0].line))
            current.clear()
            state.clear()

    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.SEMICOLON and depth == 0:
            flush()
            continue
        w = word(tok)
        after = word(tokens[i + 1]) if i + 1 < len(tokens) else None
        if w == "CASE":
            cases += 1
        elif w == "END" and cases:
            cases -= 1
        elif (
            depth == 0
            and not cases
            and current
            and w in STATEMENT_WORDS
            and not _continues(w, after, current, state)
        ):
            flush()
        if not current:
            state["kind"] = w or ""
        if depth == 0 and w is not None:
            _track(w, current, state)
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth = max(0, depth - 1)
        current.append(tok)
    flush()
    return statements


def _track(w: str, current: list[Token], state: dict[str, Any]) -> None:
    kind = state.get("kind")
    if kind == "CREATE" and w == "VIEW" and len(current) <= 3:
        state["view"] = True
    body_words = ("SELECT", "VALUES", "DEFAULT", "INSERT", "UPDATE", "DELETE", "MERGE")
    fk_action = w in ("UPDATE", "DELETE") and word(current[-1]) == "ON" if current else False
    if current and w in body_words and not fk_action:
        state["body"] = True
    if kind == "UPDATE" and w == "SET":
        state["set"] = True


def _continues(w: str, after: str | None, current: list[Token], state: dict[str, Any]) -> bool:
    """Whether statement keyword `w` at paren depth 0 belongs to the current statement."""
    kind = state.get("kind")
    prev = word(current[-1])
    body = state.get("body", False)
    if w == "WITH":
        return True
    ddl = kind in ("CREATE", "ALTER")
    if w in ("DELETE", "UPDATE") and prev == "ON" and ddl:
        return True  # ON DELETE CASCADE
    if w == "SET":
        if prev in ("DELETE", "UPDATE") and len(current) > 1 and word(current[-2]) == "ON" and ddl:
            return True  # ON DELETE SET NULL
        return (kind == "UPDATE" and not state.get("set")) or kind == "ALTER"
    if w == "SELECT":
        if prev in ("UNION", "ALL", "EXCEPT", "INTERSECT", "AS", "FOR"):
            return True
        return (kind in ("INSERT", "WITH") or state.get("view", False)) and not body
    if w in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return kind == "WITH" and not body
    if w in ("DROP", "ALTER"):  # ALTER TABLE t DROP CONSTRAINT x / ALTER COLUMN c ...
        return kind == "ALTER" and after in ("COLUMN", "CONSTRAINT", "INDEX", "PERIOD")
    if w in ("EXEC", "EXECUTE"):
        return kind == "INSERT" and not body
    if w == "IF":
        return kind in ("DROP", "CREATE", "ALTER")  # DROP TABLE IF EXISTS
    if w == "FETCH":
        return prev in ("ROWS", "ROW")
    if w == "END":
        return kind in ("SELECT", "UPDATE", "INSERT", "DELETE", "SET", "WITH", "DECLARE")
    return False


# ---------------------------------------------------------------- token stream


class Tokens:
    """A cursor over one statement's tokens, for the hand-written DDL parser."""

    def __init__(self, stmt: Statement):
        self.stmt = stmt
        self.toks = stmt.tokens
        self.i = 0
        self._base = stmt.tokens[0].start if stmt.tokens else 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def peek_is(self, tt: TokenType, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok is not None and tok.token_type == tt

    def peek_text(self, default: str = "") -> str:
        tok = self.peek()
        return tok.text if tok is not None else default

    def peek_word(self, k: int = 0) -> str | None:
        tok = self.peek(k)
        return word(tok) if tok else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def next(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise errors.syntax_error_end()
        self.i += 1
        return tok

    def accept(self, *words: str) -> bool:
        if self.peek_word() in words:
            self.i += 1
            return True
        return False

    def accept_type(self, tt: TokenType) -> bool:
        tok = self.peek()
        if tok is not None and tok.token_type == tt:
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        tok = self.next()
        w = word(tok)
        if w not in words:
            raise errors.syntax_near(tok.text)
        return w

    def expect_type(self, tt: TokenType) -> Token:
        tok = self.next()
        if tok.token_type != tt:
            raise errors.syntax_near(tok.text)
        return tok

    def name(self) -> str:
        tok = self.next()
        if tok.token_type in (
            TokenType.STRING,
            TokenType.NUMBER,
            TokenType.L_PAREN,
            TokenType.R_PAREN,
            TokenType.COMMA,
        ):
            raise errors.syntax_near(tok.text)
        return tok.text

    def multipart(self) -> list[str]:
        """schema.name, [db].[schema].[name], #temp."""
        parts: list[str] = []
        prefix = ""
        while self.accept_type(TokenType.HASH):
            prefix += "#"
        parts.append(prefix + self.name())
        while self.accept_type(TokenType.DOT):
            if self.peek_is(TokenType.DOT):
                parts.append("")
                continue
            parts.append(self.name())
        return parts

    def text_between(self, start: int, end: int) -> str:
        """Source text of tokens[start:end]."""
        if start >= end:
            return ""
        lo = self.toks[start].start - self._base
        hi = self.toks[end - 1].end + 1 - self._base
        return self.stmt.text[lo:hi]

    def parenthesized(self) -> str:
        """Consume `( ... )` and return the inner source text."""
        self.expect_type(TokenType.L_PAREN)
        start, depth = self.i, 1
        while True:
            tok = self.next()
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    return self.text_between(start, self.i - 1)

    def expression(self, stop: frozenset[str]) -> str:
        """Consume an expression up to a depth-0 comma, ')' or stop word."""
        start, depth = self.i, 0
        while not self.at_end():
            tok = self.peek()
            assert tok is not None
            if depth == 0 and (
                tok.token_type in (TokenType.COMMA, TokenType.R_PAREN) or word(tok) in stop
            ):
                break
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
            self.i += 1
        if self.i == start:
            raise errors.syntax_near(self.peek_text(""))
        return self.text_between(start, self.i)

    def skip_options(self) -> None:
        """WITH (...), ON [PRIMARY], TEXTIMAGE_ON x: storage options this server ignores."""
        while True:
            w = self.peek_word()
            if w == "WITH" and self.peek_is(TokenType.L_PAREN, 1):
                self.next()
                self.parenthesized()
            elif w in ("ON", "TEXTIMAGE_ON", "FILESTREAM_ON"):
                self.next()
                self.name()
                if self.peek_is(TokenType.L_PAREN):
                    self.parenthesized()
            else:
                return

    def end(self) -> None:
        if not self.at_end():
            raise errors.syntax_near(self.next().text)


# ---------------------------------------------------------------- DDL model


@dataclass
class ConstraintDef:
    kind: str  # PK, UQ, F, C, D
    name: str | None = None
    columns: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    clustered: bool | None = None
    ref_table: list[str] | None = None
    ref_columns: list[str] = field(default_factory=list)
    on_delete: int = 0
    on_update: int = 0
    expression: str | None = None  # CHECK / DEFAULT text as written
    for_column: str | None = None  # column a DEFAULT or CHECK belongs to


@dataclass
class ColumnDef:
    name: str
    type: ColumnType | None  # None for a computed column
    nullable: bool | None = None
    identity: tuple[int, int] | None = None
    computed: str | None = None
    persisted: bool = False
    rowguidcol: bool = False


@dataclass
class IndexDef:
    name: str
    table: list[str]
    columns: list[tuple[str, bool]]
    unique: bool = False
    clustered: bool = False
    include: list[str] = field(default_factory=list)
    where: str | None = None


@dataclass
class CreateTable:
    name: list[str]
    columns: list[ColumnDef]
    constraints: list[ConstraintDef]
    indexes: list[IndexDef]


@dataclass
class AlterTable:
    name: list[str]
    columns: list[ColumnDef]
    constraints: list[ConstraintDef]
    drop_constraints: list[str] = field(default_factory=list)
    drop_columns: list[str] = field(default_factory=list)


_ACTIONS = {"NO": 0, "CASCADE": 1, "SET NULL": 2, "SET DEFAULT": 3}
_COLUMN_STOP = frozenset(
    [
        "NOT",
        "NULL",
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "DEFAULT",
        "CHECK",
        "REFERENCES",
        "FOREIGN",
        "IDENTITY",
        "COLLATE",
        "ROWGUIDCOL",
        "SPARSE",
        "FILESTREAM",
        "INDEX",
        "FOR",
        "WITH",
        "PERSISTED",
    ]
)


def parse_create_table(stmt: Statement) -> CreateTable:
    ts = Tokens(stmt)
    ts.expect("CREATE")
    ts.expect("TABLE")
    name = ts.multipart()
    ts.expect_type(TokenType.L_PAREN)
    table = CreateTable(name, [], [], [])
    while True:
        _table_element(ts, table.columns, table.constraints, table.indexes, name)
        if ts.accept_type(TokenType.COMMA):
            if ts.peek_is(TokenType.R_PAREN):
                ts.next()
                break
            continue
        ts.expect_type(TokenType.R_PAREN)
        break
    ts.skip_options()
    ts.end()
    return table


def _table_element(
    ts: Tokens,
    columns: list[ColumnDef],
    constraints: list[ConstraintDef],
    indexes: list[IndexDef],
    table: list[str],
) -> None:
    w = ts.peek_word()
    if w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "DEFAULT"):
        constraints.append(_table_constraint(ts))
    elif w == "INDEX":
        ts.next()
        idx_name = ts.name()
        unique = ts.accept("UNIQUE")
        clustered = ts.accept("CLUSTERED")
        ts.accept("NONCLUSTERED")
        indexes.append(IndexDef(idx_name, table, _key_columns(ts), unique, clustered))
        ts.skip_options()
    else:
        columns.append(_column(ts, constraints))


def _column(ts: Tokens, constraints: list[ConstraintDef]) -> ColumnDef:
    col_name = ts.name()
    if ts.accept("AS"):
        expr = ts.expression(_COLUMN_STOP)
        col = ColumnDef(col_name, None, computed=expr)
        col.persisted = ts.accept("PERSISTED")
        if col.persisted:
            ts.accept("NOT") and ts.expect("NULL")
        return col
    col = ColumnDef(col_name, _type(ts))
    while not ts.at_end():
        tok = ts.peek()
        assert tok is not None
        if tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
            break
        w = ts.peek_word()
        if w == "NOT" and ts.peek_word(1) == "NULL":
            ts.i += 2
            col.nullable = False
        elif w == "NULL":
            ts.next()
            col.nullable = True
        elif w == "IDENTITY":
            ts.next()
            seed, inc = 1, 1
            if ts.peek_is(TokenType.L_PAREN):
                args = [a.strip() for a in ts.parenthesized().split(",")]
                seed, inc = int(args[0]), int(args[1]) if len(args) > 1 else 1
            col.identity = (seed, inc)
            _not_for_replication(ts)
        elif w in ("ROWGUIDCOL", "SPARSE", "FILESTREAM"):
            ts.next()
            col.rowguidcol = col.rowguidcol or w == "ROWGUIDCOL"
        elif w == "COLLATE":
            ts.next()
            ts.name()
        elif w in ("CONSTRAINT", "PRIMARY", "UNIQUE", "DEFAULT", "CHECK", "REFERENCES", "FOREIGN"):
            c = _table_constraint(ts, column=col_name)
            constraints.append(c)
        else:
            raise errors.syntax_near(tok.text)
    return col


def _type(ts: Tokens) -> ColumnType:
    start = ts.i
    first = ts.next()
    parts = [first.text]
    while ts.peek_word() in ("PRECISION", "VARYING", "CHARACTER", "CHAR"):
        parts.append(ts.next().text)
    args = ""
    if ts.peek_is(TokenType.L_PAREN):
        args = "(" + ts.parenthesized() + ")"
    text = " ".join(parts) + args
    try:
        return parse_type(text)
    except (UnknownType, ValueError):
        ts.i = start
        raise errors.unknown_type(" ".join(parts)) from None


def _key_columns(ts: Tokens) -> list[tuple[str, bool]]:
    ts.expect_type(TokenType.L_PAREN)
    cols: list[tuple[str, bool]] = []
    while True:
        col = ts.name()
        desc = False
        if ts.accept("DESC"):
            desc = True
        else:
            ts.accept("ASC")
        cols.append((col, desc))
        if ts.accept_type(TokenType.COMMA):
            continue
        ts.expect_type(TokenType.R_PAREN)
        return cols


def _name_list(ts: Tokens) -> list[str]:
    return [c for c, _ in _key_columns(ts)]


def _table_constraint(ts: Tokens, column: str | None = None) -> ConstraintDef:
    name = ts.name() if ts.accept("CONSTRAINT") else None
    w = ts.next()
    kw = word(w)
    if kw in ("PRIMARY", "UNIQUE"):
        if kw == "PRIMARY":
            ts.expect("KEY")
        c = ConstraintDef("PK" if kw == "PRIMARY" else "UQ", name)
        if ts.accept("CLUSTERED"):
            c.clustered = True
        elif ts.accept("NONCLUSTERED"):
            c.clustered = False
        if ts.peek_is(TokenType.L_PAREN):
            c.columns = _key_columns(ts)
        elif column is not None:
            c.columns = [(column, False)]
        else:
            raise errors.syntax_near(ts.peek_text(kw))
        ts.skip_options()
        return c
    if kw in ("FOREIGN", "REFERENCES"):
        c = ConstraintDef("F", name)
        if kw == "FOREIGN":
            ts.expect("KEY")
            c.columns = [(n, False) for n in _name_list(ts)]
            ts.expect("REFERENCES")
        elif column is not None:
            c.columns = [(column, False)]
        c.ref_table = ts.multipart()
        if ts.peek_is(TokenType.L_PAREN):
            c.ref_columns = _name_list(ts)
        while ts.peek_word() == "ON" and ts.peek_word(1) in ("DELETE", "UPDATE"):
            ts.next()
            which = ts.next().text.upper()
            action = ts.next().text.upper()
            if action in ("NO", "SET"):
                action += " " + ts.next().text.upper()
            code = _ACTIONS.get(action.replace("NO ACTION", "NO"))
            if code is None:
                raise errors.syntax_near(action)
            if which == "DELETE":
                c.on_delete = code
            else:
                c.on_update = code
        _not_for_replication(ts)
        return c
    if kw == "CHECK":
        _not_for_replication(ts)
        return ConstraintDef("C", name, expression=ts.parenthesized(), for_column=column)
    if kw == "DEFAULT":
        c = ConstraintDef("D", name, expression=ts.expression(_COLUMN_STOP), for_column=column)
        if ts.accept("FOR"):
            c.for_column = ts.name()
        ts.accept("WITH") and ts.expect("VALUES")
        return c
    raise errors.syntax_near(w.text)


def _not_for_replication(ts: Tokens) -> None:
    if ts.peek_word() == "NOT" and ts.peek_word(1) == "FOR":
        ts.i += 2
        ts.expect("REPLICATION")


def parse_alter_table(stmt: Statement) -> AlterTable:
    ts = Tokens(stmt)
    ts.expect("ALTER")
    ts.expect("TABLE")
    alter = AlterTable(ts.multipart(), [], [])
    if ts.accept("WITH"):
        ts.expect("CHECK", "NOCHECK")
    w = ts.peek_word()
    if w in ("CHECK", "NOCHECK"):  # (re-)enabling constraint checking: always on here
        ts.next()
        ts.expect("CONSTRAINT")
        ts.name()
        ts.end()
        return alter
    if ts.accept("ADD"):
        indexes: list[IndexDef] = []
        while True:
            _table_element(ts, alter.columns, alter.constraints, indexes, alter.name)
            if not ts.accept_type(TokenType.COMMA):
                break
        if indexes:
            raise errors.unsupported("ALTER TABLE ... ADD INDEX (use CREATE INDEX)")
        ts.end()
        return alter
    if ts.accept("DROP"):
        while True:
            if ts.accept("COLUMN"):
                ts.accept("IF") and ts.expect("EXISTS")
                alter.drop_columns.append(ts.name())
            else:
                ts.accept("CONSTRAINT")
                ts.accept("IF") and ts.expect("EXISTS")
                alter.drop_constraints.append(ts.name())
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()
        return alter
    raise errors.unsupported(f"ALTER TABLE ... {ts.peek_text()}")


def parse_create_index(stmt: Statement) -> IndexDef:
    ts = Tokens(stmt)
    ts.expect("CREATE")
    unique = ts.accept("UNIQUE")
    clustered = ts.accept("CLUSTERED")
    ts.accept("NONCLUSTERED")
    if ts.accept("COLUMNSTORE"):
        raise errors.unsupported("COLUMNSTORE indexes")
    ts.expect("INDEX")
    name = ts.name()
    ts.expect("ON")
    table = ts.multipart()
    idx = IndexDef(name, table, _key_columns(ts), unique, clustered)
    if ts.accept("INCLUDE"):
        idx.include = _name_list(ts)
    if ts.accept("WHERE"):
        idx.where = ts.expression(frozenset({"WITH", "ON"}))
    ts.skip_options()
    ts.end()
    return idx


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class OutputColumn:
    name: str
    type: ColumnType | None  # None: infer from the values
    param: str | None = None  # a bare @variable: its declared type
    base: bool = False  # a base-table column: values need no checking


@dataclass(frozen=True)
class Query:
    """A translated SELECT/INSERT/UPDATE/DELETE."""

    sql: str
    kind: str  # select, insert, update, delete
    tsql: exp.Expression
    columns: tuple[OutputColumn, ...] | None = None
    names: dict[str, str] = field(default_factory=dict)  # sqlite table name -> as written
    needs: frozenset[str] = frozenset()  # 'dmv', 'rowcounts'
    target: str | None = None  # DML target, sqlite name
    target_display: str | None = None
    insert_columns: tuple[str, ...] | None = None
    assign: tuple[str, ...] = ()  # SELECT @a = x, @b = y: the variables in order
    params: frozenset[str] = frozenset()


_NONAME = "__azsql_noname_"
_DMV_TABLES = {"sys.dm_exec_sessions", "sys.dm_exec_requests", "sys.dm_exec_sql_text"}
_ROWCOUNT_TABLES = {"sys.partitions", "sys.dm_db_partition_stats"}
_UNSUPPORTED_NODES: dict[type[exp.Expression], str] = {
    exp.Pivot: "PIVOT/UNPIVOT",
    exp.Into: "SELECT ... INTO",
    exp.Returning: "the OUTPUT clause",
    exp.Merge: "MERGE",
    exp.ForClause: "FOR XML / FOR JSON / FOR BROWSE",
}
_STRINGY = (exp.National, exp.DPipe, exp.Concat)


class Translator:
    """Translates T-SQL statements for one Engine; results cached by text."""

    def __init__(self, catalog: Catalog, size: int = 4096):
        self.catalog = catalog
        self._cache: OrderedDict[tuple[str, str, int], Query] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def translate(self, text: str, database: str) -> Query:
        key = (text, database.casefold(), self.catalog.generation)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        query = self._translate(text, database)
        with self._lock:
            self._cache[key] = query
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return query

    def _translate(self, text: str, database: str) -> Query:
        tree = parse_tsql(text)
        if not isinstance(tree, (exp.Query, exp.Insert, exp.Update, exp.Delete)):
            raise errors.unsupported(_describe(tree))
        for node_type, what in _UNSUPPORTED_NODES.items():
            if tree.find(node_type):
                raise errors.unsupported(what)
        limit = tree.args.get("limit")
        if isinstance(limit, exp.Limit):
            opts = limit.args.get("limit_options")
            if opts is not None and (opts.args.get("percent") or opts.args.get("with_ties")):
                raise errors.unsupported("TOP ... PERCENT / WITH TIES")
        assign: tuple[str, ...] = ()
        if (
            isinstance(tree, exp.Select)
            and tree.expressions
            and all(isinstance(p, exp.EQ) and _variable_name(p.this) for p in tree.expressions)
        ):
            assign = tuple(_variable_name(p.this) or "" for p in tree.expressions)
            tree.set("expressions", [p.expression for p in tree.expressions])

        kind = {exp.Insert: "insert", exp.Update: "update", exp.Delete: "delete"}.get(
            type(tree), "select"
        )
        columns = self._output_columns(tree, database) if kind == "select" else None
        work = tree.copy()
        names: dict[str, str] = {}
        needs: set[str] = set()
        params: set[str] = set()
        target = target_display = None
        insert_columns: tuple[str, ...] | None = None
        if kind != "select":
            target_node = work.this
            if isinstance(target_node, exp.Schema):
                insert_columns = tuple(i.name for i in target_node.expressions)
                target_node = target_node.this
            if isinstance(target_node, exp.Table):
                target, target_display = self._table_name(target_node, database)
        self._rewrite(work, database, names, needs, params, kind)
        if kind == "select":
            for i, proj in enumerate(work.selects if isinstance(work, exp.Query) else []):
                if not isinstance(proj, (exp.Alias, exp.Column, exp.Star)):
                    proj.replace(exp.alias_(proj.copy(), f"{_NONAME}{i}", quoted=True))
        try:
            sql = work.sql("sqlite", unsupported_level=ErrorLevel.RAISE)
        except UnsupportedError as exc:
            raise errors.unsupported(str(exc).split("\n")[0]) from None
        return Query(
            sql,
            kind,
            tree,
            columns,
            names,
            frozenset(needs),
            target,
            target_display,
            insert_columns,
            assign,
            frozenset(params),
        )

    # -- name mapping
    def _table_name(self, table: exp.Table, database: str) -> tuple[str, str]:
        name = table.name
        if isinstance(table.this, exp.Identifier) and table.this.args.get("temporary"):
            name = "#" + name
        schema = table.db or DEFAULT_SCHEMA
        written = ".".join(p for p in (table.catalog, table.db, name) if p)
        if table.catalog and table.catalog.casefold() not in (database.casefold(), "tempdb"):
            return f"{table.catalog}.{schema}.{name}", written
        if name.startswith("#"):
            return name, written
        return f"{schema}.{name}", written

    def _rewrite(
        self,
        tree: exp.Expression,
        database: str,
        names: dict[str, str],
        needs: set[str],
        params: set[str],
        kind: str,
    ) -> None:
        ctes = {c.alias_or_name.casefold() for c in tree.find_all(exp.CTE)}
        dml_target = tree.this if kind != "select" else None
        if isinstance(dml_target, exp.Schema):
            dml_target = dml_target.this
        functions = []
        for table in list(tree.find_all(exp.Table)):
            if isinstance(table.this, exp.Anonymous):
                functions.append(table)
                continue
            if not table.db and table.name.casefold() in ctes:
                continue
            if table.name.casefold().startswith("__azsql_"):
                continue
            sqlite_name, written = self._table_name(table, database)
            names[sqlite_name.casefold()] = written
            folded = sqlite_name.casefold()
            if folded in _DMV_TABLES:
                needs.add("dmv")
            if folded in _ROWCOUNT_TABLES:
                needs.add("rowcounts")
            if folded == "sys.database_files":
                needs.add("files")
            alias = table.alias
            new = exp.Table(this=exp.to_identifier(sqlite_name, quoted=True))
            if alias:
                new.set("alias", table.args["alias"])
            elif table is not dml_target or kind in ("update", "delete"):
                new.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
            table.replace(new)
        for join in list(tree.find_all(exp.Join)):
            if isinstance(join.this, exp.Lateral):
                join.replace(_sql_text_join(join.this, join))
                needs.add("dmv")
        for table in functions:
            _sql_text_from(table)
            needs.add("dmv")
        for node in list(tree.walk()):
            replacement = _rewrite_node(node, params)
            if replacement is not None and replacement is not node:
                if node is tree:
                    raise errors.unsupported(_describe(node))
                node.replace(replacement)

    # -- typing
    def _output_columns(
        self, tree: exp.Expression, database: str
    ) -> tuple[OutputColumn, ...] | None:
        if not isinstance(tree, exp.Query):
            return None
        try:
            copy = tree.copy()
            _strip_catalog(copy, database)
            schema = cast("dict[str, object]", self.catalog.typing_schema())
            q = qualify(
                copy,
                schema=schema,
                db=DEFAULT_SCHEMA,
                dialect="tsql",
                validate_qualify_columns=False,
                quote_identifiers=False,
                identify=False,
            )
            q = annotate_types(q, schema=schema, dialect="tsql")
            root = build_scope(q)
        except (SqlglotError, OptimizeError, KeyError, ValueError, AttributeError, TypeError):
            return None
        out: list[OutputColumn] = []
        for proj in q.selects:
            inner = proj.this if isinstance(proj, exp.Alias) else proj
            if isinstance(inner, exp.Parameter) and _variable_name(inner):
                out.append(OutputColumn(proj.alias_or_name, None, param=_variable_name(inner)))
                continue
            base = self._resolve_base(root, inner) if isinstance(inner, exp.Column) else None
            if base is not None:
                out.append(OutputColumn(proj.alias_or_name, base, base=True))
                continue
            out.append(OutputColumn(proj.alias_or_name, _expression_type(inner)))
        return tuple(out)

    def _resolve_base(
        self, scope: Scope | None, col: exp.Column, depth: int = 0
    ) -> ColumnType | None:
        if scope is None or depth > 8:
            return None
        source = scope.sources.get(col.table)
        if isinstance(source, exp.Table):
            table = self.catalog.table(source.db or DEFAULT_SCHEMA, source.name)
            found = table.column(col.name) if table else None
            return found.type if found else None
        if isinstance(source, Scope) and isinstance(source.expression, exp.Select):
            for proj in source.expression.selects:
                if proj.alias_or_name.casefold() == col.name.casefold():
                    inner = proj.this if isinstance(proj, exp.Alias) else proj
                    if isinstance(inner, exp.Column):
                        return self._resolve_base(source, inner, depth + 1)
                    return None
        return None

    def translate_scalar(self, text: str) -> str:
        """A DEFAULT/CHECK/computed/filter expression as SQLite SQL (columns unqualified)."""
        tree = parse_tsql(f"SELECT {text}")
        assert isinstance(tree, exp.Select)
        expr = tree.expressions[0]
        params: set[str] = set()
        for node in list(expr.walk()):
            replacement = _rewrite_node(node, params)
            if replacement is not None and replacement is not node:
                if node is expr:
                    expr = replacement
                else:
                    node.replace(replacement)
        if params:
            raise errors.unsupported("variables in a DEFAULT or CHECK expression")
        return expr.sql("sqlite")


def parse_tsql(text: str) -> exp.Expression:
    try:
        trees = sqlglot.parse(text, read="tsql", error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        info = exc.errors[0] if exc.errors else {}
        near = (info.get("highlight") or "").strip() or text.strip().split()[-1]
        raise errors.syntax_near(near) from None
    except SqlglotError as exc:
        raise errors.syntax_error("", str(exc)) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise errors.syntax_near(text.strip().split()[-1] if text.strip() else "")
    tree = trees[0]
    assert isinstance(tree, exp.Expression)
    if isinstance(tree, exp.Command):
        raise errors.unsupported(f"{tree.this} {str(tree.expression)[:40]}".strip())
    return tree


def _describe(node: exp.Expression) -> str:
    return type(node).__name__.upper()


def _variable_name(node: exp.Expression) -> str | None:
    """'x' for a T-SQL @x (not @@x), else None."""
    if isinstance(node, exp.Parameter) and isinstance(node.this, (exp.Var, exp.Identifier)):
        return node.this.name.lower()
    return None


def _strip_catalog(tree: exp.Expression, database: str) -> None:
    for table in tree.find_all(exp.Table):
        if table.catalog and table.catalog.casefold() == database.casefold():
            table.set("catalog", None)


def _sql_text_join(lateral: exp.Lateral, join: exp.Join) -> exp.Join:
    """CROSS/OUTER APPLY sys.dm_exec_sql_text(h) -> JOIN on the handle (SQLite has no LATERAL)."""
    func = lateral.this
    if isinstance(func, exp.Dot):
        func = func.expression
    if not (isinstance(func, exp.Anonymous) and func.name.lower() == "dm_exec_sql_text"):
        raise errors.unsupported("CROSS APPLY / OUTER APPLY (except with sys.dm_exec_sql_text)")
    alias = lateral.alias or "__sqltext"
    handle = func.expressions[0]
    condition = exp.EQ(
        this=exp.column("text", table=alias),
        expression=exp.Subquery(
            this=exp.select("text")
            .from_("__azsql_dmv_sql_text")
            .where(exp.EQ(this=exp.column("handle"), expression=handle.copy()))
            .limit(1)
        ),
    )
    table = exp.Table(
        this=exp.to_identifier("sys.dm_exec_sql_text", quoted=True),
        alias=exp.TableAlias(this=exp.to_identifier(alias)),
    )
    side = None if lateral.args.get("cross_apply") else "LEFT"
    return exp.Join(this=table, on=condition, side=side)


def _sql_text_from(table: exp.Table) -> None:
    """FROM sys.dm_exec_sql_text(h) -> FROM the view filtered on the handle."""
    func = table.this
    if not (isinstance(func, exp.Anonymous) and func.name.lower() == "dm_exec_sql_text"):
        raise errors.unsupported(f"table-valued function {func.sql('tsql')}")
    handle = func.expressions[0] if func.expressions else exp.null()
    sub = (
        exp.select("*")
        .from_(exp.Table(this=exp.to_identifier("sys.dm_exec_sql_text", quoted=True)))
        .where(
            exp.EQ(
                this=exp.column("text"),
                expression=exp.Subquery(
                    this=exp.select("text")
                    .from_("__azsql_dmv_sql_text")
                    .where(exp.EQ(this=exp.column("handle"), expression=handle.copy()))
                    .limit(1)
                ),
            )
        )
    )
    alias = table.alias or "dm_exec_sql_text"
    table.replace(exp.Subquery(this=sub, alias=exp.TableAlias(this=exp.to_identifier(alias))))


_DATE_UNIT_FUNCS = {exp.DateAdd: "DATEADD", exp.DateDiff: "DATEDIFF"}


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _unit(node: exp.Expression) -> exp.Literal:
    unit = node.args.get("unit") if not isinstance(node, exp.Extract) else node.this
    return exp.Literal.string((unit.name if unit is not None else "DAY").upper())


def _rewrite_node(node: exp.Expr, params: set[str]) -> exp.Expression | None:
    """T-SQL semantics SQLite lacks: one node at a time."""
    clr = rewrite_clr(node)
    if clr is not None:
        return clr
    if isinstance(node, exp.National):
        return exp.Literal.string(node.name)
    if isinstance(node, exp.Parameter):
        if isinstance(node.parent, exp.Parameter):
            return None
        if isinstance(node.this, exp.Parameter):  # @@NAME
            return _fn("AZSQL_GLOBAL", exp.Literal.string(node.this.name.upper()))
        name = _variable_name(node)
        if name is not None:
            params.add(name)
            return exp.Parameter(this=exp.Var(this=name))
        return None
    if isinstance(node, exp.CurrentTimestamp):
        return _fn("GETDATE")
    if isinstance(node, exp.CurrentUser):  # SUSER_SNAME(), SYSTEM_USER, CURRENT_USER
        return _fn("SUSER_SNAME")
    if isinstance(node, exp.CurrentSchema):
        return _fn("SCHEMA_NAME", *([node.this] if node.this is not None else []))
    if isinstance(node, exp.CurrentTimestampLTZ):
        return _fn("SYSDATETIMEOFFSET")
    if isinstance(node, exp.Uuid):
        return _fn("NEWID")
    if isinstance(node, exp.Div):
        return _fn("TSQL_DIV", node.this, node.expression)
    if isinstance(node, exp.Mod):
        return _fn("TSQL_MOD", node.this, node.expression)
    if isinstance(node, exp.Add):
        left, right = node.this, node.expression
        if _is_stringy(left) or _is_stringy(right):
            return exp.DPipe(this=left, expression=right, safe=False)
        if _is_number(left) and _is_number(right):
            return None
        return _fn("TSQL_ADD", left, right)
    if isinstance(node, exp.DateAdd):
        return _fn("DATEADD", _unit(node), node.expression, node.this)
    if isinstance(node, exp.DateDiff):
        return _fn("DATEDIFF", _unit(node), _unwrap_time(node.expression), _unwrap_time(node.this))
    if isinstance(node, exp.Extract):
        return _fn("DATEPART", _unit(node), node.expression)
    if isinstance(node, (exp.Year, exp.Month, exp.Day)):
        return _fn("DATEPART", exp.Literal.string(type(node).__name__.upper()), node.this)
    if isinstance(node, exp.TimeToStr) and node.args.get("format") is not None:
        fmt = node.args["format"].name
        if fmt in ("%B", "%A"):
            unit = "MONTH" if fmt == "%B" else "WEEKDAY"
            return _fn("DATENAME", exp.Literal.string(unit), _unwrap_time(node.this))
        return None
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return _rewrite_cast(node)
    if isinstance(node, exp.Length):
        return _fn("LEN", _unwrap_text(node.this))
    if isinstance(node, exp.Concat):
        return _fn("CONCAT", *node.expressions)
    if isinstance(node, exp.GroupConcat):  # SQLite before 3.44 has no ORDER BY in aggregates
        this = node.this
        if isinstance(this, exp.Order):
            node.set("this", this.this)
        return None
    if isinstance(node, exp.Sum) and not isinstance(node.parent, exp.Window):
        return _fn("DECSUM", node.this)  # exact for decimal/money (stored as REAL)
    if isinstance(node, exp.Anonymous) and node.name.upper() == "SCOPE_IDENTITY":
        return _fn("AZSQL_GLOBAL", exp.Literal.string("SCOPE_IDENTITY"))
    return None


def _unwrap_time(node: exp.Expression) -> exp.Expression:
    while isinstance(node, (exp.TimeStrToTime, exp.Cast)) and not isinstance(node, exp.TryCast):
        if isinstance(node, exp.Cast) and node.to.this not in (
            exp.DataType.Type.DATETIME2,
            exp.DataType.Type.DATETIME,
            exp.DataType.Type.TIMESTAMP,
        ):
            break
        node = node.this
    return node


def _unwrap_text(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.TEXT:
        return node.this
    return node


def _is_stringy(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal):
        return node.is_string
    if isinstance(node, _STRINGY):
        return True
    if isinstance(node, exp.Cast):
        return node.to.is_type(*exp.DataType.TEXT_TYPES)
    if isinstance(node, exp.Paren):
        return _is_stringy(node.this)
    if isinstance(node, exp.Add):
        return _is_stringy(node.this) or _is_stringy(node.expression)
    return False


def _is_number(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and not node.is_string


def _rewrite_cast(node: exp.Cast) -> exp.Expression:
    try:
        target = parse_type(node.to.sql("tsql"))
    except (UnknownType, ValueError):
        raise errors.unsupported(f"CAST to {node.to.sql('tsql')}") from None
    value = node.this
    if isinstance(value, exp.National):
        value = exp.Literal.string(value.name)
    return _fn(
        "TSQL_CAST",
        value,
        exp.Literal.string(target.name),
        exp.Literal.number(target.length if target.length is not None else 0),
        exp.Literal.number(target.scale or 0),
    )


_FUNCTION_TYPES: dict[str, ColumnType] = {
    "SCOPE_IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "IDENT_CURRENT": ColumnType("numeric", precision=38, scale=0),
    "GETDATE": ColumnType("datetime"),
    "GETUTCDATE": ColumnType("datetime"),
    "CURRENT_TIMESTAMP": ColumnType("datetime"),
    "SYSDATETIME": ColumnType("datetime2", scale=7),
    "SYSUTCDATETIME": ColumnType("datetime2", scale=7),
    "SYSDATETIMEOFFSET": ColumnType("datetimeoffset", scale=7),
    "NEWID": ColumnType("uniqueidentifier"),
    "DB_NAME": ColumnType("nvarchar", 128),
    "SCHEMA_NAME": ColumnType("nvarchar", 128),
    "OBJECT_NAME": ColumnType("nvarchar", 128),
    "OBJECT_SCHEMA_NAME": ColumnType("nvarchar", 128),
    "COL_NAME": ColumnType("nvarchar", 128),
    "TYPE_NAME": ColumnType("nvarchar", 128),
    "SUSER_SNAME": ColumnType("nvarchar", 128),
    "SUSER_NAME": ColumnType("nvarchar", 128),
    "USER_NAME": ColumnType("nvarchar", 128),
    "ORIGINAL_LOGIN": ColumnType("nvarchar", 128),
    "CURRENT_USER": ColumnType("nvarchar", 128),
    "SYSTEM_USER": ColumnType("nvarchar", 128),
    "HOST_NAME": ColumnType("nvarchar", 128),
    "APP_NAME": ColumnType("nvarchar", 128),
    "DB_ID": ColumnType("smallint"),
    "SCHEMA_ID": ColumnType("int"),
    "OBJECT_ID": ColumnType("int"),
    "TYPE_ID": ColumnType("int"),
    "HAS_PERMS_BY_NAME": ColumnType("int"),
    "IS_SRVROLEMEMBER": ColumnType("int"),
    "IS_MEMBER": ColumnType("int"),
    "DATALENGTH": ColumnType("int"),
    "LEN": ColumnType("int"),
    "DATEDIFF": ColumnType("int"),
    "DATEPART": ColumnType("int"),
    "DATENAME": ColumnType("nvarchar", 30),
    "OBJECTPROPERTY": ColumnType("int"),
    "COLUMNPROPERTY": ColumnType("int"),
    "QUOTENAME": ColumnType("nvarchar", 258),
    "CONCAT": ColumnType("nvarchar", -1),
    **CLR_FUNCTION_TYPES,
}
_GLOBAL_TYPES: dict[str, ColumnType] = {
    "VERSION": ColumnType("nvarchar", 300),
    "SPID": ColumnType("smallint"),
    "ROWCOUNT": ColumnType("int"),
    "TRANCOUNT": ColumnType("int"),
    "SERVERNAME": ColumnType("nvarchar", 128),
    "SERVICENAME": ColumnType("nvarchar", 128),
    "IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "SCOPE_IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "ERROR": ColumnType("int"),
    "LANGUAGE": ColumnType("nvarchar", 128),
    "LOCK_TIMEOUT": ColumnType("int"),
    "MAX_CONNECTIONS": ColumnType("int"),
    "OPTIONS": ColumnType("int"),
    "DATEFIRST": ColumnType("tinyint"),
    "TEXTSIZE": ColumnType("int"),
    "FETCH_STATUS": ColumnType("int"),
    "MICROSOFTVERSION": ColumnType("int"),
    "DBTS": ColumnType("varbinary", 8),
}


def _expression_type(node: exp.Expr) -> ColumnType | None:
    """The SQL Server type of a projection, where it can be told from the tree."""
    if (clr := clr_expression_type(node)) is not None:
        return clr
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Parameter):
        return _GLOBAL_TYPES.get(node.this.name.upper())
    if isinstance(node, exp.Anonymous):
        return _FUNCTION_TYPES.get(node.name.upper())
    if isinstance(node, exp.CurrentTimestamp):
        return ColumnType("datetime")
    if isinstance(node, exp.Uuid):
        return ColumnType("uniqueidentifier")
    if isinstance(node, exp.Length):
        return ColumnType("int")
    if isinstance(node, exp.National):
        return ColumnType("nvarchar", max(len(node.name), 1))
    if isinstance(node, exp.Literal):
        if node.is_string:
            return ColumnType("varchar", max(len(node.name), 1))
        if "." in node.name or "e" in node.name.lower():
            if "e" in node.name.lower():
                return ColumnType("float")
            digits = node.name.lstrip("-+")
            whole, _, frac = digits.partition(".")
            return ColumnType("numeric", precision=max(len(whole + frac), 1), scale=len(frac))
        return ColumnType("int") if abs(int(node.name)) < 2**31 else ColumnType("bigint")
    if isinstance(node, (exp.Cast, exp.TryCast, exp.Convert)):
        to = node.to if isinstance(node, (exp.Cast, exp.TryCast)) else node.this
        try:
            return parse_type(to.sql("tsql"))
        except (UnknownType, ValueError):
            return None
    if isinstance(node, exp.Count):
        return ColumnType("int")
    if isinstance(node, exp.CurrentUser):
        return ColumnType("nvarchar", 128)
    if isinstance(node, exp.DateAdd):
        inner = _datatype_to_column(node.this.type) if node.this is not None else None
        if inner is not None and inner.name in (
            "date",
            "datetime2",
            "datetimeoffset",
            "smalldatetime",
            "time",
        ):
            return inner
        return ColumnType("datetime")
    if isinstance(node, (exp.DateDiff, exp.Extract, exp.Year, exp.Month, exp.Day)):
        return ColumnType("int")
    if isinstance(node, exp.Avg):
        arg = node.this.type if node.this is not None else None
        if arg is not None and arg.is_type(*exp.DataType.INTEGER_TYPES):
            return ColumnType("int")
    if isinstance(node, exp.Sum):
        inner = _datatype_to_column(node.this.type) if node.this is not None else None
        if inner is not None and inner.name in ("decimal", "numeric"):
            return ColumnType("decimal", precision=38, scale=inner.scale)
        if inner is not None and inner.name in ("money", "smallmoney"):
            return ColumnType("money", precision=19, scale=4)
        if inner is not None and inner.name in ("tinyint", "smallint"):
            return ColumnType("int")
        return inner
    return _datatype_to_column(node.type)


def _datatype_to_column(dt: exp.DataType | None) -> ColumnType | None:
    if dt is None or dt.this in (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return None
    if dt.this == exp.DataType.Type.BOOLEAN:
        return ColumnType("bit")
    text = dt.sql("tsql")
    if dt.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR) and not dt.expressions:
        text += "(max)" if dt.this == exp.DataType.Type.NVARCHAR else "(8000)"
    try:
        return parse_type(text)
    except (UnknownType, ValueError):
        return None
