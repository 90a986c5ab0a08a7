"""uvicorn's server, with what a second stop signal does while it drains.

uvicorn takes a second SIGINT as "force quit": it stops waiting for the calls in
flight, skips the lifespan's shutdown (the plugins' hooks, closing the pools), and the
requests still running are cancelled as the event loop closes, each dropped without an
answer and logged as an error with its traceback. Here the signal that started the
stop, sent again, ends the grace period instead: the calls still running are cut at
once (their statements cancelled, each caller answered) and the shutdown goes on as
after the grace period. A third is uvicorn's force quit, for a shutdown that hangs.

The other stop signal is the same request, not a second one: Ctrl-C in a terminal
reaches every worker (SIGINT) and their parent, which passes SIGTERM on to them.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

import uvicorn

from azsql_mcp.serving.admission import Drain

log = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain: Drain):
        super().__init__(config)
        self.drain = drain
        self.stopped_by: int | None = None  # the signal that started the stop

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.stopped_by is None:
            self.stopped_by = sig
        elif sig != self.stopped_by:
            return
        elif not self.drain.hurried:
            log.info("%s again: cutting the calls in flight now", signal.Signals(sig).name)
            self.drain.hurry()
            return
        super().handle_exit(sig, frame)
