"""The worker supervisor's restarts (serving/workers.py), with stand-in processes: a
worker that dies young is replaced after a pause that doubles, one that ran steadily at
once, and one that could not start stops the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azsql_mcp.serving import workers


class Worker:
    """What the supervisor reads of a process: its pid and exit code."""

    def __init__(self, pid: int):
        self.pid = pid
        self.exitcode: int | None = None


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[float]:
    monkeypatch.setenv(workers.MULTIPROC_DIR_ENV, str(tmp_path))  # where gauges are dropped
    now = [100.0]
    monkeypatch.setattr(workers.time, "monotonic", lambda: now[0])
    return now


def supervisor(monkeypatch: pytest.MonkeyPatch) -> tuple[workers.Supervisor, list[Worker]]:
    started: list[Worker] = []

    def start(self: workers.Supervisor, sock: Any) -> Worker:
        started.append(Worker(len(started) + 1))
        return started[-1]

    monkeypatch.setattr(workers.Supervisor, "_start", start)
    sup = workers.Supervisor(config=None, sockets=[None], grace_s=1)  # type: ignore[arg-type]
    sup.workers = [sup._start(None)]  # type: ignore[arg-type]
    sup.started, sup.pause = [workers.time.monotonic()], [0.0]
    return sup, started


def test_a_worker_that_dies_young_is_replaced_after_a_doubling_pause(
    monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    sup, started = supervisor(monkeypatch)
    first = workers.RESTART_PAUSE_S[0]

    clock[0] += 1
    started[-1].exitcode = 1
    assert sup._replace_dead() is None
    assert len(started) == 1  # not at once
    clock[0] += first - 0.1
    sup._replace_dead()
    assert len(started) == 1
    clock[0] += 0.1
    sup._replace_dead()
    assert len(started) == 2

    started[-1].exitcode = 1  # young again: twice the pause
    sup._replace_dead()
    clock[0] += 2 * first - 0.1
    sup._replace_dead()
    assert len(started) == 2
    clock[0] += 0.1
    sup._replace_dead()
    assert len(started) == 3

    clock[0] += workers.STEADY_S  # ran steadily: replaced at once
    started[-1].exitcode = 1
    sup._replace_dead()
    assert len(started) == 4
    assert sup.pause == [0.0]


def test_the_pause_stops_growing_at_its_bound(
    monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    sup, started = supervisor(monkeypatch)
    most = workers.RESTART_PAUSE_S[1]
    for _ in range(10):
        started[-1].exitcode = 1
        sup._replace_dead()
        clock[0] += most
        sup._replace_dead()
    assert sup.pause == [most]


def test_a_worker_that_cannot_start_stops_the_server(
    monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    sup, started = supervisor(monkeypatch)
    started[-1].exitcode = workers.EXIT_CONFIG
    assert sup._replace_dead() == workers.EXIT_CONFIG
    assert len(started) == 1
