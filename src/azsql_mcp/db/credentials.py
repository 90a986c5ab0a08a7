"""Asking a source's auth provider (built-in or a plugin's) for connection attributes, for
the server and for `azsql-mcp check` alike: the wait is bounded, and whatever goes wrong
becomes one CredentialsFailed that names the source and the auth mode, says what failed
and what to do."""

from __future__ import annotations

import asyncio
import logging

from azsql_mcp import metrics
from azsql_mcp.api import (
    AuthError,
    AuthProvider,
    ConnectAttributes,
    DatabaseError,
    SourceSettings,
)
from azsql_mcp.db.drivers import Driver

log = logging.getLogger(__name__)

FREETDS_NO_TOKENS = "FreeTDS cannot pass access tokens"
FREETDS_TOKEN_ADVICE = (
    "install Microsoft's driver (`pip install mssql-python-odbc`) for Entra ID authentication"
)


class CredentialsFailed(AuthError):
    """The auth provider raised, or did not answer in time. `problem` and `advice` are the
    two halves of the message; `timed_out` tells a slow credential from a refusal;
    `detail` is what a plugin's provider raised unexpectedly, for the operator only (its
    text may hold anything: a vault path, a token), so it is not in the message."""

    def __init__(
        self, problem: str, advice: str, *, timed_out: bool = False, detail: str | None = None
    ):
        # azure-identity's messages end a sentence; ". What to do" after it doubles the dot
        joined = f"{problem.rstrip('.')}. What to do: {advice}" if advice else problem
        super().__init__(joined)
        self.problem = problem
        self.advice = advice
        self.timed_out = timed_out
        self.detail = detail


def token_driver_refusal(driver: Driver) -> tuple[str, str] | None:
    """(problem, advice) when `driver` cannot send an access token, else None."""
    if driver.kind == "freetds":
        return FREETDS_NO_TOKENS, FREETDS_TOKEN_ADVICE
    return None


async def obtain_attributes(
    auth: AuthProvider, settings: SourceSettings, source: str
) -> ConnectAttributes:
    """`auth.connect_attributes()`, waited for at most the source's connection_timeout_s.

    The wait is bounded by connection_timeout_s even for managed identity, whose IMDS
    requests azure-identity retries for up to about 70 s: the built-in providers keep
    refreshing in the background after a waiter gives up, and the next call (or the
    health probe) picks the token up, so a slow endpoint costs one failed call, not a
    call that hangs. A plugin's provider is cancelled when the wait ends."""
    what = f"auth {settings.auth!r} of source {source!r}"
    timeout_s = settings.connection_timeout_s
    timeout = asyncio.timeout(timeout_s)
    try:
        async with timeout:
            return await auth.connect_attributes()
    except (SystemExit, KeyboardInterrupt) as exc:  # a plugin's bug; the server goes on
        metrics.CREDENTIAL_FAILURES.labels(source).inc()
        raise CredentialsFailed(
            f"{what} failed: the provider raised {type(exc).__name__}",
            "a provider must raise AuthError, not exit: fix the provider's plugin",
        ) from None
    except Exception as exc:
        metrics.CREDENTIAL_FAILURES.labels(source).inc()
        if isinstance(exc, TimeoutError) and timeout.expired():
            raise CredentialsFailed(
                f"{what}: the credential did not answer within {timeout_s:g} s"
                " (connection_timeout_s)",
                timeout_advice(settings),
                timed_out=True,
            ) from None
        if isinstance(exc, CredentialsFailed):
            raise
        advice = auth_advice(settings)
        if advice is not None and unreached(exc):
            advice = reach_advice(settings)
        if advice is None:  # a plugin's provider: its AuthError is written for the client
            if isinstance(exc, DatabaseError):
                raise CredentialsFailed(f"{what} failed: {exc}", "") from exc
            log.debug("%s raised", what, exc_info=True)
            raise CredentialsFailed(
                f"{what} failed: the provider raised {type(exc).__name__}"
                " (its message is in the server's log)",
                "see the auth provider's documentation",
                detail=f"{type(exc).__name__}: {exc}",
            ) from exc
        if isinstance(exc, DatabaseError | ValueError):  # what built-in providers raise
            problem = f"{what} failed: {exc}"
        else:  # azure-identity's errors, written for whoever runs it
            log.debug("%s raised", what, exc_info=True)
            problem = f"{what} failed: {type(exc).__name__}: {exc}"
        raise CredentialsFailed(problem, advice) from exc


def auth_advice(settings: SourceSettings) -> str | None:
    """What to do when a built-in auth mode cannot produce credentials; None for a
    plugin's provider."""
    return {
        "sql": "set password_env to a variable that holds the password, or password_file",
        "managed_identity": "run on an Azure resource with a managed identity assigned; for a "
        "user-assigned identity set client_id (or AZURE_MANAGED_IDENTITY_CLIENT_ID)",
        "default_credential": "sign in with `az login` (laptop) or configure workload / managed "
        "identity (AZURE_CLIENT_ID, AZURE_TENANT_ID); the error above lists what was tried",
        "service_principal": "check tenant_id, client_id and the secret or certificate"
        " (certificate_path: a readable PEM or PKCS12 file with its private key); "
        "AADSTS codes in the error name the problem (AADSTS7000215: wrong secret, "
        "AADSTS700016: application not in the tenant, AADSTS90002: tenant not found)",
        "access_token": "put a fresh Entra ID token for Azure SQL in"
        f" {settings.access_token_file or settings.access_token_env}",
    }.get(settings.auth)


def unreached(exc: BaseException) -> bool:
    """Whether the token endpoint never answered (a name that does not resolve, a refused
    connection, a proxy, a reply cut off): azure-core's error for that is in the chain the
    provider raised. A refusal (wrong secret, identity not assigned) is an answer."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ServiceRequestError | ServiceResponseError):
            return True
        seen = seen.__cause__
    return False


def reach_advice(settings: SourceSettings) -> str:
    """What to do when the token endpoint did not answer: the credential's settings are
    not in question yet."""
    return (
        f"this host did not reach {token_endpoint(settings)}; check the host name, the"
        " network path and any proxy (HTTPS_PROXY, NO_PROXY). The server keeps retrying:"
        " the first call after the endpoint answers connects"
    )


def token_endpoint(settings: SourceSettings) -> str:
    return {
        "managed_identity": "the managed identity endpoint (IMDS, 169.254.169.254, or the"
        " App Service / Container Apps IDENTITY_ENDPOINT)",
        "default_credential": "the credentials DefaultAzureCredential tries (the managed"
        " identity endpoint, login.microsoftonline.com, the `az` CLI)",
        "service_principal": "the Entra ID authority (login.microsoftonline.com, or the host"
        " AZURE_AUTHORITY_HOST names), directly or through HTTPS_PROXY",
    }.get(settings.auth, "the token service the auth provider uses")


def timeout_advice(settings: SourceSettings) -> str:
    return (
        f"check that this host reaches {token_endpoint(settings)}; a token that arrives"
        " later is used by the next call; raise connection_timeout_s if the endpoint is"
        " just slow"
    )
