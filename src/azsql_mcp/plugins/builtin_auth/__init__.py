"""Built-in database auth providers: sql, managed_identity, default_credential,
service_principal, access_token. See docs/authentication.md."""

from __future__ import annotations

from azsql_mcp import RegisterAuthProvider, hookimpl
from azsql_mcp.plugins.builtin_auth.providers import (
    DefaultCredential,
    ManagedIdentity,
    ServicePrincipal,
    SqlLogin,
    SuppliedAccessToken,
)

__all__ = [
    "DefaultCredential",
    "ManagedIdentity",
    "ServicePrincipal",
    "SqlLogin",
    "SuppliedAccessToken",
    "register_auth_providers",
]


@hookimpl
def register_auth_providers(register: RegisterAuthProvider) -> None:
    register("sql", SqlLogin)
    register("managed_identity", ManagedIdentity)
    register("default_credential", DefaultCredential)
    register("service_principal", ServicePrincipal)
    register("access_token", SuppliedAccessToken)
