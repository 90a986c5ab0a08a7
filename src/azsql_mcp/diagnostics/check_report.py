"""What `azsql-mcp check` writes per step (ok, warn, FAIL with what to do), and the
failure a step raises."""

from __future__ import annotations

from typing import TextIO

from azsql_mcp.api import plain_advice


class CheckFailed(Exception):
    """A step failed; `advice` says what to do about it."""

    def __init__(self, problem: str, advice: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.advice = advice


class Report:
    def __init__(self, out: TextIO):
        self.out = out

    def ok(self, step: str, text: str) -> None:
        self._write(f"ok    {step}: {text}\n")

    def warn(self, step: str, text: str) -> None:
        self._write(f"warn  {step}: {text}\n")

    def fail(self, step: str, failure: CheckFailed) -> None:
        problem = failure.problem.replace("\n", "\n      ")  # e.g. each credential tried
        self._write(f"FAIL  {step}: {problem}\n")
        if failure.advice:
            self._write(f"      what to do: {failure.advice}\n")

    def _write(self, line: str) -> None:
        # a step's text may quote an error that holds advice (azsql_mcp.advice): said as
        # the operator reads it, every tool offered, as the console and the log say it
        self.out.write(plain_advice(line, lambda tool: True))
