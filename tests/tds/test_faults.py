"""Fault specs, their parser and the errors they inject."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import Fault, ThreadedTdsServer
from tds_test_server.faults import FaultSet, fault_error


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("error:40613@login:2", Fault("error", "login", 40613, 2)),
        ("error:40501@query:1", Fault("error", "query", 40501, 1)),
        ("drop@query:1", Fault("drop", "query", None, 1)),
        ("delay:2.5@query", Fault("delay", "query", 2.5, None)),
        ("refuse@connect:3", Fault("refuse", "connect", None, 3)),
        ("garble@query:1", Fault("garble", "query", None, 1)),
        ("stall@query:1~SalesOrderDetail", Fault("stall", "query", None, 1, "SalesOrderDetail")),
        (" ERROR:4060@LOGIN ", Fault("error", "login", 4060, None)),
        ("error:1205@query:1~sys.objects", Fault("error", "query", 1205, 1, "sys.objects")),
    ],
)
def test_parse(spec: str, fault: Fault) -> None:
    parsed = Fault.parse(spec)
    assert parsed == fault
    assert Fault.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("error:40613", "expected KIND"),
        ("boom@query", "unknown kind"),
        ("refuse@query", "refuse works @connect"),
        ("garble@login", "garble works @query"),
        ("stall@login", "stall works @query"),
        ("error@query", "needs an error number"),
        ("delay@query", "needs seconds"),
        ("error:x@query", "not a number"),
        ("drop:3@query", "takes no argument"),
        ("drop@query:0", "at least 1"),
        ("drop@query:two", "not an integer"),
        ("delay:-1@query", "must not be negative"),
        ("error:4060@login~x", "~TEXT follows a @query fault"),
        ("drop@query~", "~TEXT follows a @query fault"),
    ],
)
def test_bad_specs_say_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault.parse(spec)


def test_counts_are_consumed_and_delays_add_up() -> None:
    faults = FaultSet()
    faults.add(Fault.parse("delay:0.5@query"))
    faults.add(Fault.parse("delay:1@query:1"))
    faults.add(Fault.parse("error:40501@query:2"))
    faults.add(Fault.parse("drop@query:1"))
    first = faults.trigger("query")
    assert first.delay == 1.5 and first.action == Fault("error", "query", 40501, 1)
    second = faults.trigger("query")
    assert second.delay == 0.5 and second.action is not None and second.action.kind == "error"
    third = faults.trigger("query")
    assert third.action is not None and third.action.kind == "drop"
    assert faults.trigger("query").action is None
    assert faults.trigger("login").delay == 0
    faults.clear()
    assert faults.trigger("query").delay == 0


@pytest.mark.parametrize(
    ("number", "severity", "text"),
    [
        (40613, 17, "Database 'master' on server 'srv' is not currently available."),
        (40501, 20, "The service is currently busy. Retry the request after 10 seconds."),
        (40197, 20, "The service has encountered an error processing your request."),
        (49918, 16, "Cannot process request. Not enough resources to process request."),
        (10928, 20, "Resource ID: 1. The request limit for the database is 30"),
        (4060, 11, 'Cannot open database "master" requested by the login. The login failed.'),
        (18456, 14, "Login failed for user 'bob'."),
        (12345, 16, "Injected fault: error 12345"),
    ],
)
def test_errors_carry_sql_server_texts_and_severities(
    number: int, severity: int, text: str
) -> None:
    error = fault_error(number, database="master", server="srv", user="bob", spid=51)
    assert (error.number, error.severity) == (number, severity)
    assert text in error.message


def test_a_fault_with_text_takes_only_the_queries_that_hold_it() -> None:
    faults = FaultSet()
    faults.add(Fault.parse("error:1205@query:1~HAS_PERMS_BY_NAME"))
    assert faults.trigger("query", "SELECT 1").action is None
    hit = faults.trigger("query", "SELECT has_perms_by_name(NULL, NULL, 'X')")
    assert hit.action is not None and hit.action.arg == 1205
    assert faults.faults == []  # its one count is used


def test_every_tds_test_connection_has_a_query_timeout(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """A driver call waits in C, where pytest-timeout cannot stop it: every connection a
    TDS test opens has a query timeout (conftest.py), so a statement the server stalls
    fails its test (HYT00) instead of holding its xdist worker for ever."""
    odbc = wire_server.odbc_connection_string(driver=odbc_driver)
    with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as cnxn:
        assert cnxn.timeout > 0
