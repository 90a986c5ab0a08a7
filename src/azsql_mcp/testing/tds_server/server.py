"""The asyncio TDS server: connections, sessions, ATTENTION, faults and the record.

Each session runs engine work in its own single worker thread (SQLite
connections stay on one thread) while the event loop keeps reading the
socket, so ATTENTION is seen in the middle of a long result or a WAITFOR.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import platform
import ssl
import threading
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import tokens
from .faults import Fault, FaultSet, fault_error
from .login import (
    Login7,
    authenticate,
    login_reply,
    negotiated_packet_size,
    negotiated_tds_version,
    parse_login7,
)
from .packets import (
    STATUS_RESET_CONNECTION,
    STATUS_RESET_CONNECTION_SKIP_TRAN,
    Message,
    PacketType,
    ProtocolError,
    frame_message,
    read_message,
)
from .prelogin import (
    ENCRYPT_NOT_SUP,
    ENCRYPT_OFF,
    FEDAUTHREQUIRED,
    client_encryption,
    negotiate_encryption,
    parse_prelogin,
    prelogin_response,
)
from .results import EngineSession, SessionInfo, TdsError
from .rpc import (
    SessionEnded,
    SessionState,
    batch_is_driver_probe,
    is_driver_probe,
    parse_batch,
    parse_rpc,
    run_batch,
    run_rpcs,
    run_transaction,
)
from .sample import SAMPLE_DATABASE
from .tls import TlsEngine, server_context

log = logging.getLogger(__name__)

FIRST_SPID = 51
CLOSE_TIMEOUT = 5.0  # seconds a closing session may take to flush what it sent
PUMP_AHEAD = 4  # reply chunks a worker may produce before the socket has taken them
_ENCRYPTION_NAMES = {ENCRYPT_NOT_SUP: "none", ENCRYPT_OFF: "login"}


_END = object()  # the worker's last word when the handler finished


class _Outbox:
    """What a session's worker thread hands to the event loop, in batches: the worker
    wakes the loop only when the loop has taken all it posted before, so a small reply
    (one chunk, then the end) costs the loop one wake-up, not one per item."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._lock = threading.Lock()
        self._items: list[object] = []
        self._ready = asyncio.Event()

    def post(self, item: object) -> None:
        """From the worker thread."""
        with self._lock:
            self._items.append(item)
            wake = len(self._items) == 1
        if wake:
            with contextlib.suppress(RuntimeError):  # the loop is gone: server closing
                self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self) -> list[object]:
        """On the event loop: everything posted since the last take."""
        await self._ready.wait()
        self._ready.clear()
        with self._lock:
            items, self._items = self._items, []
        return items


@dataclass
class LoginRecord:
    """One LOGIN7 as the client sent it. `encryption`: none, login (only) or full."""

    user: str
    access_token: str | None
    app_name: str
    database: str
    tds_version: str
    encryption: str
    host_name: str
    library_name: str
    accepted: bool = False


@dataclass
class ServerRecord:
    """What clients sent, for tests to assert on."""

    logins: list[LoginRecord] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    rpcs: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.logins.clear()
        self.statements.clear()
        self.rpcs.clear()


def find_msodbc_driver() -> str | None:
    """Full path of Microsoft ODBC Driver 18 inside the mssql-python-odbc wheel, if installed."""
    try:
        import mssql_python_odbc
    except ImportError:
        return None
    libs = os.path.join(os.path.dirname(os.path.abspath(mssql_python_odbc.__file__)), "libs")
    machine = platform.machine().lower()
    distros = ["debian_ubuntu", "rhel", "suse"]
    if not os.path.exists("/etc/debian_version"):
        distros.reverse()
    for distro in distros:
        found = sorted(
            glob.glob(os.path.join(libs, "linux", distro, machine, "lib", "libmsodbcsql-18*.so*"))
        )
        if found:
            return found[-1]
    return None


def _odbc_value(value: str) -> str:
    """Brace-quote a connection string value when it holds separators."""
    if any(c in value for c in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


class ConnectionHelpers:
    """Connection strings for the drivers the tests use; needs host, port, user, password,
    sample. The database defaults to the sample's (AdventureWorksLT) or master."""

    host: str
    port: int
    user: str
    password: str
    sample: bool

    @property
    def default_database(self) -> str:
        return SAMPLE_DATABASE if self.sample else "master"

    def odbc_connection_string(
        self,
        driver: str = "msodbc",
        database: str | None = None,
        encrypt: bool = False,
        trust_server_certificate: bool = True,
        user: str | None = None,
        password: str | None = None,
    ) -> str:
        """An ODBC connection string; user="" leaves out UID/PWD (access-token logins)."""
        uid = self.user if user is None else user
        pwd = self.password if password is None else password
        database = self.default_database if database is None else database
        credentials = f"UID={_odbc_value(uid)};PWD={_odbc_value(pwd)};" if uid else ""
        if driver == "msodbc":
            path = find_msodbc_driver()
            if path is None:
                raise RuntimeError(
                    "Microsoft ODBC Driver 18 was not found: install the "
                    "mssql-python-odbc package (x86_64 Linux wheels only)"
                )
            return (
                f"DRIVER={{{path}}};SERVER=tcp:{self.host},{self.port};"
                f"DATABASE={_odbc_value(database)};{credentials}"
                f"Encrypt={'yes' if encrypt else 'no'};"
                f"TrustServerCertificate={'yes' if trust_server_certificate else 'no'};"
            )
        if driver == "freetds":
            return (
                f"DRIVER={{FreeTDS}};SERVER={self.host};PORT={self.port};"
                f"DATABASE={_odbc_value(database)};{credentials}TDS_Version=7.4;"
                f"Encryption={'require' if encrypt else 'off'};"
            )
        raise ValueError(f"unknown driver {driver!r}: use 'msodbc' or 'freetds'")

    def pytds_kwargs(self, database: str | None = None) -> dict[str, Any]:
        return {
            "dsn": self.host,
            "port": self.port,
            "database": self.default_database if database is None else database,
            "user": self.user,
            "password": self.password,
        }


class Channel:
    """The byte stream of one connection, with TLS switched on and off as TDS requires."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.tls: TlsEngine | None = None
        self._buffer = bytearray()

    async def read_exactly(self, n: int) -> bytes:
        if self.tls is None and not self._buffer:
            return await self.reader.readexactly(n)
        while len(self._buffer) < n:
            data = await self.reader.read(65536)
            if not data:
                raise asyncio.IncompleteReadError(bytes(self._buffer), n)
            self._buffer += self.tls.decrypt(data) if self.tls is not None else data
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    def unread(self, data: bytes) -> None:
        self._buffer[:0] = data

    def write(self, data: bytes) -> None:
        self.writer.write(self.tls.encrypt(data) if self.tls is not None else data)

    async def drain(self) -> None:
        await self.writer.drain()

    def abort(self) -> None:
        self.writer.transport.abort()


class _Attention:
    """Marks an ATTENTION that arrived while no request was running."""


class _ConnectionClosed(Exception):
    pass


class Connection:
    """One client connection from PRELOGIN to close."""

    def __init__(
        self,
        server: TdsServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        spid: int,
    ):
        self.server = server
        self.channel = Channel(reader, writer)
        self.spid = spid
        self.executor: ThreadPoolExecutor | None = None
        self.engine_session: EngineSession | None = None
        self.state: SessionState | None = None
        self.queue: asyncio.Queue[Message | ProtocolError | _Attention | None] = asyncio.Queue()
        self.busy = False
        self.attention_event = asyncio.Event()
        self.user = ""
        self.database = "master"

    async def run(self) -> None:
        try:
            encryption = await self._prelogin()
            if encryption is None:
                return
            if await self._login(encryption):
                await self._serve()
        except (asyncio.IncompleteReadError, ConnectionError, _ConnectionClosed):
            pass
        except ssl.SSLError as exc:
            log.info("TLS failed on session %d: %s", self.spid, exc)
        except ProtocolError as exc:
            log.warning("session %d: %s", self.spid, exc)
            with contextlib.suppress(Exception):
                await self._send_error(TdsError(0, f"TDS test server: {exc}", severity=20))
        except Exception:
            log.exception("session %d ended by an unexpected error", self.spid)
        finally:
            await self._cleanup()

    # --- PRELOGIN, TLS and LOGIN7 -------------------------------------------------------

    async def _prelogin(self) -> int | None:
        triggered = self.server.faults.trigger("connect")
        if triggered.action is not None:  # refuse
            self.channel.abort()
            return None
        head = await self.channel.read_exactly(1)
        if head[0] == 0x16:
            log.warning(
                "session %d: a raw TLS ClientHello (TDS 8, Encrypt=strict) is not "
                "supported; use Encrypt=yes or no",
                self.spid,
            )
            return None
        self.channel.unread(head)
        message = await read_message(self.channel.read_exactly)
        if message.type != PacketType.PRELOGIN:
            raise ProtocolError(f"expected PRELOGIN, got TDS packet type {message.type}")
        options = parse_prelogin(message.payload)
        encryption = negotiate_encryption(
            client_encryption(options), self.server.tls_context is not None
        )
        if triggered.delay:
            await asyncio.sleep(triggered.delay)
        reply = prelogin_response(encryption, fedauth_required=FEDAUTHREQUIRED in options)
        await self._send(frame_message(reply))
        if encryption != ENCRYPT_NOT_SUP:
            await self._tls_handshake()
        return encryption

    async def _tls_handshake(self) -> None:
        assert self.server.tls_context is not None
        engine = TlsEngine(self.server.tls_context)
        finished = False
        while not finished:
            message = await read_message(self.channel.read_exactly)
            if message.type != PacketType.PRELOGIN:
                raise ProtocolError(
                    f"expected a TLS handshake in PRELOGIN packets, got packet type {message.type}"
                )
            out, finished = engine.handshake(message.payload)
            if out:
                await self._send(frame_message(out, ptype=PacketType.PRELOGIN))
        self.channel.tls = engine

    async def _login(self, encryption: int) -> bool:
        message = await read_message(self.channel.read_exactly)
        if encryption == ENCRYPT_OFF:
            self.channel.tls = None  # ENCRYPT_OFF: only the login travels encrypted
        if message.type != PacketType.LOGIN7:
            raise ProtocolError(f"expected LOGIN7, got TDS packet type {message.type}")
        try:
            login = parse_login7(message.payload)
        except TdsError as exc:
            await self._send_error(exc)
            return False
        record = LoginRecord(
            user=login.user_name,
            access_token=login.access_token,
            app_name=login.app_name,
            database=login.database or "master",
            tds_version=login.tds_version_name,
            encryption=_ENCRYPTION_NAMES.get(encryption, "full"),
            host_name=login.host_name,
            library_name=login.library_name,
        )
        self.server.record.logins.append(record)
        self.database = record.database
        triggered = self.server.faults.trigger("login")
        if triggered.delay:
            await asyncio.sleep(triggered.delay)
        try:
            self.user = authenticate(
                login,
                user=self.server.user,
                password=self.server.password,
                require_token=self.server.require_token,
            )
            if triggered.action is not None:
                if triggered.action.kind == "drop":
                    self.channel.abort()
                    return False
                raise self._fault_error(triggered.action, login.user_name)
            tds_version = negotiated_tds_version(login.tds_version)
            packet_size = negotiated_packet_size(login.packet_size)
            await self._open_session(login, packet_size)
        except TdsError as exc:
            await self._send_error(exc)
            return False
        record.accepted = True
        reply = login_reply(
            database=self.database,
            packet_size=packet_size,
            tds_version=tds_version,
            features=login.features,
        )
        await self._send(frame_message(reply))
        return True

    def _fault_error(self, fault: Fault, user: str) -> TdsError:
        return fault_error(
            int(fault.arg or 0),
            database=self.database,
            server=tokens.SERVER_NAME,
            user=user or self.user,
            spid=self.spid,
        )

    async def _open_session(self, login: Login7, packet_size: int) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"tds-session-{self.spid}")
        info = SessionInfo(
            spid=self.spid,
            user=self.user,
            database=self.database,
            app_name=login.app_name,
            host_name=login.host_name,
        )
        engine = self.server.engine
        self.engine_session = await self._in_worker(engine.session, info)
        self.state = SessionState(
            self.engine_session, packet_size, self.server.record.statements, self.server.record.rpcs
        )

    # --- requests -------------------------------------------------------------------------

    async def _serve(self) -> None:
        reader = asyncio.create_task(self._read_requests())
        try:
            while True:
                item = await self.queue.get()
                if item is None:
                    return
                if isinstance(item, ProtocolError):
                    raise item
                if isinstance(item, _Attention):
                    await self._send(frame_message(tokens.done(tokens.DONE_ATTN)))
                    continue
                if not await self._handle(item):
                    return
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read_requests(self) -> None:
        """Keep reading while requests run: ATTENTION must be seen at once."""
        try:
            while True:
                message = await read_message(self.channel.read_exactly)
                if message.type == PacketType.ATTENTION:
                    self._on_attention()
                else:
                    self.queue.put_nowait(message)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            self.queue.put_nowait(None)
        except ProtocolError as exc:
            self.queue.put_nowait(exc)

    def _on_attention(self) -> None:
        assert self.state is not None and self.engine_session is not None
        if not self.busy:
            self.queue.put_nowait(_Attention())
            return
        self.state.attention.set()
        self.attention_event.set()
        try:
            self.engine_session.cancel()
        except Exception:
            log.exception("session %d: engine cancel failed", self.spid)

    async def _handle(self, message: Message) -> bool:
        """Run one request; False when the session must end."""
        assert self.state is not None
        log.debug(
            "session %d: request type %d, %d bytes", self.spid, message.type, len(message.payload)
        )
        state = self.state
        state.attention.clear()
        state.attention_acked = False
        self.attention_event.clear()
        self.busy = True
        try:
            if message.status & (STATUS_RESET_CONNECTION | STATUS_RESET_CONNECTION_SKIP_TRAN):
                await self._in_worker(self._reset, message.status)
            try:
                handler, is_query = self._dispatch(message)
            except (ProtocolError, TdsError) as exc:
                error = exc if isinstance(exc, TdsError) else TdsError(0, f"TDS test server: {exc}")
                await self._send_error(error)
                return True
            drop = False
            if is_query:
                triggered = self.server.faults.trigger("query")
                if triggered.delay and await self._wait_for_attention(triggered.delay):
                    await self._in_worker(handler.close)
                    return await self._acknowledge_attention()
                if triggered.action is not None and triggered.action.kind == "error":
                    await self._in_worker(handler.close)
                    error = self._fault_error(triggered.action, self.user)
                    await self._send_error(error)
                    return error.severity < 20
                drop = triggered.action is not None and triggered.action.kind == "drop"
            if not await self._pump(handler, drop=drop):
                return False
        finally:
            self.busy = False
        if state.attention.is_set() and not state.attention_acked:
            return await self._acknowledge_attention()
        return True

    def _dispatch(self, message: Message) -> tuple[Generator[bytes, None, None], bool]:
        """The handler generator of a request, and whether query faults apply to it."""
        assert self.state is not None
        if message.type == PacketType.SQL_BATCH:
            sql = parse_batch(message.payload)
            return run_batch(self.state, sql), not batch_is_driver_probe(sql)
        if message.type == PacketType.RPC:
            calls = parse_rpc(message.payload)
            return run_rpcs(self.state, calls), not is_driver_probe(calls)
        if message.type == PacketType.TRANSACTION_MANAGER:
            return run_transaction(self.state, message.payload), False
        names: dict[int, str] = {
            PacketType.BULK_LOAD: "bulk load (BCP / fast bulk insert)",
            PacketType.SSPI: "SSPI (integrated authentication)",
            PacketType.FEDAUTH_TOKEN: "federated authentication token exchange",
        }
        what = names.get(message.type, f"TDS packet type {message.type}")
        raise TdsError(0, f"{what} is not supported by the TDS test server.")

    def _reset(self, status: int) -> None:
        """sp_reset_connection as a packet flag: roll back (unless asked not to), forget
        prepared statements, acknowledge with ENVCHANGE 18 in the reply."""
        assert self.state is not None and self.engine_session is not None
        if not status & STATUS_RESET_CONNECTION_SKIP_TRAN:
            while self.engine_session.trancount > 0:
                self.engine_session.rollback()
        self.state.prepared.clear()
        self.state.reset_pending = True

    async def _pump(self, handler: Generator[bytes, None, None], *, drop: bool) -> bool:
        """Send what the handler yields; False when the session must end.

        The worker runs the handler ahead of the socket (up to PUMP_AHEAD chunks), so
        producing the next rows never waits for the event loop to send the last ones.
        The worker's last word is _END or the exception the handler raised, posted once
        the handler is closed, so the session's next request finds the worker free.
        """
        assert self.executor is not None
        outbox = _Outbox(asyncio.get_running_loop())
        room = threading.Semaphore(PUMP_AHEAD)
        stopped = threading.Event()

        def produce() -> None:
            last: object = _END
            try:
                with contextlib.closing(handler):
                    for chunk in handler:
                        room.acquire()
                        if stopped.is_set():
                            return
                        outbox.post(chunk)
            except BaseException as exc:
                last = exc
            outbox.post(last)

        self.executor.submit(produce)
        try:
            while True:
                for item in await outbox.take():
                    if item is _END:
                        return True
                    if isinstance(item, SessionEnded):
                        return False
                    if isinstance(item, BaseException):
                        raise item
                    assert isinstance(item, bytes)
                    if drop:  # the fault: half a result, then the connection is gone
                        self.channel.write(item[: max(len(item) // 2, 9)])
                        await self.channel.drain()
                        self.channel.abort()
                        return False
                    self.channel.write(item)
                    await self.channel.drain()
                    room.release()
        finally:
            stopped.set()
            room.release()

    async def _wait_for_attention(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.attention_event.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _acknowledge_attention(self) -> bool:
        await self._send(frame_message(tokens.done(tokens.DONE_ATTN)))
        return True

    # --- plumbing ---------------------------------------------------------------------------

    async def _in_worker(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _send(self, data: bytes) -> None:
        self.channel.write(data)
        await self.channel.drain()

    async def _send_error(self, error: TdsError) -> None:
        """An ERROR and DONE as a whole reply (login failures, faults, bad requests)."""
        payload = tokens.message(
            error.number, error.message, state=error.state, severity=error.severity, line=error.line
        )
        packet_size = self.state.packet_size if self.state else 4096
        await self._send(frame_message(payload + tokens.done(tokens.DONE_ERROR), packet_size))

    async def _cleanup(self) -> None:
        session, executor = self.engine_session, self.executor
        self.engine_session = None
        if session is not None and executor is not None:
            try:
                await asyncio.get_running_loop().run_in_executor(executor, session.close)
            except Exception:
                log.exception("session %d: engine close failed", self.spid)
        if executor is not None:
            executor.shutdown(wait=False)
        self.channel.writer.close()
        try:  # a client that stopped reading must not keep the session alive
            await asyncio.wait_for(self.channel.writer.wait_closed(), CLOSE_TIMEOUT)
        except (TimeoutError, OSError):
            self.channel.abort()


class TdsServer(ConnectionHelpers):
    """The TDS test server as an async context manager.

    `start()`/`stop()` are coroutines: stop closes the listener and every session,
    start listens again on the same port (the database survives; `close()` ends it).
    `engine` replaces the SQLite engine with any object that has `session(info)` and
    `close()` (protocol tests use small stand-ins).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        database: str = ":memory:",
        sample: bool = False,
        user: str = "sa",
        password: str = "Password1!",
        require_token: str | None = None,
        tls: bool = False,
        faults: Iterable[Fault] = (),
        engine: Any = None,
    ):
        self.host = host
        self.port = port
        self.database = database
        self.sample = sample
        self.user = user
        self.password = password
        self.require_token = require_token
        self.faults = FaultSet(list(faults))
        self.record = ServerRecord()
        self.engine: Any = engine
        self.tls_context: ssl.SSLContext | None = server_context() if tls else None
        self._own_engine = engine is None
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], Connection] = {}
        self._next_spid = FIRST_SPID

    async def start(self) -> None:
        if self._server is not None:
            return
        if self.engine is None:
            from .engine import Engine  # the SQLite engine loads only when it is needed

            self.engine = await asyncio.to_thread(Engine, self.database, self.sample)
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, limit=1 << 20, backlog=256
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for task, connection in list(self._connections.items()):
            connection.channel.abort()
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)

    async def close(self) -> None:
        await self.stop()
        if self._own_engine and self.engine is not None:
            engine, self.engine = self.engine, None
            await asyncio.to_thread(engine.close)

    async def __aenter__(self) -> TdsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        spid = self._next_spid
        self._next_spid = spid + 1 if spid < 32000 else FIRST_SPID
        task = asyncio.current_task()
        assert task is not None
        connection = Connection(self, reader, writer, spid)
        self._connections[task] = connection
        try:
            await connection.run()
        except asyncio.CancelledError:
            connection.channel.abort()
        finally:
            self._connections.pop(task, None)


class ThreadedTdsServer(ConnectionHelpers):
    """The same server on an event loop in a background thread, for synchronous tests."""

    def __init__(self, **kwargs: Any):
        self._server = TdsServer(**kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:  # type: ignore[override]
        return self._server.host

    @property
    def port(self) -> int:  # type: ignore[override]
        return self._server.port

    @property
    def user(self) -> str:  # type: ignore[override]
        return self._server.user

    @property
    def password(self) -> str:  # type: ignore[override]
        return self._server.password

    @property
    def sample(self) -> bool:  # type: ignore[override]
        return self._server.sample

    @property
    def record(self) -> ServerRecord:
        return self._server.record

    @property
    def engine(self) -> Any:
        return self._server.engine

    def add_fault(self, fault: Fault) -> None:
        self._server.add_fault(fault)

    def clear_faults(self) -> None:
        self._server.clear_faults()

    def _run(self, coro: Any) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result()

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="tds-test-server", daemon=True
            )
            self._thread.start()
        self._run(self._server.start())

    def stop(self) -> None:
        if self._loop is not None:
            self._run(self._server.stop())

    def close(self) -> None:
        if self._loop is None:
            return
        try:
            self._run(self._server.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            assert self._thread is not None
            self._thread.join(10)
            self._loop.close()
            self._loop = None

    def __enter__(self) -> ThreadedTdsServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
