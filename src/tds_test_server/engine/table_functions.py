"""Multi-statement table-valued functions: CREATE [OR ALTER] FUNCTION s.f (@p type
[= default], ...) RETURNS @r TABLE (column definitions) [WITH ...] [AS] BEGIN ... RETURN
END, read in FROM (`FROM s.f(1, @v) AS f`, a join, a subquery's FROM).

Written from Microsoft's CREATE FUNCTION page (the multi-statement form: the return
table is declared as a table variable's columns, and the body, a BEGIN ... END block,
fills it; its last statement is RETURN without a value, Msg 455 otherwise) and
"Create user-defined functions" (a function may not change the database: INSERT, UPDATE,
DELETE and MERGE only on its own table variables, no EXEC or PRINT, Msg 443 when it is
created). sys.objects type TF (SQL_TABLE_VALUED_FUNCTION), its return table's columns
in sys.columns and its parameters in sys.parameters, as an inline function's.

A call runs the body before the statement (or the expression of SET, DECLARE or IF)
that reads it, in a scope of its own: the parameters bound to the arguments (DEFAULT:
the parameter's default; none left out, Msg 313, none too many, Msg 8144), the return
table a table variable (table_variables.py) the body fills with DECLARE, SET, INSERT,
UPDATE, DELETE, IF, WHILE and cursors. The statement then reads that table in the
call's place, so its columns have the declared types; the table goes when the statement
ends. Reading one needs SELECT on it (Msg 229, as for a view); its body reads tables
under ownership chaining, as a procedure's does. An argument must be known before the
statement runs (a constant, a variable, a parameter): CROSS APPLY of one is then a cross
join, OUTER APPLY a left join; with a column as an argument it is 40517.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot.tokens import Token, TokenType

from ..results import Result, TdsError
from . import errors
from .batch_flow import holds
from .batches import Statement, statement_tokens, tokenize, word
from .body_flow import Block, Node, Return, leaves, parse_body, run_flow
from .catalog import DEFAULT_SCHEMA
from .ddl_parse import parse_create_table
from .module_headers import ProcParam, function_header, is_create_procedure
from .scalar_functions import ScalarFunctions
from .session_state import Variable
from .sqltext import split_top_level
from .table_variables import declare_table
from .temp_tables import drop_made_since
from .token_stream import Tokens

_MAX_NESTING = 32  # as for views and functions (Msg 217)
_CHANGES = frozenset(["INSERT", "UPDATE", "DELETE", "MERGE"])
_SIDE_EFFECTS = frozenset(["PRINT", "EXEC", "EXECUTE", "RAISERROR", "THROW", "TRUNCATE"])
# what a body's statements may start with (a cursor's OPEN, FETCH ... as well)
_ALLOWED = frozenset(
    ["DECLARE", "SET", "SELECT", "WITH", "OPEN", "FETCH", "CLOSE", "DEALLOCATE", *_CHANGES]
)
_CALLED_AFTER = frozenset(["FROM", "JOIN", "APPLY", ","])
_WORD = re.compile(r"[^\W\d]\w*")
_QUOTED = frozenset([TokenType.STRING, TokenType.NATIONAL_STRING])
# a quick look before the tokens: a call follows one of these
_MAY_CALL = re.compile(r"\b(FROM|JOIN|APPLY)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TableFunction:
    parts: list[str]
    alter: bool  # ALTER or CREATE OR ALTER
    create: bool  # CREATE or CREATE OR ALTER
    params: list[ProcParam]
    table: str  # the return table variable's name, with its '@'
    columns: str  # its declaration: `(column definitions)`
    body: Block


class _Done(Exception):
    """RETURN: the body ends, its table filled."""


def is_multi_statement(stmt: Statement) -> bool:
    """Whether `stmt` is CREATE/ALTER FUNCTION ... RETURNS @r TABLE."""
    if not is_create_procedure(stmt, ("FUNCTION",)):
        return False
    toks = stmt.tokens
    return any(
        word(tok) == "RETURNS" and toks[i + 1].token_type == TokenType.PARAMETER
        for i, tok in enumerate(toks[:-1])
    )


def parse_table_function(stmt: Statement) -> TableFunction:
    ts = Tokens(stmt)
    alter, create, parts, params = function_header(ts)
    ts.expect_type(TokenType.PARAMETER)
    table = "@" + ts.name()
    ts.expect("TABLE")
    columns = f"({ts.parenthesized()})"
    if ts.accept("WITH"):  # SCHEMABINDING, ENCRYPTION, EXECUTE AS ...
        while not ts.at_end() and ts.peek_word() not in ("AS", "BEGIN"):
            ts.next()
    ts.accept("AS")
    if ts.peek_word() != "BEGIN":  # the body is BEGIN ... END
        raise errors.syntax_near(ts.peek_text(""))
    outer = parse_body(ts.text_between(ts.i, len(ts.toks)), "a function")
    block = outer.nodes[0]
    if len(outer.nodes) > 1 or not isinstance(block, Block):
        raise errors.syntax_near(ts.peek_text(""))
    last = block.nodes[-1] if block.nodes else None
    if not isinstance(last, Return):
        raise TdsError(
            455, "The last statement included within a function must be a return statement."
        )
    _check_statements(block)
    return TableFunction(parts, alter, create, params, table, columns, block)


def _check_statements(node: Node) -> None:
    """Msg 443 for a statement that would change the database; 40517 for one not
    modelled in a function's body."""
    for leaf in leaves(node):
        if isinstance(leaf, Return) and leaf.value.strip():
            raise TdsError(
                178,
                "A RETURN statement with a return value cannot be used in this context.",
                severity=15,
            )
        if not isinstance(leaf, Statement):
            continue
        first = leaf.words(1)[0]
        if first not in _ALLOWED and first not in _SIDE_EFFECTS:
            raise errors.unsupported(f"'{leaf.tokens[0].text}' in a function's body")
        at = _verb(leaf)  # after WITH's common table expressions
        head = word(leaf.tokens[at]) if at < len(leaf.tokens) else None
        if head in _SIDE_EFFECTS or (head in _CHANGES and not _changes_variable(leaf, at)):
            raise TdsError(
                443, f"Invalid use of a side-effecting operator '{head}' within a function."
            )
        if head == "SELECT" and not _assigns(leaf, at):
            raise TdsError(
                444, "Select statements included within a function cannot return data to a client."
            )


def _verb(stmt: Statement) -> int:
    """Where the statement's own verb is: its first token, or the first outside
    parentheses after `WITH name AS (...), ...`."""
    toks = stmt.tokens
    if word(toks[0]) != "WITH":
        return 0
    depth = 0
    for i, tok in enumerate(toks):
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        if depth == 0 and word(tok) in ("SELECT", *_CHANGES):
            return i
    return len(toks)


def _assigns(stmt: Statement, at: int) -> bool:
    """Whether the SELECT at `at` has `@v =` (or `@v += ...`) first, before FROM."""
    toks = stmt.tokens
    for i in range(at, len(toks) - 3):
        if word(toks[i]) == "FROM":
            return False
        if toks[i].token_type == TokenType.PARAMETER:
            return toks[i + 2].text.endswith("=") or toks[i + 3].text == "="
    return False


def _changes_variable(stmt: Statement, at: int) -> bool:
    """Whether INSERT [INTO], UPDATE, DELETE [FROM] or MERGE [INTO] at `at` names a table
    variable."""
    toks = stmt.tokens
    at += 2 if len(toks) > at + 2 and word(toks[at + 1]) in ("INTO", "FROM") else 1
    return len(toks) > at and toks[at].token_type == TokenType.PARAMETER


@dataclass(frozen=True)
class _Call:
    start: int  # the token of the name's first part
    end: int  # the token of the closing parenthesis
    object_id: int
    names: tuple[str, str]  # schema and name
    args: list[str]
    applied: bool  # after CROSS APPLY or OUTER APPLY
    alias: int  # the tokens of the alias that follows: 0, 1 (f) or 2 (AS f)


class TableFunctions(ScalarFunctions):
    """CREATE/ALTER of multi-statement table-valued functions and the reads of them
    (DROP FUNCTION: row_security.py, with the inline ones)."""

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        if is_multi_statement(stmt):
            return self._create_table_function
        return super()._ddl_action(stmt)

    def _create_table_function(self, stmt: Statement) -> None:
        fn = parse_table_function(stmt)
        schema, name, schema_id = self._resolve_new(fn.parts)
        ddl = parse_create_table(_as_create_table(fn.columns))
        object_id = self._function_object(
            stmt,
            schema,
            name,
            schema_id,
            "TF",
            alter=fn.alter,
            create=fn.create,
            replaced=("__azsql_parameters", "__azsql_columns"),
        )
        self._function_parameters(object_id, fn.params)
        keys = {c.casefold() for k in ddl.constraints if k.kind == "PK" for c, _ in k.columns}
        for i, column in enumerate(ddl.columns, start=1):
            self._insert_column(object_id, i, column, keys)

    # -- reads
    def _query(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Result]:
        if not self._may_call(stmt.text):  # most statements: no wrapping at all
            yield from super()._query(stmt, scope)
            return
        with self._function_results(stmt, scope) as read:
            yield from super()._query(read, scope)

    def _may_call(self, text: str) -> bool:
        """Whether `text` may call a multi-statement function: one exists, and the text
        has a word a call follows."""
        return self.catalog.multi_statement_functions and _MAY_CALL.search(text) is not None

    def _evaluate(self, text: str, scope: dict[str, Variable]) -> Any:
        """An expression (SET's, IF's, DECLARE's) with a subquery that reads one."""
        if not self._may_call(text):
            return super()._evaluate(text, scope)
        with self._function_results(Statement(text, tokenize(text), 1), scope) as read:
            return super()._evaluate(read.text, scope)

    @contextlib.contextmanager
    def _function_results(self, stmt: Statement, scope: dict[str, Variable]) -> Iterator[Statement]:
        """`stmt` with each call's result table in its place; the tables the calls made
        go when the statement ends (not those it makes itself: SELECT ... INTO #t)."""
        calls = self._table_function_calls(stmt) if self._may_call(stmt.text) else []
        if not calls:
            yield stmt
            return
        before = set(self.temp_tables)
        try:
            read = self._with_results(stmt, calls, scope)
        except BaseException:
            drop_made_since(self.conn, self.temp_tables, before)
            raise
        made = set(self.temp_tables) - before
        try:
            yield read
        finally:
            drop_made_since(self.conn, self.temp_tables, set(self.temp_tables) - made)

    def _table_function_calls(self, stmt: Statement) -> list[_Call]:
        """The calls of multi-statement functions after FROM, JOIN or APPLY."""
        if "(" not in stmt.text:
            return []
        toks = stmt.tokens
        calls: list[_Call] = []
        for i in range(1, len(toks)):
            if word(toks[i - 1]) not in _CALLED_AFTER:
                continue
            found = self._call_at(stmt, i)
            if found is not None:
                calls.append(found)
        return calls

    def _call_at(self, stmt: Statement, i: int) -> _Call | None:
        toks = stmt.tokens
        parts: list[str] = []
        j = i
        while j < len(toks) and _is_name(toks[j]):
            parts.append(toks[j].text)
            if j + 1 < len(toks) and toks[j + 1].token_type == TokenType.DOT:
                j += 2
                continue
            j += 1
            break
        if not parts or len(parts) > 3 or j >= len(toks):
            return None
        if toks[j].token_type != TokenType.L_PAREN:
            return None
        if len(parts) == 3 and parts[0].casefold() != self.database.casefold():
            return None
        schema = parts[-2] if len(parts) > 1 else DEFAULT_SCHEMA
        oid = self.catalog.resolve_object_id(f"[{schema}].[{parts[-1]}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        if row is None or row.type != "TF":
            return None
        depth, end = 0, j
        for end in range(j, len(toks)):
            kind = toks[end].token_type
            depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
            if depth == 0:
                break
        base = toks[0].start
        inner = stmt.text[toks[j].end + 1 - base : toks[end].start - base]
        after = toks[end + 1] if end + 1 < len(toks) else None
        alias = 0
        if after is not None and word(after) == "AS":
            alias = 2
        elif after is not None and after.token_type in (TokenType.VAR, TokenType.IDENTIFIER):
            alias = 1
        named = (self.catalog.schema_names.get(row.schema_id, schema), row.name)
        applied = word(toks[i - 1]) == "APPLY" and word(toks[i - 2]) in ("CROSS", "OUTER")
        return _Call(i, end, row.object_id, named, split_top_level(inner), applied, alias)

    def _with_results(
        self, stmt: Statement, calls: list[_Call], scope: dict[str, Variable]
    ) -> Statement:
        """The statement with each call's result table in its place, the permissions
        checked first (none in a function's or procedure's own body: ownership chaining)."""
        if not self._proc_depth:
            for call in calls:
                row = self.catalog.object_row(call.object_id)
                assert row is not None
                where = (self.database, call.names[0])
                ids = (row.object_id, row.schema_id)
                self.principal.check_object(self.conn, "SELECT", row.name, ids, where)
        toks = stmt.tokens
        base = toks[0].start
        pieces: list[str] = []
        done = 0
        for call in calls:
            table = self._run_table_function(call, scope)
            start = toks[call.start].start - base
            if call.applied:  # a join: the arguments do not change from row to row
                outer = word(toks[call.start - 2]) == "OUTER"
                pieces += [stmt.text[done : toks[call.start - 2].start - base]]
                pieces += ["LEFT JOIN " if outer else "CROSS JOIN "]
            else:
                pieces += [stmt.text[done:start]]
            pieces += [table, f" AS [{call.names[1].replace(']', ']]')}]" if not call.alias else ""]
            done = toks[call.end].end + 1 - base
            if call.applied and word(toks[call.start - 2]) == "OUTER":
                last = toks[call.end + call.alias]
                pieces += [stmt.text[done : last.end + 1 - base], " ON 1 = 1"]
                done = last.end + 1 - base
        text = "".join(pieces) + stmt.text[done:]
        return Statement(text, _placed(statement_tokens(text), stmt.line - 1), stmt.line)

    def _run_table_function(self, call: _Call, scope: dict[str, Variable]) -> str:
        """Run the function's body for the call's arguments: its result table's name."""
        written = ".".join(call.names)
        definition = self.conn.execute(
            "SELECT definition FROM __azsql_objects WHERE object_id = ?", (call.object_id,)
        ).fetchone()[0]
        fn = parse_table_function(Statement(definition, tokenize(definition), 1))
        too_few = TdsError(
            313,
            "An insufficient number of arguments were supplied for the procedure or function"
            f" {written}.",
        )
        if len(call.args) < len(fn.params):
            raise too_few
        if len(call.args) > len(fn.params):
            raise TdsError(
                8144, f"Procedure or function {written} has too many arguments specified."
            )
        values = []
        for param, arg in zip(fn.params, call.args, strict=True):
            if arg.strip().upper() == "DEFAULT":
                if param.default is None:
                    raise too_few
                values.append(self._evaluate(param.default, {}))
                continue
            try:
                values.append(self._evaluate(arg, scope))
            except TdsError as exc:
                if not call.applied or exc.number not in (207, 4104):
                    raise
                raise errors.unsupported(
                    f"CROSS APPLY / OUTER APPLY of the multi-statement table-valued function"
                    f" {written} with a column as an argument; pass constants, variables or"
                    " parameters, or read the function in a loop over the rows"
                ) from None
        if self._function_depth >= _MAX_NESTING:
            raise TdsError(
                217,
                "Maximum stored procedure, function, trigger, or view nesting level exceeded"
                f" (limit {_MAX_NESTING}).",
            )
        own: dict[str, Variable] = {}
        for param, value in zip(fn.params, values, strict=True):
            key = param.name[1:].lower()
            own[key] = Variable(param.type, None)
            self._assign(own, key, value)
        declared = f"DECLARE {fn.table} TABLE {fn.columns}"
        declare_table(self, Statement(declared, tokenize(declared), 1), own)
        self._function_depth += 1
        self._proc_depth += 1
        try:
            for _ in run_flow(
                fn.body,
                lambda condition: holds(self, condition, own),
                lambda node: self._table_function_statement(node, own),
                self._cancel.is_set,
            ):
                pass  # a body's statements send nothing to the client
        except _Done:
            pass
        finally:
            self._proc_depth -= 1
            self._function_depth -= 1
        return str(own[fn.table[1:].lower()].value)

    def _table_function_statement(
        self, node: Statement | Return, scope: dict[str, Variable]
    ) -> Iterator[Result]:
        if isinstance(node, Return):
            raise _Done
        yield from self._statement(node, scope, False)


def _is_name(tok: Token) -> bool:
    """A name's part, a keyword's word too (dbo.Div, dbo.Left)."""
    if tok.token_type == TokenType.IDENTIFIER:
        return True
    return tok.token_type not in _QUOTED and _WORD.fullmatch(tok.text) is not None


def _as_create_table(columns: str) -> Statement:
    text = f"CREATE TABLE [#returned] {columns}"
    return Statement(text, tokenize(text), 1)


def _placed(toks: list[Token], lines: int) -> list[Token]:
    """Tokens counted from the statement's first line on the line the statement is on."""
    for tok in toks:
        tok.line += lines
    return toks
