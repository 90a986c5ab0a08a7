"""Time claims and the subject of JWT access tokens, checked beyond what FastMCP's
verifier does.

FastMCP's JWTVerifier checks `exp` only when present and never looks at `iat`,
so a token without `exp` is good forever and one "issued" in the future is
accepted. RFC 7519 leaves both claims optional, so the policy is ours: `exp` is
required (unless `allow_tokens_without_exp`, then `iat` is, and the age is
bounded), and `iat`/`nbf` may lie at most `clock_skew_s` in the future. joserfc's
claims registry (FastMCP's own JWT library) does the checking. FastMCP accepts a token
without `sub` too; it is refused here (`subject_refusal`).

Why a token was refused is kept for the request (`REFUSAL`), so the 401 can say
it (serving/bearer.py).
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azsql_mcp.core.settingtables import AuthSettings

if TYPE_CHECKING:
    from fastmcp.server.auth import AccessToken
    from fastmcp.server.auth.providers.jwt import JWTVerifier as _Base
    from joserfc.jwt import ClaimsOption
else:
    _Base = object

log = logging.getLogger(__name__)

# Set by the verifier during authentication; read when the request's 401 is sent.
REFUSAL: ContextVar[str | None] = ContextVar("azsql_mcp_token_refusal", default=None)


@dataclass(frozen=True)
class ClaimPolicy:
    """`[server.auth]` allow_tokens_without_exp, max_token_age_s, clock_skew_s."""

    allow_without_exp: bool = False
    max_age_s: int = 3600
    skew_s: int = 60

    @classmethod
    def of(cls, auth: AuthSettings) -> ClaimPolicy:
        return cls(auth.allow_tokens_without_exp, auth.max_token_age_s, auth.clock_skew_s)

    def refusal(self, claims: dict[str, Any], now: int | None = None) -> str | None:
        """Why a token with these (signature-checked) claims must be refused, or None.

        The text goes to the client in the 401's error_description: plain ASCII, no quotes.
        """
        # only JWT client auth needs joserfc: not imported before `initialize` otherwise
        from joserfc.errors import ExpiredTokenError, InvalidClaimError, MissingClaimError
        from joserfc.jwt import JWTClaimsRegistry

        now = int(time.time()) if now is None else now
        without_exp = claims.get("exp") is None and self.allow_without_exp
        needed = "iat" if without_exp else "exp"
        essential: ClaimsOption = {"essential": True}
        registry = JWTClaimsRegistry(now=now, leeway=self.skew_s, **{needed: essential})
        try:
            registry.validate(claims)
        except MissingClaimError:
            if needed == "exp":
                return (
                    "the token has no exp (expiry) claim, so it would never expire: this server"
                    " accepts only tokens that expire; get one from the issuer"
                )
            return "the token has neither exp nor iat, so its age cannot be told: get a new one"
        except ExpiredTokenError:
            return "the token has expired: get a new one"
        except InvalidClaimError as exc:
            value = claims.get(exc.claim)
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and value > now + self.skew_s
            ):
                return (
                    f"the token's {exc.claim} claim lies more than {self.skew_s} s in the future:"
                    " check the clocks of the issuer and of this server"
                )
            return f"the token's {exc.claim} claim is not valid (RFC 7519): get a new token"
        if without_exp and now - claims["iat"] > self.max_age_s:
            return (
                f"the token has no exp claim and was issued more than {self.max_age_s} s ago"
                " (max_token_age_s): get a new one"
            )
        return None


def subject_refusal(claims: dict[str, Any]) -> str | None:
    """Why a token without a subject is refused: `sub` names the caller in the audit log
    and keys its rate limit, its sessions' count and, with `iss` and the client id, who
    owns an HTTP session. Without it every user of one client app is one caller (FastMCP
    takes the client id, or "unknown"). RFC 9068 §2.2 requires it in JWT access tokens."""
    subject = claims.get("sub")
    if isinstance(subject, str) and subject.strip():
        return None
    return (
        "the token has no sub (subject) claim, which names the caller in the audit log and"
        " owns its sessions: this server accepts only tokens with one (RFC 9068); get one"
        " from the issuer"
    )


class CheckedJWTVerifier(_Base):
    """Mixed in before FastMCP's JWTVerifier (or a subclass): its checks, then ours."""

    claim_policy: ClaimPolicy = ClaimPolicy()

    async def load_access_token(self, token: str) -> AccessToken | None:
        REFUSAL.set(None)
        try:
            access = await super().load_access_token(token)
        except OverflowError:  # FastMCP's int(exp) on an infinite exp; a 500 otherwise
            log.info("bearer token refused: a time claim is not a finite number")
            REFUSAL.set(
                "the token's exp claim is not a valid NumericDate (RFC 7519): get a new one"
            )
            return None
        if access is None:
            return None
        reason = self.claim_policy.refusal(access.claims) or subject_refusal(access.claims)
        if reason is None:
            return access
        log.info("bearer token refused for client %s: %s", access.client_id, reason)
        REFUSAL.set(reason)
        return None
