"""The garbage collector paused while the command's modules load: imported by core/cli.py
before anything heavy, which calls `loaded` once its imports are done.

Loading pydantic, the MCP SDK and FastMCP creates some 140,000 objects that live as long
as the process. At Python's default thresholds the collector walked them over and over as
they loaded (about 240 collections, a full one among them: 75-90 ms of CPU time in a start
of about a second) and found about a thousand unreachable objects. Paused, they are not
walked at all; `loaded` freezes them, so that the collections of what follows (validation,
assembly, serving) leave them out too, and collecting resumes as it was
(bench/throughput.md, "Many sources").
"""

from __future__ import annotations

import gc

_collecting = gc.isenabled()
gc.disable()


def loaded() -> None:
    """What is loaded by now lives as long as the process: frozen, it leaves the
    collector's passes; collecting resumes if it was on."""
    gc.freeze()
    if _collecting:
        gc.enable()
