"""Per-client rate ([server.limits] rate_per_minute, rate_burst): each client's token
bucket lets a burst through, then refuses with the seconds until its next token. And
the listen streams each client holds (max_listen_streams_per_client)."""

from __future__ import annotations

from azsql_mcp.core.config import ServerLimits
from azsql_mcp.serving.admission import LimitState


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
