"""The caller's values for a source's `session_context` keys, carried from the tool call
to the connection it runs on.

The serving layer sets CALLER_CLAIMS for each call; before every operation on a source
with `session_context`, the database sets every configured key with
sp_set_session_context: the caller's claim, or NULL when there is none (no caller, or a
token without that claim). Every key is overwritten on every lease and none is set
read-only, so a pooled connection never carries one caller's values into another's
call: that is what makes reuse safe without sp_reset_connection."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

# The verified claims of the caller of the running tool call; None outside a call.
CALLER_CLAIMS: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "azsql_mcp_caller_claims", default=None
)


def session_values(keys: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(key, value) for every configured key: `keys` maps a key to a claim name."""
    claims = CALLER_CLAIMS.get() or {}
    out: list[tuple[str, str | None]] = []
    for key, claim in keys.items():
        value = claims.get(claim)
        out.append((key, None if value is None else str(value)))
    return out
