"""SIGTERM's default action, made to hold for PID 1 too, from the first moment of a
command: imported by core/cli.py before anything heavy.

In a container the server is PID 1, and the kernel drops a signal that PID 1 has no
handler for. Until the server's own handler takes over (uvicorn's, stdio's, the worker
supervisor's, once the imports, the config and the plugins are done: a second or more),
SIGTERM was ignored: the orchestrator waited out its whole grace period and then
SIGKILLed a server that had gone on to start. Nothing is open yet that needs closing
then (the sources open once serving), so the process ends at once, as the default action
ends any other process.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType


def _default_action(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)  # ends the process, unless it is PID 1
    os._exit(128 + signum)  # what a shell reports for a process SIGTERM ended


# Only where nothing else handles SIGTERM yet, so that for any process but PID 1 nothing
# changes (an embedder's own handler stays); signals are set from the main thread only.
if (
    threading.current_thread() is threading.main_thread()
    and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
):
    signal.signal(signal.SIGTERM, _default_action)
