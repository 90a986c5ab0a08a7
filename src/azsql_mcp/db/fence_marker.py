"""The marker of an untrusted-data fence, which a text the database wrote must never hold:
values.py fences results with it, and cells, names and error messages escape what could
read as one (written by whoever wrote the data)."""

from __future__ import annotations

import re

FENCE_TAG = "untrusted-data"
# "<untrusted-data" or "</untrusted-data", whatever the spacing or case
FENCE_START = re.compile(rf"<(?=\s*/?\s*{FENCE_TAG})", re.IGNORECASE)
