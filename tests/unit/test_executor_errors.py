"""An exception the driver's work raised, described by driverserve.error_value and rebuilt
by executors.rebuild_error on the server's side."""

from __future__ import annotations

from azsql_mcp.db import driverserve, executors


def test_a_builtin_exception_that_takes_more_than_its_message_is_rebuilt_all_the_same() -> None:
    # UnicodeDecodeError takes five arguments: built from its message it raised
    # TypeError, which broke the driver process's connection and hung the call
    try:
        b"\x3d\xd8".decode("utf-16-le")
    except UnicodeDecodeError as exc:
        rebuilt = executors.rebuild_error(*driverserve.error_value(exc))
    assert isinstance(rebuilt, RuntimeError)
    assert str(rebuilt).startswith("UnicodeDecodeError: 'utf-16-le' codec can't decode")
    rebuilt = executors.rebuild_error(*driverserve.error_value(ValueError("v")))
    assert isinstance(rebuilt, ValueError)
