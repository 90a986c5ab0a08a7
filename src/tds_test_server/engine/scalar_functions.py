"""Scalar user-defined functions: CREATE [OR ALTER] FUNCTION s.f (@p type [= default], ...)
RETURNS type [WITH ...] [AS] BEGIN ... RETURN expr END, DROP FUNCTION, and calls of them
in any expression (user_function_calls.py rewrites `s.f(...)` for SQLite).

Written from Microsoft's CREATE FUNCTION and "Create user-defined functions" pages. The
body is DECLARE, SET, SELECT @v = ..., IF ... [ELSE ...], WHILE (with BREAK and CONTINUE),
BEGIN ... END and RETURN; its last statement must be RETURN (Msg 455). A statement with a
side effect (INSERT, UPDATE, DELETE, PRINT, EXEC ...) is Msg 443, a SELECT that returns
rows Msg 444, both when the function is created. An argument may be DEFAULT (the
parameter's default; it cannot be left out: Msg 313, too many Msg 8144). Calling one needs
EXECUTE on it (Msg 229 before the statement runs); its body reads tables under ownership
chaining, as a procedure's does. sys.objects type FN (SQL_SCALAR_FUNCTION); sys.parameters
has the parameters and, as parameter_id 0 named '', the return type. Nesting stops at 32
levels (Msg 217).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..principals import object_denied
from ..results import ColumnType, Result, SessionInfo, TdsError
from . import errors, functions
from .batches import Statement, tokenize, word
from .body_flow import Block, If, Node, Return, While, condition_test, leaves, parse_body, run_flow
from .catalog import DEFAULT_SCHEMA, ObjectRow
from .inline_functions import in_function_body
from .module_headers import ProcParam, function_header, is_create_procedure
from .session_state import EngineHandle, Variable
from .sql_types import TYPE_IDS, UnknownType, parse_type, storage
from .token_stream import Tokens
from .translate import Query
from .triggers import Triggers
from .user_function_calls import UDF, function_calls

_MAX_NESTING = 32
_SIDE_EFFECTS = frozenset(["INSERT", "UPDATE", "DELETE", "MERGE", "PRINT", "EXEC", "EXECUTE"])


@dataclass(frozen=True)
class ScalarFunction:
    parts: list[str]
    alter: bool  # ALTER or CREATE OR ALTER
    create: bool  # CREATE or CREATE OR ALTER
    params: list[ProcParam]
    returns: ColumnType
    returns_name: str
    body: Block


class _Returned(Exception):
    def __init__(self, value: Any):
        self.value = value


def returns_table(stmt: Statement) -> bool:
    """Whether CREATE FUNCTION `stmt` returns a table (inline or multi-statement)."""
    toks = stmt.tokens
    for i, tok in enumerate(toks[:-1]):
        if word(tok) == "RETURNS":
            after = toks[i + 1]
            return word(after) == "TABLE" or after.token_type == TokenType.PARAMETER
    return False


def parse_function(stmt: Statement) -> ScalarFunction:
    ts = Tokens(stmt)
    alter, create, parts, params = function_header(ts)
    start = ts.i
    while not ts.at_end() and ts.peek_word() not in ("WITH", "AS", "BEGIN"):
        ts.next()
    type_text = ts.text_between(start, ts.i)
    try:
        returns = parse_type(type_text)
    except (UnknownType, ValueError):
        raise errors.unknown_type(type_text) from None
    if ts.accept("WITH"):  # SCHEMABINDING, RETURNS NULL ON NULL INPUT, INLINE ...
        while not ts.at_end() and ts.peek_word() not in ("AS", "BEGIN"):
            ts.next()
    ts.accept("AS")
    if ts.peek_word() != "BEGIN":  # a scalar function's body is BEGIN ... END
        raise errors.syntax_near(ts.peek_text(""))
    outer = parse_body(ts.text_between(ts.i, len(ts.toks)), "a function")
    if len(outer.nodes) > 1:  # (the first is the BEGIN ... END block)
        raise errors.syntax_near(_first_word(outer.nodes[1]))
    block = outer.nodes[0]
    assert isinstance(block, Block)
    _check_statements(block)
    if not block.nodes or not isinstance(block.nodes[-1], Return):
        raise TdsError(
            455, "The last statement included within a function must be a return statement."
        )
    declared = type_text.replace("[", "").replace("]", "").strip().lower()
    returns_name = "sysname" if declared == "sysname" else returns.name
    return ScalarFunction(parts, alter, create, params, returns, returns_name, block)


def _stored_type(name: str, max_length: int, precision: int, scale: int) -> ColumnType:
    """A type as sys.parameters keeps it (storage() of sql_types.py), back as a ColumnType."""
    if name in ("decimal", "numeric"):
        return parse_type(f"{name}({precision}, {scale})")
    if name in ("time", "datetime2", "datetimeoffset"):
        return parse_type(f"{name}({scale})")
    if name in ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary"):
        units = max_length // 2 if name in ("nchar", "nvarchar") else max_length
        return parse_type(f"{name}({'max' if max_length == -1 else units})")
    return parse_type(name)


def _first_word(node: Node) -> str:
    """What a syntax error after the body's END is near."""
    if isinstance(node, Statement):
        return node.tokens[0].text
    return {Block: "BEGIN", If: "IF", While: "WHILE", Return: "RETURN"}.get(type(node), "")


def _check_statements(node: Node) -> None:
    """Msg 443 for a statement with a side effect; only DECLARE, SET and SELECT are
    modelled among the others."""
    for leaf in leaves(node):
        if not isinstance(leaf, Statement):
            continue
        head = leaf.words(1)[0]
        if head in _SIDE_EFFECTS:
            raise TdsError(
                443, f"Invalid use of a side-effecting operator '{head}' within a function."
            )
        if head not in ("DECLARE", "SET", "SELECT"):
            raise errors.unsupported(f"'{leaf.tokens[0].text}' in a function's body")


class ScalarFunctions(Triggers):
    """CREATE/ALTER/DROP of scalar functions and the calls of them."""

    def __init__(self, engine: EngineHandle, info: SessionInfo):
        super().__init__(engine, info)
        self._functions: dict[int, tuple[int, ScalarFunction]] = {}  # by object_id
        self._function_depth = 0
        # deterministic, so a computed column may call one (SQLite refuses others there)
        call = functions.guarded(self._call_function, self)
        self.conn.create_function(UDF, -1, call, deterministic=True)
        if self.catalog.function_types is None:
            self.catalog.function_types = {
                oid: _stored_type(*row)
                for oid, *row in self.conn.execute(
                    "SELECT p.object_id, p.type_name, p.max_length, p.precision, p.scale"
                    " FROM __azsql_parameters AS p JOIN __azsql_objects AS o USING (object_id)"
                    " WHERE o.type = 'FN' AND p.parameter_id = 0"
                )
            }

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        if is_create_procedure(stmt, ("FUNCTION",)) and not returns_table(stmt):
            return self._create_scalar
        if stmt.words(2) == ["DROP", "FUNCTION"] and self._dropped_scalar(stmt) is not None:
            return self._drop_scalar
        return super()._ddl_action(stmt)

    # -- DDL
    def _create_scalar(self, stmt: Statement) -> None:
        fn = parse_function(stmt)
        schema, name, schema_id = self._resolve_new(fn.parts)
        self._check_body(fn.body)
        object_id = self._function_object(
            stmt,
            schema,
            name,
            schema_id,
            "FN",
            alter=fn.alter,
            create=fn.create,
            replaced=("__azsql_parameters",),
        )
        self._note_type(object_id, fn.returns)
        returned = ("", fn.returns, fn.returns_name, 1)
        rows = [(p.name, p.type, p.type_name, 0) for p in fn.params]
        for i, (pname, ctype, type_name, output) in enumerate([returned, *rows]):
            self.conn.execute(
                "INSERT INTO __azsql_parameters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    object_id,
                    i,
                    pname,
                    type_name,
                    TYPE_IDS.get(ctype.name, 0),
                    *storage(ctype),
                    output,
                ),
            )

    def _note_type(self, object_id: int, returns: ColumnType | None) -> None:
        """What the translator types a call of the function by (None: dropped)."""
        types = dict(self.catalog.function_types or {})
        if returns is None:
            types.pop(object_id, None)
        else:
            types[object_id] = returns
        self.catalog.function_types = types

    def _check_body(self, node: Node) -> None:
        """Msg 444 for a SELECT in the body that would return rows."""
        for leaf in leaves(node):
            if (
                isinstance(leaf, Statement)
                and leaf.words(1)[0] == "SELECT"
                and not self.engine.translator.translate(leaf.text, self.database).assign
            ):
                raise TdsError(
                    444,
                    "Select statements included within a function cannot return data to a client.",
                )

    def _dropped_scalar(self, stmt: Statement) -> ObjectRow | None:
        ts = Tokens(stmt)
        ts.expect("DROP")
        ts.expect("FUNCTION")
        if ts.accept("IF"):
            ts.expect("EXISTS")
        schema, name = self._resolve(ts.multipart())
        oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        row = self.catalog.object_row(oid) if oid is not None else None
        return row if row is not None and row.type == "FN" else None

    def _drop_scalar(self, stmt: Statement) -> None:
        row = self._dropped_scalar(stmt)
        assert row is not None
        self._note_type(row.object_id, None)
        for table in ("__azsql_parameters", "__azsql_objects"):
            self.conn.execute(f"DELETE FROM {table} WHERE object_id = ?", (row.object_id,))
        self.conn.execute(
            "DELETE FROM __azsql_permissions WHERE class = 1 AND major_id = ?", (row.object_id,)
        )

    # -- before a statement runs: EXECUTE on each function it calls, and their arguments
    def _check_select(self, q: Query) -> None:
        super()._check_select(q)
        self._check_calls(q)

    def _evaluate(self, text: str, scope: dict[str, Variable]) -> Any:
        self._check_calls(self.engine.translator.translate(f"SELECT {text}", self.database))
        return super()._evaluate(text, scope)

    def _check_calls(self, q: Query) -> None:
        if self._proc_depth:  # a function's or procedure's own call: ownership chaining
            return
        for dot, row in function_calls(q.nodes(exp.Dot), self.catalog):
            if in_function_body(dot):  # an inline function's own call: ownership chaining
                continue
            fn = self._function(row.object_id)
            self._check_arity(fn, len(dot.expression.expressions))
            if not self.principal.may(self.conn, "EXECUTE", row.object_id, row.schema_id):
                schema = self.catalog.schema_names.get(row.schema_id, DEFAULT_SCHEMA)
                raise object_denied("EXECUTE", row.name, (self.database, schema))

    def _check_arity(self, fn: ScalarFunction, count: int) -> None:
        if count == len(fn.params):
            return
        name = ".".join(self._resolve(fn.parts))
        if count < len(fn.params):
            raise TdsError(
                313,
                "An insufficient number of arguments were supplied for the procedure or"
                f" function {name}.",
            )
        raise TdsError(8144, f"Procedure or function {name} has too many arguments specified.")

    # -- a call
    def _function(self, object_id: int) -> ScalarFunction:
        """The parsed definition, kept until the catalog changes."""
        known = self._functions.get(object_id)
        if known is not None and known[0] == self.catalog.generation:
            return known[1]
        definition = self.conn.execute(
            "SELECT definition FROM __azsql_objects WHERE object_id = ?", (object_id,)
        ).fetchone()[0]
        fn = parse_function(Statement(definition, tokenize(definition), 1))
        self._functions[object_id] = (self.catalog.generation, fn)
        return fn

    def _call_function(self, object_id: int, defaults: str, *args: Any) -> Any:
        row = self.catalog.object_row(object_id)
        if row is None:
            raise errors.invalid_object(str(object_id))
        fn = self._function(object_id)
        self._check_arity(fn, len(args))
        if self._function_depth >= _MAX_NESTING:
            raise TdsError(
                217,
                "Maximum stored procedure, function, trigger, or view nesting level exceeded"
                f" (limit {_MAX_NESTING}).",
            )
        self._function_depth += 1
        self._proc_depth += 1
        try:
            scope: dict[str, Variable] = {}
            for p, value, default in zip(fn.params, args, defaults, strict=True):
                key = p.name[1:].lower()
                scope[key] = Variable(p.type, None)
                if default == "1":
                    if p.default is None:
                        raise TdsError(
                            313,
                            "An insufficient number of arguments were supplied for the"
                            f" procedure or function {'.'.join(self._resolve(fn.parts))}.",
                        )
                    value = self._evaluate(p.default, {})
                self._assign(scope, key, value)
            try:
                for _ in run_flow(
                    fn.body,
                    lambda condition: bool(self._evaluate(condition_test(condition), scope)),
                    lambda node: self._run_function_statement(node, scope),
                ):
                    pass
            except _Returned as returned:
                result = {"": Variable(fn.returns, None)}
                self._assign(result, "", returned.value)
                return result[""].value
            return None
        finally:
            self._proc_depth -= 1
            self._function_depth -= 1

    def _run_function_statement(
        self, node: Statement | Return, scope: dict[str, Variable]
    ) -> Iterator[Result]:
        if isinstance(node, Return):
            raise _Returned(self._evaluate(node.value, scope))
        head = node.words(1)[0]
        if head == "DECLARE":
            self._declare(node, scope)
        elif head == "SET":
            yield from self._set(node, scope)
        else:
            yield from self._query(node, scope)
