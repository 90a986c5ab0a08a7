"""The audit log file: one line per call, and a write failure never fails the call; it is
counted, and the log says so while it lasts and when writing works again."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from azsql_mcp.api import ConfigError
from azsql_mcp.core.settingtables import AuditSettings
from azsql_mcp.metrics import REGISTRY
from azsql_mcp.serving import auditlog
from azsql_mcp.serving.auditlog import AuditLog, open_audit_log


def test_lines_are_appended_and_readable_at_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier":true}\n')
    audit = AuditLog(str(path))
    audit.write('{"n":1}')
    assert path.read_text().splitlines() == ['{"earlier":true}', '{"n":1}']  # not buffered
    audit.close()


def test_a_new_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It says who did what; a file that exists keeps the mode it has."""
    path, kept = tmp_path / "audit.jsonl", tmp_path / "kept.jsonl"
    kept.write_text("")
    kept.chmod(0o640)
    for audit in (AuditLog(str(path)), AuditLog(str(kept))):
        audit.reopen()
        audit.close()
    assert path.stat().st_mode & 0o777 == 0o600
    path.unlink()
    audit = AuditLog(str(tmp_path / "other.jsonl"))
    audit.path = str(path)
    audit.reopen()  # after logrotate moved the file away
    audit.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert kept.stat().st_mode & 0o777 == 0o640


def failures() -> float:
    return REGISTRY.get_sample_value("azsql_mcp_audit_write_failures_total", {}) or 0.0


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "audit log" in r.getMessage()]


def test_a_failing_write_is_counted_reported_and_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(str(path))
    audit.close()  # stands in for a file that can no longer be written
    before = failures()
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.auditlog"):
        audit.write('{"n":1}')
        audit.write('{"n":2}')
    assert failures() == before + 2
    assert messages(caplog) == [  # once, not once per line
        f"audit log {path}: cannot write: I/O operation on closed file.;"
        " 1 audit line(s) lost so far"
    ]


def test_while_writing_fails_the_log_says_so_every_minute_and_when_it_works_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    now = [1000.0]
    monkeypatch.setattr(auditlog, "monotonic", lambda: now[0])
    audit = AuditLog(str(path))
    audit.close()
    with caplog.at_level(logging.WARNING, logger="azsql_mcp.serving.auditlog"):
        for _ in range(3):
            audit.write('{"lost":true}')
            now[0] += 25
        audit.write('{"lost":true}')  # 75 s after the first report: a second one
        audit.reopen()  # the disk has room again
        audit.write('{"n":1}')
        audit.write('{"n":2}')
        audit.close()
        audit.write('{"lost":true}')  # failing again: reported at once
        audit.close()
    lost = f"audit log {path}: cannot write: I/O operation on closed file.;"
    assert messages(caplog) == [
        f"{lost} 1 audit line(s) lost so far",
        f"{lost} 4 audit line(s) lost so far",
        f"audit log {path}: writing again; 4 audit line(s) were lost",
        f"{lost} 1 audit line(s) lost so far",
        f"audit log {path}: closed while writing failed; 1 audit line(s) were lost",
    ]
    assert path.read_text().splitlines() == ['{"n":1}', '{"n":2}']


def test_a_path_that_cannot_be_opened_is_a_config_error(tmp_path: Path) -> None:
    path = str(tmp_path / "missing" / "audit.jsonl")
    with pytest.raises(ConfigError) as error:
        open_audit_log(AuditSettings(path=path))
    assert error.value.problems == [
        f"audit.path: cannot append to {path!r}: [Errno 2] No such file or directory: {path!r}"
    ]
