"""The TDS test server: connections, sessions, ATTENTION, faults and the record.

One thread per connection runs the session: it reads a request, runs it on the
session's SQLite connection and writes the reply straight to the socket. While a
request runs, a second thread per connection keeps reading the socket, so ATTENTION
is seen in the middle of a long result or a WAITFOR. A request thus crosses one
thread hand-off, where an event loop handing requests to a worker thread took
several: the test server shares the machine with the process under test
(bench/load.py), so its CPU per request matters.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import platform
import queue
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..editions import EDITIONS, SQL_SERVER_2022, Edition
from ..engine.languages import language
from ..faults import Fault, FaultSet, fault_error
from ..principals import FIRST_USER_ID, Principal
from ..results import EngineSession, SessionInfo, TdsError
from ..sample import SAMPLE, SAMPLE_DATABASE
from . import tokens
from .login import (
    Login7,
    Route,
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
from .rpc import (
    SessionEnded,
    SessionState,
    batch_is_driver_probe,
    is_commit,
    is_driver_probe,
    parse_batch,
    parse_rpc,
    run_batch,
    run_rpcs,
    run_transaction,
)
from .tls import TlsEngine, server_context

log = logging.getLogger(__name__)

FIRST_SPID = 51
# a whole reply message whose first token type (0x02) [MS-TDS] does not define
GARBLED_REPLY = b"\x02\x00\x00\x00\x00"
ACCEPT_POLL_S = 0.05  # how soon stop() sees the accept loop end
_ENCRYPTION_NAMES = {ENCRYPT_NOT_SUP: "none", ENCRYPT_OFF: "login"}


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
    read_only_intent: bool = False  # ApplicationIntent=ReadOnly
    language: str = ""  # the language the login named (the drivers' Language=), or none
    accepted: bool = False  # a session was opened here
    routed_to: str | None = None  # HOST:PORT the login was routed to instead


@dataclass
class ServerRecord:
    """What clients sent, for tests to assert on."""

    logins: list[LoginRecord] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    rpcs: list[str] = field(default_factory=list)
    attentions: int = 0  # ATTENTION signals acknowledged (each cancel the server saw)
    commits: int = 0  # COMMIT requests received (counted before a commit fault's delay)

    def clear(self) -> None:
        self.logins.clear()
        self.statements.clear()
        self.rpcs.clear()
        self.attentions = 0
        self.commits = 0


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
    """The byte stream of one connection, with TLS switched on and off as TDS requires.

    The reader thread reads and the session thread writes; with TLS both go through
    one SSL object, which is not safe to use from two threads at once, hence the lock.
    """

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.tls: TlsEngine | None = None
        self._buffer = bytearray()
        self._tls_lock = threading.Lock()

    def read_exactly(self, n: int) -> bytes:
        buffer = self._buffer
        while len(buffer) < n:
            data = self.sock.recv(65536)
            if not data:
                raise _ConnectionClosed
            if self.tls is not None:
                with self._tls_lock:
                    data = self.tls.decrypt(data)
            buffer += data
        out = bytes(buffer[:n])
        del buffer[:n]
        return out

    def unread(self, data: bytes) -> None:
        self._buffer[:0] = data

    def write(self, data: bytes) -> None:
        if self.tls is not None:
            with self._tls_lock:
                data = self.tls.encrypt(data)
        self.sock.sendall(data)

    def abort(self) -> None:
        """Cut the connection: the client sees it closed, and blocked reads and writes on
        it return at once (the socket itself is closed when its thread ends)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class _Attention:
    """Marks an ATTENTION that arrived while no request was running."""


class _ConnectionClosed(ConnectionError):
    """The client closed the connection."""


class Connection:
    """One client connection from PRELOGIN to close, run by its own thread."""

    def __init__(self, server: ThreadedTdsServer, sock: socket.socket, spid: int):
        self.server = server
        self.channel = Channel(sock)
        self.spid = spid
        self.engine_session: EngineSession | None = None
        self.state: SessionState | None = None
        self.requests: queue.SimpleQueue[Message | ProtocolError | _Attention | None] = (
            queue.SimpleQueue()
        )
        self._reader: threading.Thread | None = None
        self._ended = threading.Event()  # the reader saw the connection end
        self._lock = threading.Lock()  # orders ATTENTION against the start and end of requests
        self._busy = False
        # Requests numbered as the reader reads them and as they start: an ATTENTION is for
        # the last request the client sent, which may still wait in the queue behind one
        # that is finishing (the client read its last DONE and sent the next at once).
        self._read = 0
        self._started = 0
        self._attention_for = 0  # a queued request an ATTENTION came for, cancelled at start
        self.user = ""
        self.principal: Principal | None = None
        self.database = "master"

    def run(self) -> None:
        try:
            encryption = self._prelogin()
            if encryption is None:
                return
            if self._login(encryption):
                self._serve()
        except ssl.SSLError as exc:
            log.info("TLS failed on session %d: %s", self.spid, exc)
        except OSError:  # the client went away, or the server cut the connection
            pass
        except ProtocolError as exc:
            log.warning("session %d: %s", self.spid, exc)
            with contextlib.suppress(Exception):
                self._send_error(TdsError(0, f"TDS test server: {exc}", severity=20))
        except Exception:
            log.exception("session %d ended by an unexpected error", self.spid)
        finally:
            self._cleanup()

    # --- PRELOGIN, TLS and LOGIN7 -------------------------------------------------------

    def _prelogin(self) -> int | None:
        triggered = self.server.faults.trigger("connect")
        if triggered.action is not None:  # refuse
            self.channel.abort()
            return None
        head = self.channel.read_exactly(1)
        if head[0] == 0x16:
            log.warning(
                "session %d: a raw TLS ClientHello (TDS 8, Encrypt=strict) is not "
                "supported; use Encrypt=yes or no",
                self.spid,
            )
            return None
        self.channel.unread(head)
        message = read_message(self.channel.read_exactly)
        if message.type != PacketType.PRELOGIN:
            raise ProtocolError(f"expected PRELOGIN, got TDS packet type {message.type}")
        options = parse_prelogin(message.payload)
        encryption = negotiate_encryption(
            client_encryption(options), self.server.tls_context is not None
        )
        if triggered.delay:
            self.server.stopping.wait(triggered.delay)
        reply = prelogin_response(
            encryption,
            version=self.server.edition.wire_version,
            fedauth_required=FEDAUTHREQUIRED in options,
        )
        self.channel.write(frame_message(reply))
        if encryption != ENCRYPT_NOT_SUP:
            self._tls_handshake()
        return encryption

    def _tls_handshake(self) -> None:
        assert self.server.tls_context is not None
        engine = TlsEngine(self.server.tls_context)
        finished = False
        while not finished:
            message = read_message(self.channel.read_exactly)
            if message.type != PacketType.PRELOGIN:
                raise ProtocolError(
                    f"expected a TLS handshake in PRELOGIN packets, got packet type {message.type}"
                )
            out, finished = engine.handshake(message.payload)
            if out:
                self.channel.write(frame_message(out, ptype=PacketType.PRELOGIN))
        self.channel.tls = engine

    def _login(self, encryption: int) -> bool:
        message = read_message(self.channel.read_exactly)
        if encryption == ENCRYPT_OFF:
            self.channel.tls = None  # ENCRYPT_OFF: only the login travels encrypted
        if message.type != PacketType.LOGIN7:
            raise ProtocolError(f"expected LOGIN7, got TDS packet type {message.type}")
        try:
            login = parse_login7(message.payload)
        except TdsError as exc:
            self._send_error(exc)
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
            read_only_intent=login.read_only_intent,
            language=login.language,
        )
        self.server.record.logins.append(record)
        self.database = record.database
        triggered = self.server.faults.trigger("login")
        if triggered.delay:
            self.server.stopping.wait(triggered.delay)
        try:
            self.principal = authenticate(
                login,
                user=self.server.user,
                password=self.server.password,
                require_token=self.server.require_token,
                logins=self.server.logins,
            )
            self.user = self.principal.login
            if triggered.action is not None:
                if triggered.action.kind == "drop":
                    self.channel.abort()
                    return False
                raise self._fault_error(triggered.action, login.user_name)
            tds_version = negotiated_tds_version(login.tds_version)
            packet_size = negotiated_packet_size(login.packet_size)
            route = self.server.route
            if route is not None and route.applies(login, tds_version):
                return self._route(login, record, route, tds_version, packet_size)
            info = self._open_session(login, packet_size)
        except TdsError as exc:
            self._send_error(exc)
            return False
        record.accepted = True
        reply = login_reply(
            database=self.database,
            language=info.language,
            packet_size=packet_size,
            tds_version=tds_version,
            version=self.server.edition.wire_version,
            features=login.features,
        )
        self.channel.write(frame_message(reply))
        return True

    def _route(
        self, login: Login7, record: LoginRecord, route: Route, tds_version: int, packet_size: int
    ) -> bool:
        """Answer the login with a route and no session; the client logs in again there."""
        record.routed_to = f"{route.host}:{route.port}"
        reply = login_reply(
            database=self.database,
            language=login.language or "us_english",
            packet_size=packet_size,
            tds_version=tds_version,
            version=self.server.edition.wire_version,
            features=login.features,
            route=route,
        )
        self.channel.write(frame_message(reply))
        log.info("session %d: login routed to %s", self.spid, record.routed_to)
        return False

    def _fault_error(self, fault: Fault, user: str) -> TdsError:
        return fault_error(
            int(fault.arg or 0),
            database=self.database,
            server=tokens.SERVER_NAME,
            user=user or self.user,
            spid=self.spid,
        )

    def _open_session(self, login: Login7, packet_size: int) -> SessionInfo:
        """The engine's session for the login, and its info as the engine named it."""
        info = SessionInfo(
            spid=self.spid,
            user=self.user,
            database=self.database,
            app_name=login.app_name,
            host_name=login.host_name,
            principal=self.principal,
            users=tuple(self.server.logins.values()),
            # the login's own language, else its principal's default (CREATE LOGIN ...
            # WITH DEFAULT_LANGUAGE), else us_english
            language=login.language or (self.principal.default_language if self.principal else ""),
        )
        self.engine_session = self.server.engine.session(info)
        self.state = SessionState(
            self.engine_session, packet_size, self.server.record.statements, self.server.record.rpcs
        )
        return info

    # --- requests -------------------------------------------------------------------------

    def _serve(self) -> None:
        self._reader = threading.Thread(
            target=self._read_requests, name=f"tds-reader-{self.spid}", daemon=True
        )
        self._reader.start()
        while True:
            item = self.requests.get()
            if item is None:
                return
            if isinstance(item, ProtocolError):
                raise item
            if isinstance(item, _Attention):
                self._acknowledge_attention()
                continue
            if not self._handle(item):
                return

    def _read_requests(self) -> None:
        """The reader thread: keeps reading while requests run, so ATTENTION is seen at once.
        When the connection ends it stops the running request, as ATTENTION would."""
        last: ProtocolError | None = None
        try:
            while True:
                message = read_message(self.channel.read_exactly)
                if message.type == PacketType.ATTENTION:
                    self._on_attention(queue_when_idle=True)
                else:
                    with self._lock:
                        self._read += 1
                        self.requests.put(message)
        except ProtocolError as exc:
            last = exc
        except OSError:  # closed by the client or cut by the server; ssl.SSLError too
            self._on_attention(queue_when_idle=False)
        finally:
            self._ended.set()
            self.requests.put(last)

    def _on_attention(self, *, queue_when_idle: bool) -> None:
        assert self.state is not None and self.engine_session is not None
        with self._lock:
            if self._read > self._started:  # for a request not started yet, not the running one
                self._attention_for = self._read
                return
            if not self._busy:
                if queue_when_idle:
                    self.requests.put(_Attention())
                return
            self.state.attention.set()
            try:
                self.engine_session.cancel()
            except Exception:
                log.exception("session %d: engine cancel failed", self.spid)

    def _handle(self, message: Message) -> bool:
        """Run one request; False when the session must end."""
        assert self.state is not None
        log.debug(
            "session %d: request type %d, %d bytes", self.spid, message.type, len(message.payload)
        )
        assert self.engine_session is not None
        state = self.state
        state.attention.clear()
        state.attention_acked = False
        with self._lock:
            # From here an ATTENTION cancels this request, even one that comes before the
            # engine runs its first statement; one that came as the last request ended
            # was for that one.
            self.engine_session.forget_cancel()
            self._busy = True
            self._started += 1
            if self._attention_for == self._started:  # cancelled before it started
                state.attention.set()
                self.engine_session.cancel()
        try:
            if message.status & (STATUS_RESET_CONNECTION | STATUS_RESET_CONNECTION_SKIP_TRAN):
                self._reset(message.status)
            try:
                handler, query = self._dispatch(message)
                if message.type == PacketType.TRANSACTION_MANAGER and is_commit(message.payload):
                    self.server.record.commits += 1
                    # the COMMIT's round trip, stretched: ATTENTION does not call it back
                    time.sleep(self.server.faults.trigger("commit").delay)
            except (ProtocolError, TdsError) as exc:
                error = exc if isinstance(exc, TdsError) else TdsError(0, f"TDS test server: {exc}")
                self._send_error(error)
                return True
            drop = False
            if query is not None:
                triggered = self.server.faults.trigger("query", query)
                if triggered.delay and state.attention.wait(triggered.delay):
                    handler.close()
                    return self._acknowledge_attention()
                if triggered.action is not None and triggered.action.kind == "error":
                    handler.close()
                    error = self._fault_error(triggered.action, self.user)
                    self._send_error(error)
                    return error.severity < 20
                if triggered.action is not None and triggered.action.kind == "garble":
                    handler.close()
                    self.channel.write(frame_message(GARBLED_REPLY))
                    return True
                drop = triggered.action is not None and triggered.action.kind == "drop"
                if triggered.action is not None and triggered.action.kind == "stall":
                    return self._stall(handler)
            if not self._pump(handler, drop=drop):
                return False
        finally:
            with self._lock:
                self._busy = False
                unanswered = state.attention.is_set() and not state.attention_acked
        if unanswered:
            return self._acknowledge_attention()
        return True

    def _dispatch(self, message: Message) -> tuple[Generator[bytes, None, None], str | None]:
        """The handler generator of a request, and its text where query faults apply to
        it: a batch's SQL; an RPC's procedure names and text arguments (sp_executesql's
        statement among them)."""
        assert self.state is not None
        if message.type == PacketType.SQL_BATCH:
            sql = parse_batch(message.payload)
            return run_batch(self.state, sql), None if batch_is_driver_probe(sql) else sql
        if message.type == PacketType.RPC:
            calls = parse_rpc(message.payload)
            text = " ".join(
                part
                for c in calls
                for part in (c.name, *(p.value for p in c.params if isinstance(p.value, str)))
            )
            return run_rpcs(self.state, calls), None if is_driver_probe(calls) else text
        if message.type == PacketType.TRANSACTION_MANAGER:
            return run_transaction(self.state, message.payload), None
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
        self.engine_session.reset_connection()
        self.state.reset_pending = True

    def _pump(self, handler: Generator[bytes, None, None], *, drop: bool) -> bool:
        """Send what the handler yields; False when the session must end."""
        assert self.state is not None
        state = self.state
        with contextlib.closing(handler):
            try:
                for chunk in handler:
                    if state.attention_acked:  # the last chunk: counted before it is sent
                        self.server.record.attentions += 1
                    if drop:  # the fault: half a result, then the connection is gone
                        self.channel.write(chunk[: max(len(chunk) // 2, 9)])
                        self.channel.abort()
                        return False
                    self.channel.write(chunk)
            except SessionEnded:
                return False
        return True

    def _stall(self, handler: Generator[bytes, None, None]) -> bool:
        """The stall fault: half a packet of the result, then silence (ATTENTION too goes
        unanswered) until the client closes the connection or the server stops."""
        with contextlib.closing(handler):
            chunk = next(handler, b"")
        self.channel.write(chunk[: max(len(chunk) // 2, 9)])
        self._ended.wait()
        return False

    def _acknowledge_attention(self) -> bool:
        self.server.record.attentions += 1
        self.channel.write(frame_message(tokens.done(tokens.DONE_ATTN)))
        return True

    # --- plumbing ---------------------------------------------------------------------------

    def _send_error(self, error: TdsError) -> None:
        """An ERROR and DONE as a whole reply (login failures, faults, bad requests)."""
        payload = tokens.message(
            error.number, error.message, state=error.state, severity=error.severity, line=error.line
        )
        packet_size = self.state.packet_size if self.state else 4096
        self.channel.write(frame_message(payload + tokens.done(tokens.DONE_ERROR), packet_size))

    def _cleanup(self) -> None:
        self.channel.abort()
        if self._reader is not None:
            self._reader.join()
        session, self.engine_session = self.engine_session, None
        if session is not None:
            try:
                session.close()
            except Exception:
                log.exception("session %d: engine close failed", self.spid)


def _known_language(name: str) -> str:
    """A login's DEFAULT_LANGUAGE as @@LANGUAGE names it; one the test server lacks stops
    it at start, as a ValueError the command line reports."""
    try:
        return language(name).name
    except TdsError as exc:
        raise ValueError(f"DEFAULT_LANGUAGE: {exc.message}") from None


class _Listener(socketserver.ThreadingTCPServer):
    """Accepts connections and gives each its own thread; server_close() joins them."""

    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, tds: ThreadedTdsServer):
        self.tds = tds
        self.address_family = socket.getaddrinfo(tds.host, tds.port, type=socket.SOCK_STREAM)[0][0]
        super().__init__((tds.host, tds.port), socketserver.BaseRequestHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.tds._serve_connection(request)


class ThreadedTdsServer(ConnectionHelpers):
    """The TDS test server, listening on a background thread; a context manager.

    `start()` listens (again on the same port after `stop()`); `stop()` closes the
    listener and every session (the database survives); `close()` also closes the
    database. `engine` replaces the SQLite engine with any object that has
    `session(info)` and `close()` (protocol tests use small stand-ins). `user` and
    `password` are the privileged login; `logins` adds least-privileged ones
    (`Principal`s or `NAME:PASSWORD[:GRANT,...]` specs, see principals.py). `route`
    (a `Route` or `HOST:PORT`) answers logins with a routing ENVCHANGE instead of a
    session (login.ROUTE_HELP).
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
        logins: Iterable[Principal | str] = (),
        edition: Edition | str = SQL_SERVER_2022,
        route: Route | str | None = None,
    ):
        self.host = host
        self.port = port
        self.database = database
        self.sample = sample
        self.user = user
        self.password = password
        self.require_token = require_token
        self.edition = EDITIONS[edition] if isinstance(edition, str) else edition
        # Least-privileged logins (db_datareader plus grants), by lower-case name.
        self.logins: dict[str, Principal] = {}
        for index, spec in enumerate(logins):
            principal = Principal.parse(spec) if isinstance(spec, str) else spec
            principal = replace(principal, principal_id=FIRST_USER_ID + index)
            if principal.login.lower() == user.lower():
                raise ValueError(f"login {principal.login!r} is the privileged --user login")
            self.edition.check_grants(principal)
            if principal.default_language:
                principal = replace(
                    principal, default_language=_known_language(principal.default_language)
                )
            self.logins[principal.login.lower()] = principal
        self.faults = FaultSet(list(faults))
        self.route = Route.parse(route) if isinstance(route, str) else route
        self.record = ServerRecord()
        self.engine: Any = engine
        self.tls_context: ssl.SSLContext | None = server_context() if tls else None
        self.stopping = threading.Event()  # cuts fault delays short
        self._own_engine = engine is None
        self._listener: _Listener | None = None
        self._lock = threading.Lock()  # the sessions and the next SPID
        self._connections: set[Connection] = set()
        self._next_spid = FIRST_SPID

    def start(self) -> None:
        if self._listener is not None:
            return
        if self.engine is None:
            from ..engine.engine import Engine  # the SQLite engine loads only when it is needed

            self.engine = Engine(self.database, SAMPLE if self.sample else None, self.edition)
        self.stopping.clear()
        self._listener = _Listener(self)
        self.port = self._listener.server_address[1]
        threading.Thread(
            target=self._listener.serve_forever,
            args=(ACCEPT_POLL_S,),
            name="tds-test-server",
            daemon=True,
        ).start()

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self.stopping.set()
        listener.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.channel.abort()
        listener.server_close()  # closes the listening socket, joins the session threads

    def close(self) -> None:
        self.stop()
        if self._own_engine and self.engine is not None:
            engine, self.engine = self.engine, None
            engine.close()

    def __enter__(self) -> ThreadedTdsServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    @contextlib.contextmanager
    def faulted(self, *specs: str | Fault) -> Iterator[list[Fault]]:
        """Faults for the block only: `with server.faulted("error:1205@query:1"):` adds
        them on entry and takes out exactly those on exit, leaving the faults the command
        line, a fixture or an outer block set. Every spec is parsed before any is added.
        Yields the faults as the server holds them (copies of `Fault`s given), whose
        `count` falls as they fire."""
        faults = [replace(s) if isinstance(s, Fault) else Fault.parse(s) for s in specs]
        self.faults.add(*faults)
        try:
            yield faults
        finally:
            self.faults.remove(faults)

    def _serve_connection(self, sock: socket.socket) -> None:
        """On the connection's own thread, until the session ends."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies are small writes
        with self._lock:
            if self.stopping.is_set():  # accepted just as stop() began
                return
            spid = self._next_spid
            self._next_spid = spid + 1 if spid < 32000 else FIRST_SPID
            connection = Connection(self, sock, spid)
            self._connections.add(connection)
        try:
            connection.run()
        finally:
            with self._lock:
                self._connections.discard(connection)
