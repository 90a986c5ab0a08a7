"""stdout pointed at stderr while the protocol does not hold it (stdio's transport takes
it from the MCP SDK's stdio_server on): what plugins print then goes to stderr."""

from __future__ import annotations

import os
import sys


class StdoutDiverted:
    """fd 1 pointed at stderr from the start of `serve` until the transport takes it, and
    while the startup and shutdown hooks run (before the MCP SDK's stdio_server diverts
    stray output itself, and after it gives fd 1 back): plugins load and start (and may
    print) then, and a line on stdout around the protocol's breaks it."""

    def __init__(self) -> None:
        self._saved: int | None = None
        if sys.stdout is None:  # started with fd 1 closed: nothing to protect
            return
        sys.stdout.flush()
        try:
            self._saved = os.dup(1)
            os.dup2(2, 1)
        except OSError:  # fd 1 or fd 2 closed
            if self._saved is not None:
                os.close(self._saved)
                self._saved = None

    def __enter__(self) -> StdoutDiverted:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.end()

    def end(self) -> None:
        """Give fd 1 back (what was printed meanwhile went to stderr); once only."""
        if self._saved is None:
            return
        if sys.stdout is not None:
            sys.stdout.flush()
        os.dup2(self._saved, 1)
        os.close(self._saved)
        self._saved = None
