"""sys.dm_exec_sessions' last request times and sys.dm_exec_requests' start_time: the
clock readings a session keeps for each request, shown as datetime values."""

from __future__ import annotations

import datetime as dt

from engine_helpers import rows

from tds_test_server.engine.engine import Engine
from tds_test_server.results import SessionInfo


def test_request_times_are_datetimes_of_this_request_and_the_last() -> None:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=93, user="sa", database="tdb"))
        before = dt.datetime.now() - dt.timedelta(seconds=1)
        rows(s, "SELECT 1")
        [(started, ended)] = rows(
            s,
            "SELECT last_request_start_time, last_request_end_time"
            " FROM sys.dm_exec_sessions WHERE session_id = @@SPID",
        )
        [(start_time,)] = rows(
            s, "SELECT start_time FROM sys.dm_exec_requests WHERE session_id = @@SPID"
        )
        after = dt.datetime.now() + dt.timedelta(seconds=1)
        s.close()
    assert all(isinstance(t, dt.datetime) for t in (started, ended, start_time))
    assert before <= ended <= started <= start_time <= after  # this batch started after
    assert all(t.microsecond % 1000 == 0 for t in (started, ended, start_time))  # 1/300 s
