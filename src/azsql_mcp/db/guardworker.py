"""Statement checks that never stall the event loop.

Checking is pure-Python CPU that grows with the number of tokens: about 25 to 130
microseconds a token, depending on the shape (measured with sqlglot 30.31 on 2 shared
cores: 0.55 s for an 80,000-character IN list, 5 s for 94,000 characters of `a = 1 OR
...`, 9 s for 95,000 of `a+a+...`). On the event loop one long statement stops every
client and `/health/live` meanwhile, and a thread would not help (the check holds the
GIL). So:

- a statement seen before costs a dictionary look-up (guardcache.py remembers accepted
  statements and refusals alike);
- a short one (up to INLINE_TOKENS words and symbols, at most a few milliseconds of
  CPU) is checked inline: a round trip to the worker costs about 0.5 ms on top of the
  check, as much as checking `SELECT TOP (10) a, b FROM t ORDER BY a` (0.2 to 0.7 ms);
- a medium one (up to BUDGET_TOKENS) is checked inline too while inline checking has
  taken less than BUDGET_S lately (a leaky bucket refilled at BUDGET_SHARE of the
  time), so the worker process is not started for the few distinct statements a
  server normally sees, while a flood of them goes to the worker;
- a longer one is checked in a worker process, started on first need, niced below the
  server, doing one check at a time. A check that takes longer than `timeout_s` is a
  refusal that says so, and the worker is killed and replaced on the next need. The
  refusal is remembered only when the worker spent most of that time on the check:
  one starved of CPU by a busy machine (it runs niced) says so and is not held
  against the statement.

Concurrent checks of the same text share one check. Every caller in the server (reads,
explain, writes, write batches and the audit fingerprint) comes through here.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Collection, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

from azsql_mcp.db import sqlguard
from azsql_mcp.db.guardcache import VERDICTS, Refusal, check_key, remember, settle
from azsql_mcp.db.sqlpolicy import STRICT, ReadPolicy

INLINE_TOKENS = 64  # words and symbols: at most a few milliseconds of checking
BUDGET_TOKENS = 512  # inline too while the budget lasts: up to about 50 ms of checking
BUDGET_S = 0.05  # inline checking the loop may do in a burst...
BUDGET_SHARE = 0.05  # ...and in the long run, as a share of its time
CHECK_TIMEOUT_S = 10.0  # an 80,000-character IN list takes 0.5 s, the densest text 9 s
START_TIMEOUT_S = 60.0  # a worker imports pydantic and sqlglot before it is ready
# A check stopped at timeout_s is the statement's cost, and remembered, when the worker
# spent at least this share of the time on its CPU; less, the machine's load was.
COSTLY_SHARE = 0.5
_ROUGH_TOKEN = re.compile(r"\w+|\S")  # counts at least the tokens sqlglot will see
_READY = "ready"
_BOOT = "import sys; from azsql_mcp.db.guardworker import serve; serve(int(sys.argv[1]))"

Verdict = sqlguard.CheckedStatement | Refusal
# ("check", text, rules) or ("fingerprint", text, None): what a worker is asked
Request = tuple[str, str, sqlguard.Rules | None]


class Checker:
    """Checks statements, the long ones in worker processes (see the module docstring)."""

    def __init__(
        self,
        *,
        processes: int = 1,
        timeout_s: float = CHECK_TIMEOUT_S,
        inline_tokens: int = INLINE_TOKENS,
        budget_tokens: int = BUDGET_TOKENS,
    ):
        self.timeout_s = timeout_s
        self.inline_tokens = inline_tokens
        self.budget_tokens = budget_tokens
        self._budget = _Budget(BUDGET_S, BUDGET_SHARE)
        # One thread per worker process waits on it, so the event loop never does; calls
        # beyond that queue in the executor, not in blocked threads.
        self._threads = ThreadPoolExecutor(processes, thread_name_prefix="azsql-guard")
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers = [_Worker() for _ in range(processes)]
        for worker in self._workers:
            self._idle.put(worker)
        self._pending: dict[Hashable, Future[Any]] = {}
        self._lock = threading.Lock()

    async def check_select(
        self, sql: str, *, policy: ReadPolicy = STRICT
    ) -> sqlguard.CheckedStatement:
        """sqlguard.check_select, off the event loop for long statements."""
        rules = sqlguard.Rules.read(policy)
        known = _remembered(sql, rules)
        if known is not None:
            return known
        if self._inline(sql):
            with self._charged():
                return sqlguard.check_select(sql, policy=policy)
        return await self._check(sql, rules)

    async def check_write(
        self,
        sql: str,
        kinds: Collection[str],
        *,
        allow_unfiltered: bool,
        policy: ReadPolicy = STRICT,
        non_nullable: Collection[str] = (),
    ) -> sqlguard.CheckedStatement:
        """sqlguard.check_write, off the event loop for long statements."""
        wanted = sqlguard.write_kinds(kinds)
        columns = frozenset(c.casefold() for c in non_nullable)
        rules = sqlguard.Rules(wanted, allow_unfiltered, policy, columns)
        known = _remembered(sql, rules)
        if known is not None:
            return known
        if self._inline(sql):
            with self._charged():
                return sqlguard.check_write(
                    sql,
                    wanted,
                    allow_unfiltered=allow_unfiltered,
                    policy=policy,
                    non_nullable=non_nullable,
                )
        return await self._check(sql, rules)

    async def fingerprint(self, sql: str) -> str:
        """sqlguard.fingerprint, off the event loop for long statements."""
        if len(sql) > sqlguard.MAX_SQL_CHARS:  # refused unread: a hash of the raw text
            return _raw_hash(sql)
        key = ("fingerprint", sql)
        found = VERDICTS.get(key)
        if isinstance(found, str):  # before counting tokens: most statements are repeats
            return found
        if self._inline(sql):
            with self._charged():
                return sqlguard.fingerprint(sql)
        return str(await self._ask(key, ("fingerprint", sql, None)))

    def close(self) -> None:
        """Stop the worker processes (a later check starts new ones)."""
        for worker in self._workers:
            worker.stop()

    def _charged(self) -> AbstractContextManager[None]:
        """The budget charged for an inline check. The process's first check imports
        sqlglot (60 to 80 ms, more than the whole budget): that is not charged, or a cold
        start alone would send the next medium statements to a worker process."""
        sqlguard.load()
        return self._budget.charged()

    def _inline(self, sql: str) -> bool:
        # Over MAX_SQL_CHARS the first test of the check refuses at once. Without POSIX
        # (pass_fds) there is no worker process, as there is no driver process (executors.py).
        if len(sql) > sqlguard.MAX_SQL_CHARS or os.name != "posix":
            return True
        limit = min(max(self.inline_tokens, self.budget_tokens), len(sql))  # no more tokens
        tokens = sum(1 for _ in islice(_ROUGH_TOKEN.finditer(sql), limit + 1))
        if tokens <= self.inline_tokens:
            return True
        # Medium statements (the built-in catalog queries have 30 to 260) are checked
        # inline while that stays a small share of the loop's time, so a server that
        # is not under a flood of them never needs the worker process.
        return tokens <= self.budget_tokens and self._budget.allows()

    async def _check(self, sql: str, rules: sqlguard.Rules) -> sqlguard.CheckedStatement:
        key = check_key(sql, rules)
        verdict = VERDICTS.get(key)
        if not isinstance(verdict, Verdict):
            verdict = await self._ask(key, ("check", sql, rules))
        assert isinstance(verdict, Verdict)  # _answer gives nothing else
        return settle(verdict)

    async def _ask(self, key: Hashable, request: Request) -> object:
        with self._lock:
            future = self._pending.get(key)
            asked = future is None
            if future is None:
                future = self._pending[key] = self._threads.submit(self._answer, key, request)
        if asked:
            # Outside the lock: a future already done (a quick answer) runs the callback
            # here and now, and it takes the lock.
            future.add_done_callback(lambda done: self._forget(key, done))
        # A caller that gives up does not cancel the check others may share.
        return await asyncio.shield(asyncio.wrap_future(future))

    def _forget(self, key: Hashable, done: Future[Any]) -> None:
        with self._lock:
            if self._pending.get(key) is done:
                del self._pending[key]

    def _answer(self, key: Hashable, request: Request) -> object:
        """In a thread of the executor: ask an idle worker, remember the answer."""
        op, sql, rules = request
        write_kinds = rules.write_kinds if rules is not None else None
        worker = self._idle.get()  # never waits long: one thread per worker
        try:
            answer = worker.ask(request, self.timeout_s)
        finally:
            self._idle.put(worker)
        if op == "fingerprint":
            if not isinstance(answer, str):  # the worker failed: a hash of the raw text
                answer = _raw_hash(sql)
            VERDICTS.put(key, answer, len(sql) + 16)
            return answer
        if isinstance(answer, _TimedOut):
            if not answer.costly(self.timeout_s):  # not remembered: the load may pass
                return Refusal(
                    f"Checking the statement took longer than {self.timeout_s:g} s, the"
                    f" guard's limit, while the server was too busy to give the check more"
                    f" than {answer.cpu_s:.2g} s of CPU, so it was stopped. Try again; if it"
                    " happens again, shorten or simplify it.",
                    sqlguard.allowed_for(write_kinds),
                )
            answer = Refusal(
                f"Checking the statement took longer than {self.timeout_s:g} s, the guard's "
                "limit, so it was stopped. Shorten or simplify it (pass long value lists "
                "as @name parameters).",
                sqlguard.allowed_for(write_kinds),
            )
        elif answer is _CRASHED:  # not remembered: the process may have died of something else
            return Refusal(
                "The guard's checker process ended while checking the statement. Try "
                "again; if it happens again, shorten or simplify the statement.",
                sqlguard.allowed_for(write_kinds),
            )
        if not isinstance(answer, Verdict):
            message = answer.message if isinstance(answer, _Failed) else repr(answer)
            raise RuntimeError(f"the guard's checker process failed: {message}")
        assert isinstance(key, tuple)
        remember(key, answer)
        return answer


class _Budget:
    """A leaky bucket of event-loop time for inline checks: up to `burst_s` at once,
    refilled at `share` seconds a second."""

    def __init__(self, burst_s: float, share: float):
        self.burst_s = burst_s
        self.share = share
        self._spent = 0.0
        self._at = time.monotonic()

    def allows(self) -> bool:
        self._leak()
        return self._spent < self.burst_s

    @contextmanager
    def charged(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._leak()
            self._spent += time.perf_counter() - started

    def _leak(self) -> None:
        now = time.monotonic()
        self._spent = max(0.0, self._spent - (now - self._at) * self.share)
        self._at = now


def _remembered(sql: str, rules: sqlguard.Rules) -> sqlguard.CheckedStatement | None:
    """The cached verdict of this check (QueryRefused for a refusal), None if not seen.
    Looked up before the tokens are counted: most statements are repeats."""
    verdict = VERDICTS.get(check_key(sql, rules))
    return settle(verdict) if isinstance(verdict, Verdict) else None


def _raw_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode("utf-8", "replace")).hexdigest()[:16]


_CRASHED = object()


@dataclass(frozen=True)
class _TimedOut:
    """The worker did not answer within the limit: the CPU it spent on the request (None
    where the platform does not say)."""

    cpu_s: float | None

    def costly(self, timeout_s: float) -> bool:
        """Whether the statement, not the machine's load, took the time."""
        return self.cpu_s is None or self.cpu_s >= COSTLY_SHARE * timeout_s


@dataclass(frozen=True)
class _Failed:
    """The worker raised while checking (a bug): its message."""

    message: str


class _Worker:
    """One checker process; used by one thread at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._cpu_s = 0.0  # the process's CPU time as of its last message

    def ask(self, request: Request, timeout_s: float) -> object:
        """The worker's answer, _Failed if the check raised, or a _TimedOut or _CRASHED if
        it gave none (then the worker is gone)."""
        conn = self._started()
        try:
            conn.send(request)
            if not conn.poll(timeout_s):
                before, lived = self._cpu_s, self.stop()
                return _TimedOut(None if lived is None else lived - before)
            ok, value, self._cpu_s = conn.recv()
        except (EOFError, OSError):
            self.stop()
            return _CRASHED
        return value if ok else _Failed(str(value))

    def _started(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.poll() is None:
            return self._conn
        self.stop()
        ours, theirs = socket.socketpair()
        with theirs:
            # A process of its own, like the driver process (pool.py): not a fork of a
            # server that has threads, and no re-run of the server's main module.
            self._process = subprocess.Popen(
                # -P: with -c the working directory would come first on sys.path, and a
                # file there named like a module we import would replace it
                [sys.executable, "-P", "-c", _BOOT, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # stdout may be the MCP stdio channel
                env=os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
            )
        self._conn = Connection(ours.detach())
        ready = self._conn.recv() if self._conn.poll(START_TIMEOUT_S) else None
        if not (isinstance(ready, tuple) and ready[0] == _READY):
            self.stop()
            raise RuntimeError(
                f"the guard's checker process did not start within {START_TIMEOUT_S:g} s"
            )
        self._cpu_s = ready[1]
        return self._conn

    def stop(self) -> float | None:
        """Kill the process; the CPU time it used in its life (None: not told)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        process, self._process = self._process, None
        if process is None:
            return None
        process.kill()
        # reaped already (it had ended: poll), or a platform without wait4
        if process.returncode is not None or not hasattr(os, "wait4"):
            process.wait()
            return None
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        return usage.ru_utime + usage.ru_stime


def serve(fd: int) -> None:
    """The worker process: answer check and fingerprint requests until the socket closes."""
    conn = Connection(fd)
    # Signals sent to the whole process group are the server's to handle; this process
    # ends when the server closes the socket or is gone.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(10)  # the server's event loop goes first
    sqlguard.check_select("SELECT 1")  # load sqlglot before saying ready
    # every message says the CPU time spent so far: the server tells a costly check from
    # one starved of CPU by what the process spent on it before it was stopped
    conn.send((_READY, time.process_time()))
    while True:
        try:
            op, sql, rules = conn.recv()
        except EOFError:
            return
        try:
            if op == "check":
                answer: tuple[bool, object] = (
                    True,
                    sqlguard.compute_verdict(sql, rules),
                )
            else:
                answer = (True, sqlguard.compute_fingerprint(sql))
        except Exception as exc:  # a bug in the check: the server says so
            answer = (False, f"{type(exc).__name__}: {exc}")
        try:
            conn.send((*answer, time.process_time()))
        except OSError:  # the server is gone
            return


CHECKER = Checker()


async def check_select(sql: str, *, policy: ReadPolicy = STRICT) -> sqlguard.CheckedStatement:
    return await CHECKER.check_select(sql, policy=policy)


async def check_write(
    sql: str,
    kinds: Collection[str],
    *,
    allow_unfiltered: bool,
    policy: ReadPolicy = STRICT,
    non_nullable: Collection[str] = (),
) -> sqlguard.CheckedStatement:
    return await CHECKER.check_write(
        sql, kinds, allow_unfiltered=allow_unfiltered, policy=policy, non_nullable=non_nullable
    )


async def fingerprint(sql: str) -> str:
    return await CHECKER.fingerprint(sql)
