"""User stored procedures: CREATE [OR ALTER] PROCEDURE, DROP PROCEDURE, and running one by
EXEC in a batch or by RPC, with parameters (defaults, OUTPUT), several result sets and RETURN.

Written from Microsoft's CREATE PROCEDURE and EXECUTE pages: CREATE PROCEDURE must be the
first statement of its batch and takes the rest of it as its body; arguments come by
position first, then by name; a parameter without a default must be given; OUTPUT
parameters hand their last value back; RETURN ends the procedure with an integer status
(0 without a value). sys.parameters keeps no defaults for T-SQL procedures
(has_default_value is 0): they live in sys.sql_modules.definition, as on SQL Server.
A body may hold IF, WHILE, BEGIN ... END (batch_flow.py) and TRY...CATCH (try_catch.py);
an error leaving it names the procedure (ERROR_PROCEDURE) and its line in the definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot.tokens import TokenType

from ..results import (
    Param,
    ProcedureEnded,
    ProcedureStarted,
    Result,
    ReturnStatus,
    ReturnValue,
    TdsError,
)
from . import errors, functions, try_catch
from .batch_compile import refuse_unknown_calls
from .batch_flow import batch_nodes, run_nodes
from .batches import Statement, refuse_fetch_without_offset, tokenize, word
from .body_flow import Return
from .catalog import DEFAULT_SCHEMA
from .module_headers import ProcParam, is_create_procedure, module_header, parameter_list
from .procedures import Procedures
from .session_state import Variable, _now_text
from .sql_types import TYPE_IDS, storage
from .sqltext import split_name
from .synonyms import SYNONYM, procedure_base
from .table_variables import check_procedure_body
from .temp_tables import drop_made_since
from .token_stream import Tokens

_NOT_BODY_BEGIN = frozenset(["TRAN", "TRANSACTION", "TRY", "DISTRIBUTED", "CATCH"])


@dataclass(frozen=True)
class ProcDefinition:
    parts: list[str]  # the name as written
    alter: bool  # ALTER or CREATE OR ALTER
    create: bool  # CREATE or CREATE OR ALTER
    params: list[ProcParam]
    body: str  # the statements, without an enclosing BEGIN ... END
    line: int  # the definition's line the body starts on (ERROR_LINE counts from CREATE)


@dataclass
class Arg:
    """One argument of a call: by name (lower-case, with '@') or by position."""

    name: str | None
    value: Any  # in SQLite storage form
    output: bool = False
    target: str | None = None  # the batch variable an OUTPUT argument writes back to
    default: bool = False  # the DEFAULT keyword
    position: int | None = None  # its index among an RPC's parameters


class _Returned(Exception):
    """RETURN in a procedure's body: its later statements do not run."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def parse_procedure(stmt: Statement) -> ProcDefinition:
    ts = Tokens(stmt)
    alter, create, parts = module_header(ts, "PROC", "PROCEDURE")
    if ts.accept_type(TokenType.SEMICOLON):
        raise errors.unsupported("numbered procedures")
    parenthesized = ts.accept_type(TokenType.L_PAREN)
    params = parameter_list(ts)
    if parenthesized:
        ts.expect_type(TokenType.R_PAREN)
    if ts.accept("WITH"):
        while not ts.at_end() and ts.peek_word() != "AS":
            ts.next()  # RECOMPILE, ENCRYPTION, EXECUTE AS ...: nothing to honour here
    ts.expect("AS")
    body = _unwrap(ts.text_between(ts.i, len(ts.toks)))
    line = stmt.text.count("\n", 0, max(stmt.text.find(body), 0)) + 1
    return ProcDefinition(parts, alter, create, params, body, line)


def _unwrap(body: str) -> str:
    """The statements inside a body's enclosing BEGIN ... END, if it has one."""
    toks = [t for t in tokenize(body) if t.token_type != TokenType.SEMICOLON]
    if (
        len(toks) >= 2
        and word(toks[0]) == "BEGIN"
        and word(toks[1]) not in _NOT_BODY_BEGIN
        and word(toks[-1]) == "END"
    ):
        return body[toks[0].end + 1 : toks[-1].start]
    return body


class UserProcedures(Procedures):
    """CREATE/ALTER/DROP PROCEDURE and calls of user procedures."""

    # The statement dispatch of EngineSession (engine.py), which runs a procedure's body.
    _statement: Callable[[Statement, dict[str, Variable], bool], Iterator[Result]]

    def _batch_statements(self, sql: str) -> list[Statement]:
        """A batch's statements; CREATE PROCEDURE takes the whole batch as one statement."""
        statements = self.engine.split(sql)
        # The splitter cuts CREATE OR | ALTER PROCEDURE in two: look at the whole batch.
        # CREATE FUNCTION, too, takes its whole batch.
        modules = ("PROC", "PROCEDURE", "FUNCTION", "TRIGGER")
        if statements and (
            is_create_procedure(statements[0], modules)
            or statements[0].words(3) == ["CREATE", "OR", None]
        ):
            first = statements[0]
            whole = Statement(sql[first.tokens[0].start :], tokenize(sql), first.line)
            if is_create_procedure(whole, modules):
                return [whole]
        for stmt in statements[1:]:
            if is_create_procedure(stmt, modules):
                what = next((m for m in modules[2:] if m in stmt.words(4)), "PROCEDURE")
                raise TdsError(
                    111,
                    f"'CREATE/ALTER {what}' must be the first statement in a query batch.",
                    severity=15,
                    line=stmt.line,
                )
        refuse_fetch_without_offset(statements)
        refuse_unknown_calls(statements)
        return statements

    def _ddl_action(self, stmt: Statement) -> Callable[[Statement], object]:
        w = stmt.words(2)
        if is_create_procedure(stmt):
            return self._create_procedure
        if w[0] == "DROP" and w[1] in ("PROC", "PROCEDURE"):
            return self._drop_procedure
        return super()._ddl_action(stmt)

    # -- DDL
    def _create_procedure(self, stmt: Statement) -> None:
        proc = parse_procedure(stmt)
        check_procedure_body(self.engine.split(proc.body) if proc.body.strip() else [])
        schema, name, schema_id = self._resolve_new(proc.parts)
        seen: set[str] = set()
        for p in proc.params:
            if p.name.casefold() in seen:
                raise TdsError(
                    134,
                    f"The variable name '{p.name}' has already been declared. Variable names"
                    " must be unique within a query batch or stored procedure.",
                    severity=15,
                )
            seen.add(p.name.casefold())
        existing = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
        now = _now_text()
        if existing is not None:
            row = self.catalog.object_row(existing)
            if not proc.alter or row is None or row.type != "P":
                raise errors.object_exists(name)
            object_id = existing
            self.conn.execute(
                "UPDATE __azsql_objects SET modify_date = ?, definition = ? WHERE object_id = ?",
                (now, stmt.text, object_id),
            )
            self.conn.execute("DELETE FROM __azsql_parameters WHERE object_id = ?", (object_id,))
        elif not proc.create:
            raise errors.invalid_object(f"{schema}.{name}")
        else:
            object_id = self.catalog.next_object_id()
            self.conn.execute(
                "INSERT INTO __azsql_objects (object_id, name, schema_id, type, create_date,"
                " modify_date, definition) VALUES (?, ?, ?, 'P', ?, ?, ?)",
                (object_id, name, schema_id, now, now, stmt.text),
            )
        for i, p in enumerate(proc.params, start=1):
            max_length, precision, scale = storage(p.type)
            self.conn.execute(
                "INSERT INTO __azsql_parameters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    object_id,
                    i,
                    p.name,
                    p.type_name,
                    TYPE_IDS.get(p.type.name, 0),
                    max_length,
                    precision,
                    scale,
                    int(p.output),
                ),
            )

    def _drop_procedure(self, stmt: Statement) -> None:
        ts = Tokens(stmt)
        ts.expect("DROP")
        ts.expect("PROC", "PROCEDURE")
        if_exists = ts.accept("IF")
        if if_exists:
            ts.expect("EXISTS")
        while True:
            parts = ts.multipart()
            schema, name = self._resolve(parts)
            oid = self.catalog.resolve_object_id(f"[{schema}].[{name}]")
            row = self.catalog.object_row(oid) if oid is not None else None
            if row is None or row.type != "P":
                if not if_exists:
                    raise errors.cannot_drop("procedure", ".".join(parts))
            else:
                self.conn.execute("DELETE FROM __azsql_parameters WHERE object_id = ?", (oid,))
                self.conn.execute(
                    "DELETE FROM __azsql_extended_properties WHERE major_id = ?", (oid,)
                )
                self.conn.execute(
                    "DELETE FROM __azsql_permissions WHERE class = 1 AND major_id = ?", (oid,)
                )
                self.conn.execute("DELETE FROM __azsql_objects WHERE object_id = ?", (oid,))
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()

    # -- calls
    def _user_procedure(self, written: str) -> tuple[str, ProcDefinition] | None:
        """(display name, definition) of a user procedure named `written`, if there is one."""
        parts = split_name(written)
        if not parts or len(parts) > 3:
            return None
        schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
        oid = self.catalog.resolve_object_id(f"[{schema}].[{parts[-1]}]")
        row = named = self.catalog.object_row(oid) if oid is not None else None
        if row is not None and row.type == SYNONYM:  # EXECUTE is the synonym's (synonyms.py)
            oid = procedure_base(self.catalog, schema, parts[-1], self.database)
            row = self.catalog.object_row(oid) if oid is not None else None
        if row is None or named is None or row.type != "P":
            return None
        found = self.conn.execute(
            "SELECT definition FROM __azsql_objects WHERE object_id = ?", (oid,)
        ).fetchone()
        if found is None:
            return None
        if not self._proc_depth:  # a procedure's own EXEC: ownership chaining, no check
            schema_row = self.conn.execute(
                "SELECT name FROM __azsql_schemas WHERE schema_id = ?", (named.schema_id,)
            ).fetchone()
            where = (self.database, schema_row[0] if schema_row else schema)
            ids = (named.object_id, named.schema_id)
            self.principal.check_object(self.conn, "EXECUTE", named.name, ids, where)
        stmt = Statement(found[0], tokenize(found[0]), 1)
        return row.name, parse_procedure(stmt)

    def _rpc_arguments(self, params: list[Param]) -> list[Arg]:
        return [
            Arg(p.name.lower() or None, functions.to_sqlite(p.value, p.type), p.output, position=i)
            for i, p in enumerate(params)
        ]

    def _run_user_procedure(
        self,
        name: str,
        proc: ProcDefinition,
        args: list[Arg],
        *,
        rpc: bool,
        outer: dict[str, Variable] | None = None,
        status_target: str | None = None,
    ) -> Iterator[Result]:
        """Bind the arguments, run the body, hand back OUTPUT values and the status: as
        RETURNVALUE/RETURNSTATUS for an RPC, into the caller's variables for EXEC."""
        scope, bound = self._bind_arguments(name, proc, args)
        status = 0
        # SET NOCOUNT, TEXTSIZE, LANGUAGE, DATEFORMAT and DATEFIRST inside a procedure
        # end with it
        nocount, textsize, date_settings = self.nocount, self.textsize, self.date_settings()
        trancount = self._depth
        if not rpc:  # an RPC's own DONEPROC ends it; EXEC in a batch needs the markers
            yield ProcedureStarted()
        self._proc_depth += 1
        temporary = set(self.temp_tables)
        statements = self.engine.split(proc.body) if proc.body.strip() else []
        try:
            yield from run_nodes(
                batch_nodes(proc.body, statements, "a procedure"),
                self,
                scope,
                lambda node: self._body_statement(node, scope, proc.line),
                self._cancel.is_set,
                lambda node, walk: try_catch.attempt(self, node, walk),
            )
        except _Returned as returned:
            status = returned.status
        except TdsError as exc:
            if exc.procedure is None:  # ERROR_PROCEDURE: where it was raised
                parts = proc.parts
                schema = parts[-2] if len(parts) > 1 and parts[-2] else DEFAULT_SCHEMA
                exc.procedure = try_catch.procedure_name(self.engine.edition, schema, name)
            exc.nested = True  # a TRY of the caller's catches it
            raise
        finally:
            self._proc_depth -= 1
            drop_made_since(self.conn, self.temp_tables, temporary)
            self.nocount = nocount
            self.textsize = textsize
            self.restore_date_settings(date_settings)
        if self._depth != trancount:
            # A ROLLBACK inside rolls back the caller's transaction too (to the outermost
            # BEGIN), a BEGIN TRAN left open raises the count: SQL Server ends the call
            # with error 266 (ROLLBACK TRANSACTION page, Remarks).
            raise TdsError(
                266,
                "Transaction count after EXECUTE indicates a mismatching number of BEGIN and"
                f" COMMIT statements. Previous count = {trancount}, current count ="
                f" {self._depth}.",
                state=2,
            )
        for param, arg in bound:
            if not (param.output and arg.output):
                continue
            value = scope[param.name[1:].lower()].value
            if rpc:
                convert = functions.converter(param.type, False)
                shown = value if value is None or convert is None else convert(value)
                yield ReturnValue(param.name, param.type, shown, arg.position)
            elif arg.target is not None and outer is not None:
                self._assign(outer, arg.target, value)
        if rpc:
            yield ReturnStatus(status)
            return
        if status_target is not None and outer is not None:
            self._assign(outer, status_target, status)
        yield ProcedureEnded()

    def _body_statement(
        self, node: Statement | Return, scope: dict[str, Variable], first_line: int
    ) -> Iterator[Result]:
        """One statement of a procedure's body, whose first line is the definition's
        `first_line`; RETURN [n] ends the body with its status."""
        if isinstance(node, Return):
            text = node.value.strip()
            value = self._evaluate(text, scope) if text else 0
            raise _Returned(0 if value is None else int(value))
        try:
            yield from try_catch.read_through(self, self._statement(node, scope, False))
            self.error_number = 0
        except TdsError as exc:
            self.error_number = exc.number
            if not exc.placed:
                exc.line, exc.placed = first_line + node.line - 1, True
            self._failed()
            raise

    def _bind_arguments(
        self, name: str, proc: ProcDefinition, args: list[Arg]
    ) -> tuple[dict[str, Variable], list[tuple[ProcParam, Arg]]]:
        by_name = {p.name.lower(): p for p in proc.params}
        given: dict[str, Arg] = {}
        named_seen = False
        for i, arg in enumerate(args):
            if arg.name is None:
                if named_seen:
                    raise TdsError(
                        119,
                        f"Must pass parameter number {i + 1} and subsequent parameters as"
                        " '@name = value'. After the form '@name = value' has been used, all"
                        " subsequent parameters must be passed in the form '@name = value'.",
                        severity=15,
                    )
                if i >= len(proc.params):
                    raise TdsError(
                        8144, f"Procedure or function {name} has too many arguments specified."
                    )
                given[proc.params[i].name.lower()] = arg
            else:
                named_seen = True
                if arg.name not in by_name:
                    raise TdsError(
                        8145, f"{arg.name} is not a parameter for procedure {name}.", state=2
                    )
                given[arg.name] = arg
        scope: dict[str, Variable] = {}
        bound: list[tuple[ProcParam, Arg]] = []
        for p in proc.params:
            found = given.get(p.name.lower())
            var = Variable(p.type, None)
            scope[p.name[1:].lower()] = var
            if found is None or found.default:
                if p.default is None:
                    raise TdsError(
                        201,
                        f"Procedure or function '{name}' expects parameter '{p.name}', which"
                        " was not supplied.",
                        state=4,
                    )
                self._assign(scope, p.name[1:].lower(), self._evaluate(p.default, {}))
            else:
                self._assign(scope, p.name[1:].lower(), found.value)
            if found is not None:
                bound.append((p, found))
        return scope, bound

    def _exec_user(
        self,
        ts: Tokens,
        scope: dict[str, Variable],
        found: tuple[str, ProcDefinition],
        status_target: str | None,
    ) -> Iterator[Result]:
        """The arguments of `EXEC [@rc =] proc ...` in a batch, then the call."""
        args: list[Arg] = []
        while not ts.at_end():
            name = None
            if ts.peek_is(TokenType.PARAMETER) and ts.peek_is(TokenType.EQ, 2):
                ts.next()
                name = "@" + ts.name().lower()
                ts.next()
            target = None
            default = ts.peek_word() == "DEFAULT"
            variable = ts.peek(1)
            if ts.peek_is(TokenType.PARAMETER) and variable is not None:
                target = variable.text.lower()
            value = self._exec_value(ts, scope)
            output = ts.accept("OUTPUT", "OUT")
            args.append(Arg(name, value, output, target if output else None, default))
            if not ts.accept_type(TokenType.COMMA):
                break
        ts.end()
        display, proc = found
        yield from self._run_user_procedure(
            display, proc, args, rpc=False, outer=scope, status_target=status_target
        )
