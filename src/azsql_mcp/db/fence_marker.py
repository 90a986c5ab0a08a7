"""What a text the database wrote must never hold, as it reaches a caller: the marker of
an untrusted-data fence (values.py fences results with it), and the markers that frame a
piece of advice until a call's boundary renders it (api.advice). Cells, names and error
messages escape what could read as either (written by whoever wrote the data)."""

from __future__ import annotations

import re

FENCE_TAG = "untrusted-data"
# "<untrusted-data" or "</untrusted-data", whatever the spacing or case
FENCE_START = re.compile(rf"<(?=\s*/?\s*{FENCE_TAG})", re.IGNORECASE)

# Unicode noncharacters ("for internal use"), in this order around a piece of advice:
# its tool, its text, the text that stands for it where the tool is not offered. A
# database text that held one would be changed by the rendering, or forge a frame.
ADVICE_OPEN, ADVICE_TEXT, ADVICE_ELSE, ADVICE_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
ADVICE_MARKERS = f"{ADVICE_OPEN}-{ADVICE_CLOSE}"  # the four, as a regex character range
