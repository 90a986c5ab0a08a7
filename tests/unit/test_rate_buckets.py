"""Per-client rate ([server.limits] rate_per_minute, rate_burst): each client's token
bucket lets a burst through, then refuses with the seconds until its next token. And
the listen streams and HTTP sessions each client holds (max_listen_streams_per_client,
max_sessions_per_client)."""

from __future__ import annotations

from azsql_mcp.core.settingtables import ServerLimits
from azsql_mcp.serving.admission import LimitState, SessionTable


def test_a_burst_passes_then_the_client_is_told_when_to_retry() -> None:
    limits = LimitState(ServerLimits(rate_per_minute=60, rate_burst=3))
    assert [limits.take("sub:a") for _ in range(3)] == [None, None, None]
    retry_after = limits.take("sub:a")
    assert retry_after is not None and 0 < retry_after <= 1.0  # a token a second


def test_each_client_has_its_own_bucket() -> None:
    limits = LimitState(ServerLimits(rate_per_minute=60, rate_burst=1))
    assert limits.take("sub:a") is None
    assert limits.take("sub:a") is not None
    assert limits.take("sub:b") is None


def test_a_reload_with_a_new_rate_starts_full_buckets() -> None:
    limits = LimitState(ServerLimits(rate_per_minute=60, rate_burst=1))
    assert limits.take("sub:a") is None
    assert limits.take("sub:a") is not None
    limits.update(ServerLimits(rate_per_minute=120, rate_burst=1))
    assert limits.take("sub:a") is None


def test_rate_zero_lets_every_request_through() -> None:
    limits = LimitState(ServerLimits(rate_per_minute=0, rate_burst=1))
    assert all(limits.take("sub:a") is None for _ in range(100))


def test_listen_streams_are_counted_per_client_and_freed_when_they_end() -> None:
    limits = LimitState(ServerLimits(max_listen_streams_per_client=2))
    assert limits.open_listen("sub:a") and limits.open_listen("sub:a")
    assert not limits.open_listen("sub:a")
    assert limits.open_listen("sub:b")
    limits.close_listen("sub:a")
    assert limits.open_listen("sub:a")


def test_a_reload_that_lowers_the_listen_limit_keeps_open_streams_refuses_new_ones() -> None:
    limits = LimitState(ServerLimits(max_listen_streams_per_client=3))
    assert all(limits.open_listen("sub:a") for _ in range(3))
    limits.update(ServerLimits(max_listen_streams_per_client=1))
    assert not limits.open_listen("sub:a")
    for _ in range(3):
        limits.close_listen("sub:a")
    assert limits.open_listen("sub:a")


HOUR = 3600.0


def test_sessions_count_once_answered_with_an_id_and_while_being_opened() -> None:
    table = SessionTable()
    assert table.reserve("a", 2, HOUR)
    assert table.reserve("a", 2, HOUR)  # two initialize requests at once
    assert not table.reserve("a", 2, HOUR)
    table.settle("a", None)  # refused by the SDK: no session
    assert table.held("a") == 1
    table.settle("a", "s1")
    assert table.held("a") == 1
    assert table.reserve("a", 2, HOUR) and table.reserve("b", 2, HOUR)


def test_a_session_ends_when_its_client_deletes_it() -> None:
    table = SessionTable()
    for session_id in ("s1", "s2"):
        table.reserve("a", 2, HOUR)
        table.settle("a", session_id)
    table.begin("s1")
    table.end("s1", "a", gone=False)  # an ordinary request
    assert table.held("a") == 2
    table.begin("s2")
    table.end("s2", "b", gone=True)  # another client's DELETE: the SDK refuses it anyway
    assert table.held("a") == 2
    table.begin("s2")
    table.end("s2", "a", gone=True)  # deleted
    assert table.held("a") == 1
    assert not table.begin("nope")  # a session this table never saw: not counted
    assert table.held("a") == 1


def test_an_idle_session_stops_counting_and_one_in_use_does_not() -> None:
    table = SessionTable()
    for session_id in ("busy", "idle"):
        table.reserve("a", 2, HOUR)
        table.settle("a", session_id)
    table.begin("busy")  # a listening GET stream, say: in flight for as long as it lasts
    assert not table.reserve("a", 2, HOUR)
    assert table.reserve("a", 2, 0.0)  # "idle" has been idle for the (zero) timeout
    assert table.held("a") == 2
    assert not table.reserve("a", 2, 0.0)  # "busy" never idles while in flight
