"""GETDATE, GETUTCDATE, SYSDATETIME, SYSUTCDATETIME and SYSDATETIMEOFFSET: the server's
clock, each as its type holds it ("Date and time data types and functions
(Transact-SQL)"). GETDATE and GETUTCDATE are datetime (1/300 s); the SYS functions are
datetime2(7) and datetimeoffset(7), read to 100 ns as SQL Server reads its clock, so
their seventh fractional digit is the clock's, not always 0.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from .temporal import format_datetime


def _clock(zone: dt.tzinfo | None) -> tuple[dt.datetime, int]:
    """Now, in `zone` (None: local, with its offset), and its 100 ns digit."""
    seconds, nanos = divmod(time.time_ns(), 1_000_000_000)
    when = dt.datetime.fromtimestamp(seconds).astimezone(zone)
    return when.replace(microsecond=nanos // 1000), nanos // 100 % 10


def _reading(type_name: str, zone: dt.tzinfo | None, *, naive: bool = True) -> Callable[[], str]:
    def read() -> str:
        when, seventh = _clock(zone)
        when = when.replace(tzinfo=None) if naive else when
        return format_datetime(when, type_name, 7, seventh)

    return read


CLOCK_FUNCTIONS: dict[str, tuple[int, Callable[..., Any], bool]] = {
    # name: (arity, function, deterministic)
    "GETDATE": (0, _reading("datetime", None), False),
    "GETUTCDATE": (0, _reading("datetime", dt.UTC), False),
    "SYSDATETIME": (0, _reading("datetime2", None), False),
    "SYSUTCDATETIME": (0, _reading("datetime2", dt.UTC), False),
    "SYSDATETIMEOFFSET": (0, _reading("datetimeoffset", None, naive=False), False),
}
