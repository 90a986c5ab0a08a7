"""`ThreadedTdsServer.faulted`: faults for one block, taken out again on the way out."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest

from tds_test_server import Fault, ThreadedTdsServer

# The server is not started: faulted() only touches its fault set.


def specs(server: ThreadedTdsServer) -> list[str]:
    return [str(fault) for fault in server.faults.faults]


def test_adds_on_entry_and_removes_exactly_its_own_on_exit() -> None:
    """A fault from the command line (or a fixture), even an equal one, stays."""
    server = ThreadedTdsServer(faults=[Fault.parse("error:1205@query:1")])
    with server.faulted("error:1205@query:1", Fault.parse("delay:1@query:2")) as added:
        assert specs(server) == ["error:1205@query:1", "error:1205@query:1", "delay:1@query:2"]
        assert [str(fault) for fault in added] == ["error:1205@query:1", "delay:1@query:2"]
    assert specs(server) == ["error:1205@query:1"]
    assert server.faults.faults[0] is not added[0]


def test_nested_blocks_each_take_out_their_own() -> None:
    server = ThreadedTdsServer()
    with server.faulted("drop@query:1"):
        with server.faulted("drop@query:1", "refuse@connect"):
            assert specs(server) == ["drop@query:1", "drop@query:1", "refuse@connect"]
        assert specs(server) == ["drop@query:1"]
        server.add_fault(Fault.parse("garble@query:1"))  # added in the block, not by it
    assert specs(server) == ["garble@query:1"]


def test_a_fault_used_up_by_its_count_is_no_trouble_on_exit() -> None:
    server = ThreadedTdsServer()
    with server.faulted("error:40613@login:1", "delay:2@login") as (once, _):
        triggered = server.faults.trigger("login")
        assert triggered.action is once and triggered.delay == 2
        assert once.count == 0 and specs(server) == ["delay:2@login"]
    assert specs(server) == []


def test_an_exception_in_the_block_still_takes_the_faults_out() -> None:
    server = ThreadedTdsServer()
    with (
        pytest.raises(RuntimeError, match="the test failed"),
        server.faulted("error:40501@query"),
    ):
        raise RuntimeError("the test failed")
    assert specs(server) == []


def test_a_bad_spec_raises_before_any_fault_is_added() -> None:
    server = ThreadedTdsServer()
    with (
        pytest.raises(ValueError, match="unknown kind 'boom'"),
        server.faulted("error:1205@query:1", "boom@query"),
    ):
        pytest.fail("the block must not run")
    assert specs(server) == []


def test_a_fault_given_twice_is_two_faults_and_keeps_its_count() -> None:
    """The server holds copies: a `Fault` reused by several blocks is not used up by the
    first, and each copy is taken out by its own block."""
    fault = Fault.parse("error:1205@query:1")
    server = ThreadedTdsServer()
    with server.faulted(fault, fault) as (first, second):
        assert first is not second
        server.faults.trigger("query")
        assert (first.count, second.count, fault.count) == (0, 1, 1)
    assert specs(server) == []


def test_over_the_wire_the_fault_lasts_for_the_block(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    odbc = wire_server.odbc_connection_string(driver=odbc_driver)
    with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as cnxn:
        with (
            wire_server.faulted("error:50000@query~FAULTED_BLOCK"),
            pytest.raises(pyodbc.Error, match="Injected fault: error 50000"),
        ):
            cnxn.execute("SELECT 1 AS FAULTED_BLOCK").fetchall()
        assert cnxn.execute("SELECT 2 AS FAULTED_BLOCK").fetchall()[0][0] == 2
