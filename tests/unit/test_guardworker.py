"""The guard off the event loop (guardworker.py) and its verdict cache (guardcache.py):
long statements are checked in a worker process, with a time bound, and every verdict,
refusals included, is remembered. Behaviour only: no timing thresholds beyond "still
running while the loop serves something else"."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sql_corpus import load_corpus

from azsql_mcp import QueryRefused
from azsql_mcp.db import guardcache, guardworker, sqlguard
from azsql_mcp.db.guardcache import VERDICTS, Refusal, VerdictCache
from azsql_mcp.db.guardworker import Checker

_serial = itertools.count()


def long_select(chars: int = 20_000) -> str:
    """A fresh (never cached) SELECT of about `chars` characters."""
    values = ",".join(str(i) for i in range(chars // 6))
    return f"SELECT {next(_serial)} AS n FROM dbo.t WHERE id IN ({values})"


@pytest.fixture(scope="module")
def checker() -> Iterator[Checker]:
    """Every statement goes to the worker process (one for the whole module)."""
    worker = Checker(inline_tokens=0, budget_tokens=0, timeout_s=60)
    yield worker
    worker.close()


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    VERDICTS.clear()
    yield
    VERDICTS.clear()


def verdict_inline(sql: str, write_kinds: frozenset[str] | None = None) -> object:
    try:
        return (
            sqlguard.check_select(sql)
            if write_kinds is None
            else sqlguard.check_write(sql, write_kinds, allow_unfiltered=False)
        )
    except QueryRefused as exc:
        return str(exc)


async def verdict_in_worker(
    checker: Checker, sql: str, write_kinds: frozenset[str] | None = None
) -> object:
    try:
        if write_kinds is None:
            return await checker.check_select(sql)
        return await checker.check_write(sql, write_kinds, allow_unfiltered=False)
    except QueryRefused as exc:
        return str(exc)


async def test_the_worker_gives_the_inline_verdicts_on_both_corpora() -> None:
    writes = frozenset({"insert", "update", "delete"})
    cases = [
        (sql, kinds)
        for name in ("legit", "hostile")
        for sql in load_corpus(name)
        for kinds in (None, writes)
    ]
    expected = [verdict_inline(sql, kinds) for sql, kinds in cases]
    VERDICTS.clear()  # the workers must check them, not find them
    # 1,268 round trips to a worker that runs niced: on a loaded machine each waits
    # mostly for its turn on a core (over 120 s in all, one at a time), so four
    # workers take them at once.
    checker = Checker(processes=4, inline_tokens=0, budget_tokens=0, timeout_s=60)
    try:
        verdicts = await asyncio.gather(
            *(verdict_in_worker(checker, sql, kinds) for sql, kinds in cases)
        )
    finally:
        checker.close()
    for (sql, _), verdict, inline in zip(cases, verdicts, expected, strict=True):
        assert verdict == inline, sql


async def test_a_long_statement_is_accepted_as_inline(checker: Checker) -> None:
    sql = long_select()
    checked = await checker.check_select(sql)
    assert checked == sqlguard.compute_verdict(sql, sqlguard.Rules.read())
    assert checked.fingerprint == await checker.fingerprint(sql) == sqlguard.fingerprint(sql)


async def test_a_check_that_takes_too_long_is_refused_saying_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # however little CPU the worker had in 1 ms, the time counts as the statement's
    monkeypatch.setattr(guardworker, "COSTLY_SHARE", 0.0)
    slow = Checker(timeout_s=0.001)
    try:
        sql = long_select()
        with pytest.raises(QueryRefused) as refused:
            await slow.check_select(sql)
        assert "took longer than 0.001 s" in refused.value.reason
        assert "Shorten or simplify" in refused.value.reason
        assert refused.value.allowed == sqlguard.ALLOWED_SELECT
        # The refusal is remembered: with time to spare, the same text is still refused,
        # while the replaced worker checks new text.
        slow.timeout_s = 60
        with pytest.raises(QueryRefused, match=r"took longer than 0\.001 s"):
            await slow.check_select(sql)
        assert (await slow.check_select(long_select())).kind == "select"
    finally:
        slow.close()


async def test_a_check_starved_of_cpu_is_refused_for_now_not_remembered(checker: Checker) -> None:
    """A worker that had little CPU within the limit (it runs niced: a busy machine)
    gives a refusal that says so, which the statement does not keep."""
    await checker.check_select("SELECT 1")  # the worker is up
    process = checker._workers[0]._process
    assert process is not None
    process.send_signal(signal.SIGSTOP)  # no CPU at all until it is killed
    checker.timeout_s = 1
    sql = long_select()
    verdict = await verdict_in_worker(checker, sql)
    assert isinstance(verdict, str), verdict
    assert "took longer than 1 s" in verdict and "too busy to give the check" in verdict
    assert "Try again" in verdict
    checker.timeout_s = 60  # the next worker has time: the statement is checked afresh
    assert (await checker.check_select(sql)).kind == "select"


def cpu_ticks(pid: int) -> int:
    """The CPU time a process has used (user and system), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat


async def test_a_worker_that_dies_mid_check_is_a_refusal_then_replaced(checker: Checker) -> None:
    await checker.check_select("SELECT 1")  # the worker is up, waiting for a request
    process = checker._workers[0]._process
    assert process is not None
    idle = cpu_ticks(process.pid)
    sql = long_select()  # about 0.1 s of the worker's CPU: ten ticks (of 10 ms) or more
    check = asyncio.create_task(verdict_in_worker(checker, sql))
    # Two ticks: more than the end of its last answer can have added since; the check
    # has begun, and has most of its CPU time still to go.
    async with asyncio.timeout(60):  # the worker runs niced: late on a loaded machine
        while cpu_ticks(process.pid) < idle + 2:
            await asyncio.sleep(0.001)
    process.kill()
    verdict = await check
    assert isinstance(verdict, str) and "ended while checking" in verdict
    # Not remembered (the process may have died of something else): checked again.
    assert (await checker.check_select(sql)).kind == "select"


async def test_a_cached_refusal_is_still_a_refusal() -> None:
    checker = Checker(inline_tokens=0, budget_tokens=0, timeout_s=60)
    try:
        sql = long_select() + " ; DROP TABLE dbo.t"
        first = await verdict_in_worker(checker, sql)
        assert isinstance(first, str) and "second statement" in first
        checker.timeout_s = 0.001  # a second check would time out: the cache must answer
        assert await verdict_in_worker(checker, sql) == first
        assert verdict_inline(sql) == first  # the sync path reads the same cache
    finally:
        checker.close()


def test_a_short_refusal_is_cached_and_raised_afresh() -> None:
    sql = "SELECT 1; DELETE FROM dbo.t"
    errors = []
    for _ in range(2):
        with pytest.raises(QueryRefused) as refused:
            sqlguard.check_select(sql)
        errors.append(refused.value)
    assert errors[0] is not errors[1] and str(errors[0]) == str(errors[1])
    assert isinstance(VERDICTS.get(guardcache.check_key(sql, sqlguard.Rules.read())), Refusal)


async def test_the_loop_serves_others_while_a_long_check_runs(checker: Checker) -> None:
    await checker.check_select("SELECT 1")  # the worker is up
    process = checker._workers[0]._process
    assert process is not None
    process.send_signal(signal.SIGSTOP)  # it cannot answer until continued
    try:
        check = asyncio.create_task(checker.check_select(long_select()))
        await asyncio.sleep(0.01)  # on the loop, the check would finish before this returns
        assert not check.done()
    finally:
        process.send_signal(signal.SIGCONT)
    assert (await check).kind == "select"


async def test_concurrent_checks_of_one_text_share_one_check(checker: Checker) -> None:
    sql = long_select()
    first, second = await asyncio.gather(checker.check_select(sql), checker.check_select(sql))
    assert first is second


async def test_write_checks_go_through_the_worker_with_their_kinds(checker: Checker) -> None:
    values = ",".join(f"({i})" for i in range(3000))
    sql = f"INSERT INTO dbo.t (id) VALUES {values}"
    assert (await checker.check_write(sql, ["insert"], allow_unfiltered=False)).kind == "insert"
    with pytest.raises(QueryRefused, match="INSERT"):
        await checker.check_write(sql, ["delete"], allow_unfiltered=False)
    with pytest.raises(ValueError, match="kinds"):
        await checker.check_write(sql, ["drop"], allow_unfiltered=False)


async def test_over_the_size_cap_is_refused_without_the_worker() -> None:
    never = Checker(timeout_s=0.001)  # a worker would time out: none may be asked
    sql = "SELECT 1 AS n" + " " * sqlguard.MAX_SQL_CHARS
    with pytest.raises(QueryRefused, match="the limit is"):
        await never.check_select(sql)
    assert len(await never.fingerprint(sql)) == 16


async def test_short_statements_are_checked_inline_and_dense_ones_are_not() -> None:
    slow = Checker(timeout_s=0.001, budget_tokens=0)  # the worker refuses all: too slow
    try:
        assert (await slow.check_select("SELECT TOP (10) a, b FROM dbo.t ORDER BY a")).sql
        assert len(await slow.fingerprint("SELECT TOP (10) a FROM dbo.t")) == 16
        dense = "SELECT " + "+".join(["a"] * 100) + " AS x FROM dbo.t"  # short, many tokens
        assert len(dense) < 250
        with pytest.raises(QueryRefused, match="took longer than"):
            await slow.check_select(dense)
    finally:
        slow.close()


async def test_medium_statements_are_inline_until_the_budget_is_spent() -> None:
    slow = Checker(timeout_s=0.001)  # the worker refuses all: too slow
    try:
        verdicts: list[object] = []
        for n in range(500):  # about 1 ms each: far more than the 50 ms budget
            medium = f"SELECT {n} AS n FROM dbo.t WHERE id IN ({','.join(['1'] * 150)})"
            verdicts.append(await verdict_in_worker(slow, medium))
            if isinstance(verdicts[-1], str):
                break
        assert not isinstance(verdicts[0], str)  # the first is checked inline
        assert isinstance(verdicts[-1], str) and "took longer than" in verdicts[-1]
    finally:
        slow.close()


def test_the_cache_is_bounded_in_characters() -> None:
    cache = VerdictCache(budget_chars=10_000)
    for i in range(100):
        cache.put(("k", i), "v", 1_000)
    assert cache.held_chars <= 10_000
    assert cache.get(("k", 0)) is None and cache.get(("k", 99)) == "v"
    cache.put(("huge",), "v", 20_000)  # bigger than the whole budget: not kept
    assert cache.get(("huge",)) is None and cache.held_chars <= 10_000


def test_the_cache_drops_the_least_recently_used() -> None:
    cache = VerdictCache(budget_chars=3 * (100 + guardcache.ENTRY_OVERHEAD_CHARS))
    for key in "abc":
        cache.put(key, key, 100)
    cache.get("a")  # used: "b" is now the oldest
    cache.put("d", "d", 100)
    assert [cache.get(k) for k in "abcd"] == ["a", None, "c", "d"]


def test_importing_sqlglot_is_not_charged_to_the_inline_budget() -> None:
    """A fresh process's first check imports sqlglot, which takes longer than the whole
    inline budget: charged, it sent the next medium statements of a server started into
    traffic to a worker process (about 44 MB each, one per server worker).

    The import is made a second slower, and the budget as large: charged, the import
    alone spends it; not charged, the check itself would have to take a second, many
    times what it takes on a loaded machine (against the real 50 ms budget, a loaded
    machine could spend it on the check alone)."""
    script = (
        "import asyncio, sys, time\n"
        "assert 'sqlglot' not in sys.modules\n"
        "class SlowImport:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'sqlglot':\n"
        "            sys.meta_path.remove(self)\n"
        "            time.sleep(1.0)\n"
        "sys.meta_path.insert(0, SlowImport())\n"
        "from azsql_mcp.db import guardworker\n"
        "checker = guardworker.Checker()\n"
        "assert 'sqlglot' not in sys.modules\n"
        "checker._budget = guardworker._Budget(1.0, guardworker.BUDGET_SHARE)\n"
        "asyncio.run(checker.check_select('SELECT TOP (10) a FROM dbo.t'))\n"
        "assert 'sqlglot' in sys.modules\n"
        "print(checker._budget.allows())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "True", done.stderr


def test_an_answer_before_its_callback_is_added_does_not_hang_the_caller() -> None:
    """A check the worker answers before `_ask` adds its done callback (a loaded machine
    can pause the caller's thread for that long) ran the callback at once, in the
    caller's thread, which then waited on the lock it held: the event loop hung."""
    from concurrent.futures import Future

    quick = Checker(inline_tokens=0, budget_tokens=0)

    def answered_at_once(fn: object, *args: object) -> Future[object]:
        done: Future[object] = Future()
        done.set_result(sqlguard.check_select("SELECT 1 AS n"))
        return done

    quick._threads.submit = answered_at_once  # type: ignore[method-assign]
    outcome: list[object] = []
    caller = threading.Thread(
        target=lambda: outcome.append(asyncio.run(quick._ask("key", ("check", "x", None)))),
        daemon=True,  # left hanging when the lock is taken twice: the test fails, not the run
    )
    caller.start()
    caller.join(10)
    quick.close()
    assert not caller.is_alive(), "the caller hung on the pending checks' lock"
    assert outcome and quick._pending == {}
