"""A client's text in a log record: a resource URI's parts reach FastMCP's log of a read
that failed (`database://tables/dbo/x%0A08:00:00 WARNING forged...`). In text format
its newline forged a record that seemed to come from the server, and an escape sequence
acted on the terminal; a 500,000-character name wrote a megabyte per request."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from typing import Literal

import pytest

from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.serving.logsetup import MAX_MESSAGE_CHARS, setup_logging

FORGED = "no table or view dbo.x\n08:00:00 WARNING  forged: admin dropped a table\x1b[2J"


@pytest.fixture
def logs_as() -> Iterator[object]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def setup(fmt: Literal["json", "text"]) -> None:
        setup_logging(LoggingSettings(format=fmt))

    yield setup
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.captureWarnings(False)


def test_text_records_stay_one_line_and_inert(
    logs_as: object, capsys: pytest.CaptureFixture[str]
) -> None:
    logs_as("text")  # type: ignore[operator]
    logging.getLogger("fastmcp.resources").warning("Error reading resource: %s", FORGED)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err
    assert "dbo.x\\n08:00:00 WARNING  forged: admin dropped a table\\x1b[2J" in err


def test_json_records_keep_the_text_as_it_was(
    logs_as: object, capsys: pytest.CaptureFixture[str]
) -> None:
    logs_as("json")  # type: ignore[operator]
    logging.getLogger("fastmcp.resources").warning("Error reading resource: %s", FORGED)
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == f"Error reading resource: {FORGED}"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_long_message_is_cut(
    logs_as: object, capsys: pytest.CaptureFixture[str], fmt: Literal["json", "text"]
) -> None:
    logs_as(fmt)  # type: ignore[operator]
    logging.getLogger("fastmcp.resources").warning("no table %s", "x" * 500_000)
    err = capsys.readouterr().err
    assert len(err) < MAX_MESSAGE_CHARS + 200
    assert f"... ({500_009 - MAX_MESSAGE_CHARS} more characters)" in err


def test_a_python_warning_is_one_json_record(
    logs_as: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not the warnings module's own two raw lines among the JSON records."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        logs_as("json")  # type: ignore[operator]
        warnings.warn("coroutine 'nap' was never awaited", RuntimeWarning, stacklevel=1)
    (line,) = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["logger"] == "py.warnings"
    assert "RuntimeWarning: coroutine 'nap' was never awaited" in record["message"]
