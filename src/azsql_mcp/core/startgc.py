"""The garbage collector paused while the command starts: from the first moment (core/cli.py
imports this module before anything heavy) until its imports are done, and again while
`serve` validates and assembles; `loaded` then freezes what was built and collecting
resumes as it was.

Loading pydantic, the MCP SDK and FastMCP creates some 140,000 objects that live as long
as the process, and `serve`'s own modules, plugins and components add to them. At Python's
default thresholds the collector walked them over and over as they loaded (about 290
collections, a full one among them: 75-90 ms of CPU time in a start of about a second).
Paused, they are not walked at all; frozen, the collections that follow leave them out.
The price: what start-up left unreachable (about 6,000 objects, 0.9 MB) is frozen with
them, for good (bench/throughput-rounds-2.md, "Twenty-seventh round").
"""

from __future__ import annotations

import gc
from dataclasses import dataclass


@dataclass
class _Pause:
    paused: bool = False
    collecting: bool = True  # whether the collector ran when it was paused


_PAUSE = _Pause()


def pause() -> None:
    """Stop collecting until `loaded` (once: a second call while paused changes nothing)."""
    if not _PAUSE.paused:
        _PAUSE.collecting = gc.isenabled()
        _PAUSE.paused = True
        gc.disable()


def loaded() -> None:
    """What is loaded by now lives as long as the process: frozen, it leaves the
    collector's passes; collecting resumes if it ran before `pause`. Nothing when not
    paused."""
    if _PAUSE.paused:
        _PAUSE.paused = False
        gc.freeze()
        if _PAUSE.collecting:
            gc.enable()


pause()
