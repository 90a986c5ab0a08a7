"""The garbage collector paused while the command starts: from the first moment (core/cli.py
imports this module before anything else) until its imports are done, and again while
`serve` validates and assembles; `loaded` then freezes what was built and collecting
resumes as it was.

Loading pydantic, the MCP SDK and FastMCP creates some 140,000 objects that live as long
as the process, and `serve`'s own modules, plugins and components add to them. At Python's
default thresholds the collector walked them over and over as they loaded (about 290
collections, a full one among them: 75-90 ms of CPU time in a start of about a second).
Paused, they are not walked at all; frozen, the collections that follow leave them out.
The price: what start-up left unreachable (about 6,000 objects, 0.9 MB) is frozen with
them, for good (bench/throughput-rounds-2.md, "Twenty-seventh round").

Only the package's `__init__` runs before (the standard library's typing, nothing heavy):
it cannot pause, as embedders and the pytest kit import it without ever calling `loaded`.
"""

import gc  # nothing else: the pause comes before any other import


class _Pause:
    """Whether the collector is paused, and whether it ran when it was paused."""

    paused = False
    collecting = True


def pause() -> None:
    """Stop collecting until `loaded` (once: a second call while paused changes nothing)."""
    if not _Pause.paused:
        _Pause.collecting = gc.isenabled()
        _Pause.paused = True
        gc.disable()


def loaded() -> None:
    """What is loaded by now lives as long as the process: frozen, it leaves the
    collector's passes; collecting resumes if it ran before `pause`. Nothing when not
    paused."""
    if _Pause.paused:
        _Pause.paused = False
        gc.freeze()
        if _Pause.collecting:
            gc.enable()


pause()
