"""The built-in database auth providers. azure-identity is imported only when a token is
first needed, so the server starts fast."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from azsql_mcp import AccessToken, AuthError, ConnectAttributes, DatabaseError, SourceSettings
from azsql_mcp.plugins.builtin_auth.secrets import (
    check_file,
    check_variable,
    has_secret,
    read_secret,
)
from azsql_mcp.plugins.builtin_auth.tokens import (
    CredentialTokenSource,
    TokenCredential,
    describe_claims,
    jwt_claims,
    resource_manager_audience,
    sql_resource,
)

MANAGED_IDENTITY_CLIENT_ID_ENV = "AZURE_MANAGED_IDENTITY_CLIENT_ID"
# A token that is not a JWT carries no expiry; treat it as long-lived.
LONG_LIVED = datetime(9999, 1, 1, tzinfo=UTC)


class SqlLogin:
    """`auth = "sql"`: a SQL login, the password read by reference at each new connection."""

    def __init__(self, settings: SourceSettings):
        if not settings.username:
            raise ValueError("auth 'sql' needs `username`")
        if not has_secret(settings.password, settings.password_env, settings.password_file):
            raise ValueError("auth 'sql' needs a password: set password_env or password_file")
        check_variable("password", settings.password_env)
        check_file("password_file", settings.password_file, "the password")
        self._settings = settings

    async def connect_attributes(self) -> ConnectAttributes:
        s = self._settings
        password = read_secret("password", s.password, s.password_env, s.password_file)
        return ConnectAttributes(
            username=s.username, password=password, identity=f"SQL login {s.username}"
        )


class _CredentialProvider:
    """Shared by the azure-identity providers; `credential` may be injected (tests, plugins)."""

    description = ""

    def __init__(self, settings: SourceSettings, *, credential: TokenCredential | None = None):
        self._settings = settings
        self._credential = credential
        self._tokens: CredentialTokenSource | None = None

    def make_credential(self) -> TokenCredential:
        raise NotImplementedError

    async def connect_attributes(self) -> ConnectAttributes:
        if self._tokens is None:
            scope = sql_resource(self._settings.server) + ".default"
            self._tokens = CredentialTokenSource(self._build_credential, self.description, scope)
        return await self._tokens.connect_attributes()

    def _build_credential(self) -> TokenCredential:
        """Runs in a worker thread, once (again after a failure)."""
        return self._credential or self.make_credential()


class ManagedIdentity(_CredentialProvider):
    """`auth = "managed_identity"`: system-assigned, or user-assigned by client id."""

    def __init__(self, settings: SourceSettings, *, credential: TokenCredential | None = None):
        super().__init__(settings, credential=credential)
        self._client_id = settings.client_id or os.environ.get(MANAGED_IDENTITY_CLIENT_ID_ENV)
        self.description = (
            f"managed identity (user-assigned, client id {self._client_id})"
            if self._client_id
            else "managed identity (system-assigned)"
        )

    def make_credential(self) -> TokenCredential:
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=self._client_id)


class DefaultCredential(_CredentialProvider):
    """`auth = "default_credential"`: DefaultAzureCredential (az login, env, workload or
    managed identity)."""

    description = "DefaultAzureCredential"

    def make_credential(self) -> TokenCredential:
        from azure.identity import DefaultAzureCredential

        client_id = self._settings.client_id or os.environ.get(MANAGED_IDENTITY_CLIENT_ID_ENV)
        if client_id:
            return DefaultAzureCredential(managed_identity_client_id=client_id)
        return DefaultAzureCredential()


class ServicePrincipal(_CredentialProvider):
    """`auth = "service_principal"`: tenant, client id and a secret or a certificate."""

    def __init__(self, settings: SourceSettings, *, credential: TokenCredential | None = None):
        super().__init__(settings, credential=credential)
        s = settings
        if credential is None:
            if not (s.tenant_id and s.client_id):
                raise ValueError(
                    "auth 'service_principal' needs `tenant_id` and `client_id`: set them in"
                    " the source's table, in AZSQL_MCP_SOURCES__<NAME>__TENANT_ID and"
                    " __CLIENT_ID, or for the AZURE_SQL_* source in AZURE_SQL_TENANT_ID and"
                    " AZURE_SQL_CLIENT_ID"
                )
            has_client_secret = has_secret(
                s.client_secret, s.client_secret_env, s.client_secret_file
            )
            if not (has_client_secret or s.certificate_path):
                raise ValueError(
                    "auth 'service_principal' needs client_secret_env, client_secret_file "
                    "or certificate_path (AZSQL_MCP_SOURCES__<NAME>__CLIENT_SECRET_ENV, or"
                    " AZURE_SQL_CLIENT_SECRET for the AZURE_SQL_* source)"
                )
            check_variable("client_secret", s.client_secret_env)
            check_file("client_secret_file", s.client_secret_file, "the client secret")
            check_file("certificate_path", s.certificate_path, "the certificate (PEM or PKCS12)")
        self.description = f"service principal {s.client_id} in tenant {s.tenant_id}"

    def make_credential(self) -> TokenCredential:
        from azure.identity import CertificateCredential, ClientSecretCredential

        s = self._settings
        assert s.tenant_id and s.client_id  # checked in __init__
        if s.certificate_path:
            return CertificateCredential(
                s.tenant_id, s.client_id, certificate_data=_read_certificate(s.certificate_path)
            )
        secret = read_secret(
            "client_secret", s.client_secret, s.client_secret_env, s.client_secret_file
        )
        return ClientSecretCredential(s.tenant_id, s.client_id, secret)


def _read_certificate(path: str) -> bytes:
    """The certificate's bytes, read when the credential is built, so a missing or
    unreadable file is named in the error rather than surfacing as an OSError."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        problem = f"certificate file {path} not found"
    except IsADirectoryError:
        problem = f"certificate_path {path} is a directory, not a certificate file"
    except OSError as exc:
        problem = f"cannot read certificate file {path}: {exc.strerror}"
    raise AuthError(problem)  # the database layer adds what to do (check tenant_id, ...)


def _expiry(exp: float) -> datetime:
    """A token's `exp` as a time: one no datetime holds (`1e20`, `-1e20`, NaN, which
    `fromtimestamp` refuses) is LONG_LIVED when far off, else long past."""
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return LONG_LIVED if exp > 0 else datetime.fromtimestamp(0, UTC)


class SuppliedAccessToken:
    """`auth = "access_token"`: a token from an environment variable or a file, re-read at
    each new connection so an external broker can rotate it."""

    def __init__(self, settings: SourceSettings):
        self._env = settings.access_token_env
        self._file = settings.access_token_file
        self._resource = sql_resource(settings.server)
        if self._file:
            check_file("access_token_file", self._file, "an access token")
        else:
            check_variable("access_token", self._env)

    async def connect_attributes(self) -> ConnectAttributes:
        token_text, origin = self._read()
        claims = jwt_claims(token_text)
        audience = claims.get("aud") if claims else None
        if isinstance(audience, str) and resource_manager_audience(audience):
            # Azure SQL answers it with a bare 18456, as it does an identity with no user
            # in the database: say which it is before sending it
            raise DatabaseError(
                f"the access token in {origin} is for Azure Resource Manager ({audience},"
                " its aud claim), not for the database; supply a token for"
                f" {self._resource} (`az account get-access-token --resource"
                f" {self._resource}`)"
            )
        expires_on = LONG_LIVED
        if claims and isinstance(claims.get("exp"), int | float):
            expires_on = _expiry(claims["exp"])
            if expires_on.timestamp() <= time.time():
                raise DatabaseError(
                    f"the access token in {origin} expired at {expires_on.isoformat()}; "
                    f"supply a fresh token for {self._resource}"
                )
        return ConnectAttributes(
            access_token=AccessToken(token_text, expires_on),
            identity=f"access token from {origin}; token for {describe_claims(claims)}",
        )

    def _read(self) -> tuple[str, str]:
        if self._file:
            try:
                text = Path(self._file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise DatabaseError(
                    f"cannot read access_token_file {self._file}: {exc.strerror}"
                ) from None
            origin = f"file {self._file}"
        else:
            text = os.environ.get(self._env, "").strip()
            origin = f"environment variable {self._env}"
        if not text:
            raise DatabaseError(
                f"no access token in {origin}: put an Entra ID token for {self._resource} there"
            )
        return text, origin
