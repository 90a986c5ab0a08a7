"""The worker supervisor's restarts (serving/workers.py), with stand-in processes: a
worker that dies young is replaced after a pause that doubles, one that ran steadily at
once, and one that could not start stops the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azsql_mcp.core.settingtables import LoggingSettings
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
    sup = workers.Supervisor(
        config=None,  # type: ignore[arg-type]
        sockets=[None],  # type: ignore[list-item]
        grace_s=1,
        logs=LoggingSettings(),
    )
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


def test_a_worker_that_cannot_start_once_one_served_is_retried(
    monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    """After an invalid edit of the file the running workers refused: the replacement
    of a dead worker exits 2; the others keep serving, and it is tried again."""
    sup, started = supervisor(monkeypatch)
    sup.served = True
    first = workers.RESTART_PAUSE_S[0]
    clock[0] += workers.STEADY_S  # even after running long: it did not start
    started[-1].exitcode = workers.EXIT_CONFIG
    assert sup._replace_dead() is None
    assert len(started) == 1
    clock[0] += first
    assert sup._replace_dead() is None
    assert len(started) == 2
    started[-1].exitcode = workers.EXIT_CONFIG
    assert sup._replace_dead() is None
    assert sup.pause == [2 * first]


def test_a_replacement_whose_port_was_taken_is_tried_again(
    monkeypatch: pytest.MonkeyPatch, clock: list[float]
) -> None:
    sup, started = supervisor(monkeypatch)
    taken = [True]
    real_start = workers.Supervisor._start

    def start(self: workers.Supervisor, i: int) -> Any:
        if taken[0]:
            raise workers.PortInUse("cannot listen on 127.0.0.1:1: Address already in use")
        return real_start(self, i)

    monkeypatch.setattr(workers.Supervisor, "_start", start)
    clock[0] += workers.STEADY_S
    started[-1].exitcode = 1
    assert sup._replace_dead() is None  # the port is taken: not now
    assert len(started) == 1 and 0 in sup.due
    taken[0] = False
    clock[0] += workers.RESTART_PAUSE_S[0]
    sup._replace_dead()
    assert len(started) == 2 and not sup.due


def test_no_usable_temporary_folder_is_one_clear_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A read-only container without TMPDIR: no folder tempfile can use."""
    monkeypatch.setattr(workers.tempfile, "tempdir", None)
    monkeypatch.setattr(
        workers.tempfile, "_candidate_tempdir_list", lambda: [str(tmp_path / "missing")]
    )
    with pytest.raises(workers.ConfigError) as caught:
        workers._metrics_dir()
    assert "cannot create a folder for the workers' metrics" in str(caught.value)
    assert "Point TMPDIR at a writable folder" in str(caught.value)
