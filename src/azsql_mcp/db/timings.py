"""The timings of one source: the availability machinery's, retries', tokens'; and the
query timeout as the driver takes it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from azsql_mcp.api import Limits
from azsql_mcp.db.retry import FIRST_RETRY_S, MAX_RETRY_DELAY_S


@dataclass(frozen=True)
class Tuning:
    """Timings of the availability machinery; the defaults suit production."""

    probe_interval_up_s: float = 15.0  # while up, and only after calls used the database
    probe_interval_down_s: float = 0.5  # first outage re-probe; also the fastest callers
    # can make it re-probe (how fast service resumes after an outage)
    probe_interval_down_max_s: float = 30.0  # the outage back-off doubles up to this
    probe_interval_refused_s: float = 30.0  # after a refused login or token
    reachability_timeout_s: float = 2.0  # TCP connect check before each new login
    validate_after_s: float = 30.0  # idle time after which a pooled connection is checked
    token_margin_s: float = 300.0  # recycle connections this long before their token expires
    min_token_life_s: float = 60.0  # never open a connection with a token closer to expiry
    retry_first_s: float = FIRST_RETRY_S  # a read's first retry after a transient fault
    retry_max_delay_s: float = MAX_RETRY_DELAY_S
    deadlock_retries: int = 2  # immediate reruns of a read chosen as deadlock victim


def query_timeout(limits: Limits) -> int:
    """query_timeout_s as pyodbc takes it: whole seconds, and 0 would mean "no timeout"."""
    return max(1, math.ceil(limits.query_timeout_s))
