"""The record of one tool call (who called, which source, statement fingerprint, rows),
kept in a context variable while the call runs and read by the tool-call middleware for
the audit line; and the caller's identity."""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field

from azsql_mcp.api import ClientIdentity


@dataclass
class CallRecord:
    """Who made one tool call and what it did, filled in during the call and read by the
    audit middleware."""

    client: ClientIdentity
    source: str | None = None
    fingerprint: str | None = None
    rows: int | None = None
    noted: bool = False  # the call's statement was seen (recording.py: the first)
    committed: bool = False  # a write committed, though the call was then cancelled
    # Names the call in its audit line and in the log records written while it runs.
    call_id: str = field(default_factory=lambda: secrets.token_hex(8))
    # Set when the call ends: a task it started (a pool's idle reaper, a token refresh)
    # inherits the context variable, and its later records are not the call's.
    finished: bool = False


CURRENT_CALL: ContextVar[CallRecord | None] = ContextVar("azsql_mcp_call", default=None)


def client_identity() -> ClientIdentity:
    """The caller: from the verified bearer token over HTTP, else the local user."""
    from fastmcp.server.dependencies import get_access_token

    token = get_access_token()
    if token is None:
        return ClientIdentity()
    subject = token.claims.get("sub") or token.client_id
    return ClientIdentity(
        subject=str(subject),
        client_id=token.client_id,
        scopes=frozenset(token.scopes),
        authenticated=True,
        claims=dict(token.claims or {}),
    )
