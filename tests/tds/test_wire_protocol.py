"""The TDS protocol through real drivers, on a small deterministic stand-in engine.

The stand-in understands a few commands (ROWS n, MULTI, FAIL n, WAITFOR DELAY,
ECHO with parameters), so protocol behaviour (long results, cancellation,
errors, transactions) is tested apart from T-SQL translation. The real engine
is exercised in test_wire_engine.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import aioodbc
import pyodbc
import pytds
import pytest

from tds_test_server import Fault, ThreadedTdsServer
from tds_test_server.protocol.packets import PacketType, frame_message, read_message
from tds_test_server.protocol.tokens import DONE_ATTN
from tds_test_server.results import (
    ColumnType,
    Done,
    Message,
    Param,
    Result,
    ResultColumn,
    ResultSet,
    SessionInfo,
    TdsError,
)

ROW_COLUMNS = [
    ResultColumn("id", ColumnType("int", nullable=False)),
    ResultColumn("name", ColumnType("nvarchar", 30)),
    ResultColumn("at", ColumnType("datetime2", scale=7)),
]
START = dt.datetime(2024, 1, 1)


class StandInSession:
    def __init__(self, info: SessionInfo, calls: list[str]):
        self.info = info
        self._calls = calls
        self._trancount = 0
        self._cancelled = threading.Event()

    def execute(self, sql: str, params: list[Param] | None = None) -> Iterator[Result]:
        try:
            yield from self._execute(sql, params)
        finally:
            self._cancelled.clear()  # as the engine's: a cancel ends with its request

    def _execute(self, sql: str, params: list[Param] | None) -> Iterator[Result]:
        command = sql.strip()
        word = command.split(None, 1)[0].upper() if command else ""
        if word == "ROWS":
            count = int(command.split()[1])
            rows = ((i, f"row {i}", START + dt.timedelta(seconds=i)) for i in range(count))
            yield ResultSet(ROW_COLUMNS, rows)
        elif word == "MULTI":
            yield ResultSet([ResultColumn("a", ColumnType("int"))], iter([(1,)]))
            yield Message(0, "between the results")
            yield ResultSet([ResultColumn("b", ColumnType("nvarchar", 5))], iter([("x",), ("y",)]))
        elif word == "FAIL":
            raise TdsError(int(command.split()[1]), "Invalid object name 'nope'.")
        elif word == "WAITFOR":
            match = re.search(r"'(\d+):(\d+):(\d+)'", command)
            assert match is not None
            h, m, s = (int(g) for g in match.groups())
            if self._cancelled.wait(h * 3600 + m * 60 + s):
                raise TdsError(0, "cancelled")
            yield Done()
        elif word == "ECHO":
            params = params or []
            columns = [ResultColumn(p.name.lstrip("@"), p.type) for p in params]
            yield ResultSet(columns, iter([tuple(p.value for p in params)]))
        elif word == "INSERT":
            yield Done(row_count=1)
        else:
            yield ResultSet([ResultColumn("one", ColumnType("int"))], iter([(1,)]))

    def call_procedure(self, name: str, params: list[Param]) -> Iterator[Result]:
        raise TdsError(2812, f"Could not find stored procedure '{name}'.")

    def begin(self) -> None:
        self._calls.append("begin")
        self._trancount += 1

    def commit(self) -> None:
        self._calls.append("commit")
        self._trancount = 0

    def rollback(self) -> None:
        self._calls.append("rollback")
        self._trancount = 0

    @property
    def trancount(self) -> int:
        return self._trancount

    def cancel(self) -> None:
        self._cancelled.set()

    def forget_cancel(self) -> None:
        self._cancelled.clear()

    def close(self) -> None:
        pass


class StandInEngine:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def session(self, info: SessionInfo) -> StandInSession:
        return StandInSession(info, self.calls)

    def close(self) -> None:
        pass


TOKEN = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJhbGljZUBleGFtcGxlLmNvbSJ9.c2ln"


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(engine=StandInEngine(), tls=True) as srv:
        yield srv


def connect(server: ThreadedTdsServer, driver: str, **kwargs: Any) -> closing[pyodbc.Connection]:
    """An autocommit connection that the `with` block closes (pyodbc's own does not)."""
    return closing(
        pyodbc.connect(
            server.odbc_connection_string(driver=driver, **kwargs), autocommit=True, timeout=10
        )
    )


def token_struct(token: str) -> bytes:
    data = token.encode("utf-16-le")
    return struct.pack(f"<I{len(data)}s", len(data), data)


# --- connecting -----------------------------------------------------------------------------


def test_odbc_drivers_connect_and_query(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        rows = cnxn.cursor().execute("ROWS 3").fetchall()
    assert [tuple(r) for r in rows] == [
        (i, f"row {i}", START + dt.timedelta(seconds=i)) for i in range(3)
    ]
    login = server.record.logins[-1]
    assert (login.user, login.database, login.tds_version) == ("sa", "master", "7.4")
    # The server offers TLS: Driver 18 with Encrypt=no still encrypts the login packet;
    # FreeTDS with Encryption=off says it cannot encrypt at all.
    assert login.encryption == ("login" if odbc_driver == "msodbc" else "none")
    assert login.accepted


def test_pytds_connects_and_binds_parameters_with_sp_executesql(server: ThreadedTdsServer) -> None:
    with pytds.connect(**server.pytds_kwargs(), autocommit=True) as cnxn, cnxn.cursor() as cur:
        cur.execute("ROWS 2")
        assert [r[0] for r in cur.fetchall()] == [0, 1]
        cur.execute("ECHO %s, %s, %s", (7, "héllo", None))
        assert list(cur.fetchone()) == [7, "héllo"]
    assert "sp_executesql" in server.record.rpcs
    assert "ECHO @P1, @P2, NULL" in server.record.statements  # pytds writes None inline


def test_aioodbc_over_driver_18(server: ThreadedTdsServer) -> None:
    async def run() -> list[Any]:
        dsn = server.odbc_connection_string()
        async with aioodbc.connect(dsn=dsn, autocommit=True) as cn, cn.cursor() as cur:
            await cur.execute("ROWS 5")
            return [r[0] for r in await cur.fetchall()]

    assert asyncio.run(run()) == [0, 1, 2, 3, 4]


def test_server_with_faults_given_up_front() -> None:
    def query(conn_str: str) -> int:
        with closing(pyodbc.connect(conn_str, autocommit=True, timeout=10)) as cnxn:
            return int(cnxn.cursor().execute("ROWS 4").fetchall()[-1][0])

    faults = [Fault.parse("error:18456@login:1")]
    with ThreadedTdsServer(engine=StandInEngine(), faults=faults) as srv:
        conn_str = srv.odbc_connection_string(driver="freetds")
        with pytest.raises(pyodbc.Error, match=r"Login failed.*\(18456\)"):
            query(conn_str)
        assert query(conn_str) == 3


def test_wrong_password_is_login_failed_18456(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with pytest.raises(pyodbc.Error, match=r"Login failed for user 'sa'\. \(18456\)"):
        connect(server, odbc_driver, password="wrong")
    assert not server.record.logins[-1].accepted


def test_tls_with_trusted_self_signed_certificate(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver, encrypt=True, trust_server_certificate=True) as cnxn:
        assert cnxn.cursor().execute("ROWS 2000").fetchall()[-1][0] == 1999
    assert server.record.logins[-1].encryption == "full"


def test_access_token_login_is_recorded(server: ThreadedTdsServer) -> None:
    with pyodbc.connect(
        server.odbc_connection_string(user="", encrypt=True),
        attrs_before={1256: token_struct(TOKEN)},
        autocommit=True,
        timeout=10,
    ) as cnxn:
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1
    login = server.record.logins[-1]
    assert login.access_token == TOKEN and login.user == "" and login.accepted


def test_require_token_rejects_other_tokens() -> None:
    with ThreadedTdsServer(engine=StandInEngine(), tls=True, require_token=TOKEN) as srv:
        conn_str = srv.odbc_connection_string(user="", encrypt=True)
        with pytest.raises(pyodbc.Error, match=r"Login failed for user.*\(18456\)"):
            pyodbc.connect(conn_str, attrs_before={1256: token_struct("other")}, timeout=10)
        pyodbc.connect(conn_str, attrs_before={1256: token_struct(TOKEN)}, timeout=10).close()
    assert [login.accepted for login in srv.record.logins] == [False, True]


# --- requests and results -------------------------------------------------------------------


def test_parameters_travel_by_sp_prepexec(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        row = cur.execute("ECHO ?, ?, ?", 42, "Zoë 日本", 1.5).fetchone()
        assert tuple(row) == (42, "Zoë 日本", 1.5)
        assert cur.execute("ECHO ?", None).fetchone()[0] is None
    assert "sp_prepexec" in server.record.rpcs


def test_a_parameter_out_of_its_type_range_is_error_8023(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """FreeTDS 1.3 sends 0001-01-01 as datetime2 day -1 (0xFFFFFF, past 9999-12-31; its
    dates before 1600-03-01 are a day or two off): SQL Server refuses the RPC with 8023 and
    the connection goes on. Driver 18 sends the right day 0."""
    first = dt.datetime(1, 1, 1)
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        if odbc_driver == "freetds":
            with pytest.raises(pyodbc.Error, match=r"data type datetime2\..*\(8023\)"):
                cur.execute("ECHO ?", first)
        else:
            assert cur.execute("ECHO ?", first).fetchone()[0] == first
        assert cur.execute("ECHO ?", 7).fetchone()[0] == 7


def test_multiple_result_sets_and_nextset(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor().execute("MULTI")
        assert [r[0] for r in cur.fetchall()] == [1]
        assert cur.nextset()
        assert [r[0] for r in cur.fetchall()] == ["x", "y"]
        assert not cur.nextset()


def test_statement_error_leaves_the_connection_usable(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        with pytest.raises(pyodbc.ProgrammingError, match=r"Invalid object name 'nope'\. \(208\)"):
            cur.execute("FAIL 208")
        assert cur.execute("SELECT 1").fetchone()[0] == 1


def test_autocommit_off_uses_transaction_requests(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    engine = server.engine
    cnxn = pyodbc.connect(
        server.odbc_connection_string(driver=odbc_driver), autocommit=False, timeout=10
    )
    try:
        engine.calls.clear()
        cur = cnxn.cursor()
        cur.execute("INSERT 1")
        assert cur.rowcount == 1
        cnxn.commit()
        cur.execute("INSERT 2")
        cnxn.rollback()
        assert engine.calls[:2] == ["commit", "begin"]
        assert "rollback" in engine.calls
    finally:
        cnxn.close()


def test_query_timeout_cancels_and_the_connection_works(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cnxn.timeout = 1
        cur = cnxn.cursor()
        started = time.monotonic()
        with pytest.raises(pyodbc.OperationalError, match="HYT00"):
            cur.execute("WAITFOR DELAY '00:00:20'")
        assert time.monotonic() - started < 10
        assert cur.execute("SELECT 1").fetchone()[0] == 1


def test_cancel_in_the_middle_of_a_long_result(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("ROWS 500000")
        assert len(cur.fetchmany(10)) == 10
        cur.cancel()
        assert cur.execute("ROWS 3").fetchall()[-1][0] == 2
        cur.execute("ROWS 500000")
        cur.fetchone()
        cur.close()  # closing a cursor with unread rows cancels the rest
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1


def test_cancel_in_the_middle_of_a_long_result_over_tls(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ATTENTION arrives as a TLS record, decrypted by the connection's reader thread while
    the session thread encrypts the rows it sends."""
    with connect(server, odbc_driver, encrypt=True, trust_server_certificate=True) as cnxn:
        cur = cnxn.cursor()
        for _ in range(5):
            cur.execute("ROWS 500000")
            assert len(cur.fetchmany(10)) == 10
            cur.cancel()
            assert cur.execute("ROWS 3").fetchall()[-1][0] == 2
    assert server.record.logins[-1].encryption == "full"


def _send_raw(sock: socket.socket, ptype: int, payload: bytes) -> None:
    sock.sendall(frame_message(payload, ptype=ptype))


def _batch(sql: str) -> bytes:
    # ALL_HEADERS: its length, then a transaction descriptor header (none, one request)
    headers = struct.pack("<IIHQI", 22, 18, 2, 0, 1)
    return headers + sql.encode("utf-16-le")


def _exactly(sock: socket.socket) -> Callable[[int], bytes]:
    """A reader of exactly `size` bytes from `sock`, for read_message."""

    def read(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            assert chunk, "the server closed the connection"
            data += chunk
        return data

    return read


def _final_done_status(reply: bytes) -> int:
    token, status = struct.unpack_from("<BH", reply, len(reply) - 13)
    assert token == 0xFD
    return int(status)


def test_an_attention_is_for_the_request_sent_last(server: ThreadedTdsServer) -> None:
    """A client reads one request's last DONE, sends the next and then a cancel at once:
    the server may still be finishing the first when it reads both. The acknowledgment
    belongs to the second; given to the first, the client reads it as the second's answer,
    and every answer after that comes one request late (a write's row count read as the
    next write's). Here the first request is still running when the others arrive."""
    with closing(pytds.connect(**server.pytds_kwargs(), autocommit=True)) as cnxn:
        sock = cnxn._tds_socket.sock
        attentions = server.record.attentions
        _send_raw(sock, PacketType.SQL_BATCH, _batch("WAITFOR DELAY '00:00:01'"))
        _send_raw(sock, PacketType.SQL_BATCH, _batch("ROWS 3"))
        time.sleep(0.2)  # both read, the first running
        _send_raw(sock, PacketType.ATTENTION, b"")

        first, second = read_message(_exactly(sock)), read_message(_exactly(sock))
    assert not _final_done_status(first.payload) & DONE_ATTN  # the WAITFOR ran to its end
    assert _final_done_status(second.payload) & DONE_ATTN
    assert server.record.attentions == attentions + 1


def test_an_attention_right_behind_its_request_cancels_it(wire_server: ThreadedTdsServer) -> None:
    """A client that cancels at once: the server reads the request and the ATTENTION
    together, before the request has started. The engine stops it at its first statement
    rather than running a long WAITFOR to its end while the client waits for the answer."""
    server = wire_server
    with closing(pytds.connect(**server.pytds_kwargs(), autocommit=True)) as cnxn:
        sock = cnxn._tds_socket.sock
        sock.settimeout(20)  # a lost cancel fails here, not after the whole WAITFOR
        waitfor = frame_message(_batch("WAITFOR DELAY '00:01:00'"), ptype=PacketType.SQL_BATCH)
        started = time.monotonic()
        sock.sendall(waitfor + frame_message(b"", ptype=PacketType.ATTENTION))

        reply = read_message(_exactly(sock))
        assert time.monotonic() - started < 10
    assert _final_done_status(reply.payload) & DONE_ATTN


def test_64_concurrent_sessions(server: ThreadedTdsServer) -> None:
    count = 64
    barrier = threading.Barrier(count, timeout=60)
    results: list[int] = []
    errors: list[BaseException] = []

    def session(driver: str) -> None:
        try:
            with connect(server, driver) as cnxn:
                barrier.wait()  # all 64 are connected at the same time
                cur = cnxn.cursor()
                for _ in range(3):
                    results.append(cur.execute("ROWS 200").fetchall()[-1][0])
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=session, args=("msodbc" if i % 2 else "freetds",))
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert results == [199] * count * 3


# --- faults ---------------------------------------------------------------------------------


def test_login_fault_fails_the_next_logins(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with server.faulted("error:40613@login:2"):
        for _ in range(2):
            with pytest.raises(pyodbc.Error, match=r"is not currently available.*\(40613\)"):
                connect(server, odbc_driver)
        with connect(server, odbc_driver):
            pass


def test_query_fault_error_keeps_the_connection(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("SELECT 1")  # the driver's own first requests are not "queries"
        with server.faulted("error:49918@query:1"):
            with pytest.raises(pyodbc.Error, match=r"\(49918\)"):
                cur.execute("SELECT 1")
            assert cur.execute("SELECT 1").fetchone()[0] == 1


def test_severity_20_query_fault_closes_the_connection(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("SELECT 1")
        with server.faulted("error:40501@query:1"):
            with pytest.raises(pyodbc.Error, match=r"The service is currently busy.*\(40501\)"):
                cur.execute("SELECT 1")
            with pytest.raises(pyodbc.Error):
                cur.execute("SELECT 1")
    with connect(server, odbc_driver) as cnxn:
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1


def test_drop_fault_cuts_the_result(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as cnxn:
        cur = cnxn.cursor()
        cur.execute("SELECT 1")
        with server.faulted("drop@query:1"), pytest.raises(pyodbc.Error):
            cur.execute("ROWS 1000")
            cur.fetchall()
    with connect(server, odbc_driver) as cnxn:
        assert cnxn.cursor().execute("ROWS 1000").fetchall()[-1][0] == 999


def test_delay_fault_and_a_timeout_that_cancels_it(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as cnxn:
        cnxn.cursor().execute("SELECT 1")
        with server.faulted("delay:0.3@query"):
            started = time.monotonic()
            cnxn.cursor().execute("SELECT 1")
            assert time.monotonic() - started >= 0.3
        cnxn.timeout = 1
        with (
            server.faulted("delay:30@query"),
            pytest.raises(pyodbc.OperationalError, match="HYT00"),
        ):
            cnxn.cursor().execute("SELECT 1")
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1


def test_refuse_fault_closes_new_connections(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with server.faulted("refuse@connect:1"):
        with pytest.raises(pyodbc.Error):
            connect(server, odbc_driver)
        with connect(server, odbc_driver):
            pass


# --- robustness -----------------------------------------------------------------------------


def _reply(data: bytes, server: ThreadedTdsServer) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x12\x01\x00\x03garbage",  # packet length below the header size
        b"\x12\x01\x00\x10\x00\x00\x01\x00\x00\x00\xff\x00\x06\xff\x00\x00",  # bad option
        b"\x10\x01\x00\x0c\x00\x00\x01\x00abcd",  # LOGIN7 without PRELOGIN
    ],
)
def test_malformed_packets_get_a_tds_error(server: ThreadedTdsServer, garbage: bytes) -> None:
    reply = _reply(garbage, server)
    assert reply[0] == 0x04 and reply[8] == 0xAA  # a tabular reply holding an ERROR token
    assert "TDS test server".encode("utf-16-le") in reply
    with connect(server, "freetds") as cnxn:
        assert cnxn.cursor().execute("SELECT 1").fetchone()[0] == 1


def test_stop_and_start_on_the_same_port() -> None:
    with ThreadedTdsServer(engine=StandInEngine()) as srv:
        port = srv.port
        with connect(srv, "freetds") as cnxn:
            srv.stop()
            with pytest.raises(pyodbc.Error):
                cnxn.cursor().execute("SELECT 1")
        srv.start()
        assert srv.port == port
        with connect(srv, "freetds") as again:
            assert again.cursor().execute("SELECT 1").fetchone()[0] == 1


def test_stop_ends_a_session_in_the_middle_of_a_request() -> None:
    """A session waiting out a 30 s query delay must not hold stop() (or a test) up."""
    failures: list[BaseException] = []
    with ThreadedTdsServer(engine=StandInEngine()) as srv, connect(srv, "freetds") as cnxn:
        cur = cnxn.cursor()
        cur.execute("SELECT 1")  # the driver's own first requests are not "queries"
        srv.add_fault(Fault.parse("delay:30@query:1"))

        def slow_query() -> None:
            try:
                cur.execute("ROWS 3").fetchall()
            except pyodbc.Error as exc:
                failures.append(exc)

        client = threading.Thread(target=slow_query)
        client.start()
        time.sleep(0.5)  # the request is in the server, waiting out its delay
        started = time.monotonic()
        srv.stop()
        client.join(10)
        assert time.monotonic() - started < 5
        assert not client.is_alive()
        assert len(failures) == 1  # the client saw its connection end
