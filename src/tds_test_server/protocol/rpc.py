"""Running requests: SQL batches and RPCs (several per message), streaming their results.

Everything here runs on the session's thread. Handlers are generators that
yield framed packets; the session sends each chunk as it comes, so a long result
travels while more rows are produced, and ATTENTION (a threading.Event set by
the connection's reader thread) is checked between row chunks and statements.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..results import (
    ColumnType,
    Done,
    EngineSession,
    Message,
    Param,
    ProcedureEnded,
    ProcedureStarted,
    Result,
    ResultSet,
    ReturnStatus,
    ReturnValue,
    TdsError,
)
from . import tokens
from .packets import PacketFramer, ProtocolError, Reader, skip_all_headers
from .types import InvalidValue, column_encoder, read_type_info

log = logging.getLogger(__name__)

SP_EXECUTESQL = "sp_executesql"
SP_PREPARE = "sp_prepare"
SP_EXECUTE = "sp_execute"
SP_PREPEXEC = "sp_prepexec"
SP_UNPREPARE = "sp_unprepare"
SP_PREPEXECRPC = "sp_prepexecrpc"
SP_RESET_CONNECTION = "sp_reset_connection"

PROC_IDS = {
    1: "sp_cursor",
    2: "sp_cursoropen",
    3: "sp_cursorprepare",
    4: "sp_cursorexecute",
    5: "sp_cursorprepexec",
    6: "sp_cursorunprepare",
    7: "sp_cursorfetch",
    8: "sp_cursoroption",
    9: "sp_cursorclose",
    10: SP_EXECUTESQL,
    11: SP_PREPARE,
    12: SP_EXECUTE,
    13: SP_PREPEXEC,
    14: SP_PREPEXECRPC,
    15: SP_UNPREPARE,
}
# Driver probes that faults (error/delay/drop @query) leave alone.
DRIVER_PROBES = ("sp_datatype_info", "sp_describe_undeclared_parameters", SP_UNPREPARE)

ROWS_PER_CHUNK = 1000
FLUSH_BYTES = 256 * 1024
_INT_TYPE = ColumnType("int")
_INT_ENCODER = column_encoder(_INT_TYPE)

PARAM_BYREF = 0x01
PARAM_ENCRYPTED = 0x08
_BATCH_SEPARATORS = (0xFF, 0xFE, 0x80)


@dataclass
class RpcCall:
    name: str  # procedure name as sent, or the well-known name of a ProcID
    params: list[Param]
    param_names: list[str]  # as sent ('' for positional)


def proc_name(name: str) -> str:
    """`[sys].[sp_x]` -> `sp_x`: the bare, lower-case procedure name."""
    return name.replace("[", "").replace("]", "").rsplit(".", 1)[-1].strip().lower()


def parse_rpc(payload: bytes) -> list[RpcCall]:
    start, _ = skip_all_headers(payload)
    r = Reader(payload, start)
    calls: list[RpcCall] = []
    while r.remaining():
        name_length = r.u16()
        if name_length == 0xFFFF:
            proc_id = r.u16()
            name = PROC_IDS.get(proc_id, f"procedure id {proc_id}")
        else:
            name = r.take(name_length * 2).decode("utf-16-le")
        r.u16()  # option flags (recompile, no metadata): nothing to honour here
        params: list[Param] = []
        names: list[str] = []
        while r.remaining() and r.peek() not in _BATCH_SEPARATORS:
            pname = r.b_varchar()
            status = r.u8()
            if status & PARAM_ENCRYPTED:
                raise ProtocolError(
                    "Always Encrypted parameters are not supported by the TDS test server"
                )
            ctype, read_value = read_type_info(r)
            try:
                value = read_value(r)
            except InvalidValue as exc:
                raise invalid_parameter(len(params) + 1, pname, exc.type_name) from None
            params.append(Param(pname, ctype, value, output=bool(status & PARAM_BYREF)))
            names.append(pname)
        calls.append(RpcCall(name, params, names))
        if r.remaining():
            r.u8()  # the separator between RPCs of one message
    return calls


def invalid_parameter(ordinal: int, name: str, type_name: str) -> TdsError:
    """SQL Server's 8023, for a parameter value its type cannot hold."""
    return TdsError(
        8023,
        "The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream"
        f' is incorrect. Parameter {ordinal} ("{name}"): The supplied value is not a valid'
        f" instance of data type {type_name}. Check the source data for invalid values. An"
        " example of an invalid value is data of numeric type with scale greater than"
        " precision.",
    )


_DECLARATION = re.compile(r"^\s*(@[\w@#$]+)\s+(.*?)(\s+(?:OUT|OUTPUT))?\s*$", re.I | re.S)


def parse_declarations(text: str) -> list[tuple[str, bool]]:
    """'@P1 int,@P2 decimal(10,2) OUTPUT' -> [('@P1', False), ('@P2', True)]."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    out: list[tuple[str, bool]] = []
    for part in parts:
        if not part.strip():
            continue
        match = _DECLARATION.match(part)
        if match is None:
            raise TdsError(102, f"Incorrect syntax near '{part.strip()[:40]}'.", severity=15)
        out.append((match.group(1), match.group(3) is not None))
    return out


@dataclass
class Prepared:
    declarations: str
    statement: str  # for sp_prepexecrpc, the name of the procedure it calls
    procedure: bool = False


@dataclass
class SessionState:
    """What one session keeps between requests; used from the session's thread."""

    engine: EngineSession
    packet_size: int
    statements: list[str]
    rpcs: list[str]
    attention: threading.Event = field(default_factory=threading.Event)
    attention_acked: bool = False
    prepared: dict[int, Prepared] = field(default_factory=dict)
    descriptor: bytes = b"\x00" * 8
    reset_pending: bool = False
    _handles: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _transactions: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_handle(self) -> int:
        return next(self._handles)

    def begin_token(self) -> bytes:
        self.descriptor = next(self._transactions).to_bytes(8, "little")
        return tokens.envchange_bytes(tokens.ENV_BEGIN_TRAN, self.descriptor, b"")

    def end_token(self, kind: int) -> bytes:
        old, self.descriptor = self.descriptor, b"\x00" * 8
        return tokens.envchange_bytes(kind, b"", old)


class Response:
    """One reply message: tokens are buffered, cut into packets, handed out in chunks."""

    def __init__(self, state: SessionState):
        self.framer = PacketFramer(state.packet_size)
        self.buf = bytearray()
        self.state = state
        self.attention = state.attention
        self.close_after = False  # a severity >= 20 error ends the session
        self.return_status = 0  # RETURN's value in the procedure an RPC called
        if state.reset_pending:  # the client asked for a connection reset with this request
            state.reset_pending = False
            self.add(tokens.envchange_bytes(tokens.ENV_RESET_ACK, b"", b""))

    def add(self, data: bytes) -> None:
        self.buf += data

    def ready(self) -> bytes | None:
        if len(self.buf) >= FLUSH_BYTES:
            return self.framer.frame(self.buf, final=False)
        return None

    def finish(self) -> bytes:
        return self.framer.frame(self.buf, final=True)

    def acknowledge_attention(self) -> bytes:
        """Stop here: DONE with the attention bit follows the last whole token.

        Packets already sent may end in the middle of a token, so the buffered
        rest is kept: the client parses tokens up to the acknowledgement.
        """
        self.add(tokens.done(tokens.DONE_ATTN))
        self.state.attention_acked = True
        return self.finish()

    def error(self, exc: TdsError, *, proc: str = "") -> None:
        for each in (*exc.preceding, exc, *exc.following):  # on the statement's line
            self.add(
                tokens.message(
                    each.number,
                    each.message,
                    state=each.state,
                    severity=each.severity,
                    line=exc.line,
                    proc=proc,
                )
            )
        if exc.severity >= 20:
            self.close_after = True


# (status, rowcount, curcmd) of the DONE a statement ends with.
DoneInfo = tuple[int, int, int]


def stream_result(
    resp: Response, result: Result, returns: list[ReturnValue]
) -> Generator[bytes, None, DoneInfo | None]:
    """Tokens of one engine result; the DONE it needs is returned, not written."""
    if isinstance(result, ResultSet):
        writer = tokens.RowWriter.of(tuple(result.columns))
        resp.add(writer.metadata)
        count = 0
        rows = result.rows
        while True:
            chunk = list(itertools.islice(rows, ROWS_PER_CHUNK))
            if not chunk:
                break
            resp.add(writer.rows(chunk))
            count += len(chunk)
            out = resp.ready()
            if out:
                yield out
            if resp.attention.is_set():
                return None
        return tokens.DONE_COUNT, count, tokens.CMD_SELECT
    if isinstance(result, Done):
        if result.row_count is None:
            return 0, 0, 0
        return tokens.DONE_COUNT, result.row_count, 0
    if isinstance(result, Message):
        resp.add(
            tokens.message(result.number, result.text, state=result.state, severity=result.severity)
        )
        return None
    if isinstance(result, ReturnValue):
        returns.append(result)
        return None
    if isinstance(result, ReturnStatus):
        resp.return_status = result.value
        return None
    if isinstance(result, ProcedureEnded):
        resp.add(tokens.done(tokens.DONE_MORE, token=tokens.DONEPROC))
        return None
    if isinstance(result, ProcedureStarted):
        return None
    raise TypeError(f"engine yielded {type(result).__name__}, not a Result")


def internal_error(exc: BaseException) -> TdsError:
    log.exception("TDS test server: unexpected error while running a request", exc_info=exc)
    return TdsError(
        50000, f"Internal error in the TDS test server: {type(exc).__name__}: {exc}", severity=16
    )


def run_batch(state: SessionState, sql: str) -> Generator[bytes, None, None]:
    """A SQL batch: each statement's DONE is held until we know whether another follows."""
    resp = Response(state)
    state.statements.append(sql)
    before = state.engine.trancount
    database, language = state.engine.info.database, state.engine.info.language
    pending: DoneInfo | None = None
    failure: TdsError | None = None
    returns: list[ReturnValue] = []
    procedures = 0  # how deep in procedures that EXEC runs: their statements end in proc
    try:
        for result in state.engine.execute(sql):
            if pending is not None:  # another result follows: the held DONE gets MORE
                resp.add(tokens.done(pending[0] | tokens.DONE_MORE, pending[1], curcmd=pending[2]))
                pending = None
            procedures += isinstance(result, ProcedureStarted) - isinstance(result, ProcedureEnded)
            done_info = yield from stream_result(resp, result, returns)
            if resp.attention.is_set():
                break
            in_proc = procedures or (isinstance(result, Done) and result.in_proc)
            if done_info is not None and in_proc:
                add_doneinproc(resp, done_info)
            elif done_info is not None:
                pending = done_info
    except TdsError as exc:
        failure = exc
    except Exception as exc:
        if not resp.attention.is_set():  # a cancelled statement may fail any way it likes
            failure = internal_error(exc)
    if resp.attention.is_set():
        yield resp.acknowledge_attention()
        return
    resp.add(environment_change(state, database, language))
    if failure is not None:
        if pending is not None:
            resp.add(tokens.done(pending[0] | tokens.DONE_MORE, pending[1], curcmd=pending[2]))
        resp.add(transaction_change(state, before))
        resp.error(failure)
        resp.add(tokens.done(tokens.DONE_ERROR))
    else:
        resp.add(transaction_change(state, before))
        status, rowcount, curcmd = pending if pending is not None else (0, 0, 0)
        resp.add(tokens.done(status, rowcount, curcmd=curcmd))
    yield resp.finish()
    if resp.close_after:
        raise SessionEnded


class SessionEnded(Exception):
    """Raised after the last bytes of a session were handed out (fatal error)."""


def environment_change(state: SessionState, database: str, language: str) -> bytes:
    """ENVCHANGE when a request changed what the client tracks ([MS-TDS] 2.2.7.9): the
    database (USE) and the language (SET LANGUAGE), each with its value before."""
    info = state.engine.info
    changes = b""
    if info.database != database:
        changes += tokens.envchange(tokens.ENV_DATABASE, info.database, database)
    if info.language != language:
        changes += tokens.envchange(tokens.ENV_LANGUAGE, info.language, language)
    return changes


def transaction_change(state: SessionState, before: int) -> bytes:
    """ENVCHANGE when a batch opened or closed a transaction (BEGIN TRAN / COMMIT in SQL)."""
    after = state.engine.trancount
    if before == 0 and after > 0:
        return state.begin_token()
    if before > 0 and after == 0:
        return state.end_token(tokens.ENV_COMMIT_TRAN)
    return b""


def run_rpcs(state: SessionState, calls: list[RpcCall]) -> Generator[bytes, None, None]:
    resp = Response(state)
    for index, call in enumerate(calls):
        state.rpcs.append(call.name)
        before = state.engine.trancount
        database, language = state.engine.info.database, state.engine.info.language
        try:
            status = yield from run_rpc(state, resp, call)
        except TdsError as exc:
            resp.error(exc, proc=call.name)
            status = tokens.DONE_ERROR
        except Exception as exc:
            if not resp.attention.is_set():
                resp.error(internal_error(exc), proc=call.name)
            status = tokens.DONE_ERROR
        if resp.attention.is_set():
            yield resp.acknowledge_attention()
            return
        resp.add(environment_change(state, database, language))
        resp.add(transaction_change(state, before))
        more = tokens.DONE_MORE if index < len(calls) - 1 else 0
        resp.add(tokens.done(status | more, token=tokens.DONEPROC))
        if resp.close_after:
            break
        out = resp.ready()
        if out:
            yield out
    yield resp.finish()
    if resp.close_after:
        raise SessionEnded


def _positional(call: RpcCall, index: int, what: str) -> Any:
    if index >= len(call.params):
        raise TdsError(
            201,
            f"Procedure or function '{call.name}' expects parameter '{what}', "
            "which was not supplied.",
            severity=16,
        )
    return call.params[index].value


def _bind(declarations: str, values: list[Param]) -> list[Param]:
    """Name positional values after the declarations ('@P1 int,...'); keep names sent."""
    declared = parse_declarations(declarations) if declarations else []
    bound: list[Param] = []
    for i, param in enumerate(values):
        name, output = param.name, param.output
        if not name:
            if i >= len(declared):
                raise TdsError(8144, "Procedure or function has too many arguments specified.")
            name, output = declared[i][0], declared[i][1] or param.output
        bound.append(Param(name, param.type, param.value, output))
    return bound


def run_rpc(state: SessionState, resp: Response, call: RpcCall) -> Generator[bytes, None, int]:
    """One RPC up to (not including) its DONEPROC; returns the DONEPROC status."""
    name = proc_name(call.name)
    returns: list[ReturnValue] = []
    handle: int | None = None
    resp.return_status = 0
    if name == SP_EXECUTESQL:
        statement = _text(_positional(call, 0, "@stmt"))
        declarations = _text(call.params[1].value) if len(call.params) > 1 else ""
        params = _bind(declarations, call.params[2:])
        state.statements.append(statement)
        yield from _statements(resp, state.engine.execute(statement, params), returns)
    elif name in (SP_PREPEXEC, SP_PREPARE):
        declarations = _text(_positional(call, 1, "@params") or "")
        statement = _text(_positional(call, 2, "@stmt"))
        parse_declarations(declarations)
        handle = state.new_handle()
        state.prepared[handle] = Prepared(declarations, statement)
        state.statements.append(statement)
        if name == SP_PREPEXEC:
            params = _bind(declarations, call.params[3:])
            yield from _statements(resp, state.engine.execute(statement, params), returns)
    elif name == SP_PREPEXECRPC:
        # ODBC Driver 18 sends {CALL proc (?, ?)} this way: a handle, the procedure's
        # name, then the procedure's own parameters.
        procedure = _text(_positional(call, 1, "@procedure"))
        handle = state.new_handle()
        state.prepared[handle] = Prepared("", procedure, procedure=True)
        results = state.engine.call_procedure(procedure, call.params[2:])
        yield from _statements(resp, results, returns)
    elif name == SP_EXECUTE:
        prepared = _prepared(state, _positional(call, 0, "@handle"))
        if prepared.procedure:
            results = state.engine.call_procedure(prepared.statement, call.params[1:])
        else:
            params = _bind(prepared.declarations, call.params[1:])
            state.statements.append(prepared.statement)
            results = state.engine.execute(prepared.statement, params)
        yield from _statements(resp, results, returns)
    elif name == SP_RESET_CONNECTION:  # by name, as pytds's pool sends it
        while state.engine.trancount > 0:
            state.engine.rollback()
        state.prepared.clear()
        state.engine.reset_connection()
    elif name == SP_UNPREPARE:
        state.prepared.pop(int(_positional(call, 0, "@handle") or 0), None)
    elif name.startswith("sp_cursor") or name.startswith("procedure id"):
        raise TdsError(
            2812,
            f"The TDS test server does not support {call.name} (server-side "
            "cursors); use default result sets.",
            severity=16,
        )
    else:
        yield from _statements(resp, state.engine.call_procedure(call.name, call.params), returns)
    resp.add(tokens.return_status(resp.return_status))
    resp.return_status = 0
    if handle is not None:
        resp.add(
            tokens.return_value(
                0, call.param_names[0] if call.param_names else "", _INT_ENCODER, handle
            )
        )
    # ParamOrdinal ([MS-TDS] RETURNVALUE): the parameter's position in this RPC's parameters.
    skipped = {SP_PREPEXECRPC: 2, SP_EXECUTE: 1}.get(name, 0)
    for ordinal, value in enumerate(returns, start=1):
        if value.position is not None:
            ordinal = value.position + skipped
        resp.add(tokens.return_value(ordinal, value.name, column_encoder(value.type), value.value))
    return 0


def _statements(
    resp: Response, results: Iterator[Result], returns: list[ReturnValue]
) -> Generator[bytes, None, None]:
    """Statements inside an RPC: each ends with a DONEINPROC right away."""
    for result in results:
        done_info = yield from stream_result(resp, result, returns)
        if resp.attention.is_set():
            return
        if done_info is not None:
            add_doneinproc(resp, done_info)


def add_doneinproc(resp: Response, done_info: DoneInfo) -> None:
    """The DONEINPROC that ends a statement inside a procedure. A statement that reports
    no count (DML under SET NOCOUNT ON, SET, ...) sends none: NOCOUNT ON "prevents the
    sending of DONEINPROC messages" (SET NOCOUNT); a result set still ends with one."""
    status, rowcount, curcmd = done_info
    if status & tokens.DONE_COUNT:
        resp.add(
            tokens.done(status | tokens.DONE_MORE, rowcount, token=tokens.DONEINPROC, curcmd=curcmd)
        )


def _prepared(state: SessionState, handle: Any) -> Prepared:
    try:
        return state.prepared[int(handle)]
    except (KeyError, TypeError, ValueError):
        raise TdsError(
            8179, f"Could not find prepared statement with handle {handle}.", severity=16
        ) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


TM_BEGIN = 5
TM_COMMIT = 7
TM_ROLLBACK = 8


def is_commit(payload: bytes) -> bool:
    """Whether a transaction manager request is a COMMIT."""
    start, _ = skip_all_headers(payload)
    return Reader(payload, start).u16() == TM_COMMIT


def run_transaction(state: SessionState, payload: bytes) -> Generator[bytes, None, None]:
    """Transaction manager request: begin, commit or rollback (optionally begin again)."""
    resp = Response(state)
    try:
        start, _ = skip_all_headers(payload)
        r = Reader(payload, start)
        request = r.u16()
        if request == TM_BEGIN:
            r.u8()  # isolation level: SQLite has one
            state.engine.begin()
            resp.add(state.begin_token())
        elif request in (TM_COMMIT, TM_ROLLBACK):
            r.b_varchar()  # transaction name
            begin_again = r.remaining() > 0 and r.u8() & 0x01
            if request == TM_COMMIT:
                state.engine.commit()
                resp.add(state.end_token(tokens.ENV_COMMIT_TRAN))
            else:
                state.engine.rollback()
                resp.add(state.end_token(tokens.ENV_ROLLBACK_TRAN))
            if begin_again:
                state.engine.begin()
                resp.add(state.begin_token())
        else:
            raise TdsError(
                0,
                f"Transaction manager request {request} (distributed "
                "transactions, savepoints) is not supported by the TDS test server.",
            )
        resp.add(tokens.done())
    except (TdsError, ProtocolError) as exc:
        error = exc if isinstance(exc, TdsError) else TdsError(0, str(exc))
        resp.error(error)
        resp.add(tokens.done(tokens.DONE_ERROR))
    yield resp.finish()


def is_driver_probe(calls: list[RpcCall]) -> bool:
    return all(proc_name(c.name).startswith(DRIVER_PROBES) for c in calls)


def batch_is_driver_probe(sql: str) -> bool:
    """FreeTDS sends the type probes as SQL text: 'sp_datatype_info_100 12,3'."""
    return sql.lstrip().lower().startswith(("sp_datatype_info", "exec sp_datatype_info"))


def parse_batch(payload: bytes) -> str:
    start, _ = skip_all_headers(payload)
    if (len(payload) - start) % 2:
        raise ProtocolError("SQL batch text has an odd number of bytes (not UTF-16LE)")
    return payload[start:].decode("utf-16-le", "replace")
