"""callgrind, as the benchmarks that count instructions use it (call_instructions.py,
driver_reads.py, sources.py, tds_statements.py): its control program, and the count a
dump holds."""

from __future__ import annotations

import subprocess
from pathlib import Path


def control(*args: str) -> None:
    """`callgrind_control ARGS` (options, then the process id)."""
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


def dump_total(dump: Path) -> int:
    """The instructions a callgrind dump counted."""
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {dump}")
