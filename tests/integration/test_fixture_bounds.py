"""The pytest kit's own statements are bounded: a driver call waits in C, where neither
pytest-timeout's signal nor any Python timeout reaches it."""

from __future__ import annotations

import pyodbc
import pytest

from azsql_mcp.testing import pytest_plugin


def test_a_setup_statement_the_server_does_not_answer_fails_instead_of_waiting(
    monkeypatch: pytest.MonkeyPatch, tds_password: str
) -> None:
    # HYT00: the driver's query timeout stopped the WAITFOR, which did not run to its end
    monkeypatch.setattr(pytest_plugin, "SETUP_TIMEOUT_S", 1)
    waits = ["WAITFOR DELAY '00:00:40'"]
    with (
        pytest.raises(pyodbc.OperationalError, match="HYT00"),
        pytest_plugin.sample_tds_server(tds_password, setup=waits),
    ):
        pass
