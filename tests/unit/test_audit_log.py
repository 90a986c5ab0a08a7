"""The audit log file: one line per call, and a write failure never fails the call."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from azsql_mcp.core.config import AuditSettings, ConfigError
from azsql_mcp.serving.auditlog import AuditLog, open_audit_log


def test_lines_are_appended_and_readable_at_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier":true}\n')
    audit = AuditLog(str(path))
    audit.write('{"n":1}')
    assert path.read_text().splitlines() == ['{"earlier":true}', '{"n":1}']  # not buffered
    audit.close()


def test_a_failing_write_is_reported_once_and_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    audit = AuditLog(str(tmp_path / "audit.jsonl"))
    audit.close()  # stands in for a file that can no longer be written
    with caplog.at_level(logging.ERROR, logger="azsql_mcp.serving.auditlog"):
        audit.write('{"n":1}')
        audit.write('{"n":2}')
    assert [r.getMessage() for r in caplog.records if "audit log" in r.getMessage()] == [
        f"audit log {tmp_path / 'audit.jsonl'}: cannot write: I/O operation on closed file."
    ]


def test_a_path_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    path = str(tmp_path / "missing" / "audit.jsonl")
    with pytest.raises(ConfigError) as error:
        open_audit_log(AuditSettings(path=path))
    assert error.value.problems == [
        f"audit.path: cannot append to {path!r}: [Errno 2] No such file or directory: {path!r}"
    ]
