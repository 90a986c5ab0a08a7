"""What `[server.auth]` needs beyond the schema, judged without serving: the variables of
static tokens, the JWT algorithm, key and JWKS URL, the public URL (`base_url`) and
Entra's client id. Found here, every command refuses them (core/validation.py); found by
the verifier, every token would be refused with nothing logged, or `serve` alone would
refuse what `config` passed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from azsql_mcp.api import ConfigError
from azsql_mcp.core.settingtables import AuthSettings, ServerSettings
from azsql_mcp.serving.clientauth import entra_client_id, public_url, static_token_table

KeyType = Literal["oct", "RSA", "EC", "OKP"]
# What FastMCP's JWTVerifier accepts, with the key type each one needs (JWK `kty`).
JWT_KEY_TYPES: dict[str, KeyType] = {
    **dict.fromkeys(("HS256", "HS384", "HS512"), "oct"),
    **dict.fromkeys(("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"), "RSA"),
    **dict.fromkeys(("ES256", "ES384", "ES512"), "EC"),
    **dict.fromkeys(("EdDSA", "Ed25519", "Ed448"), "OKP"),
}
# RFC 7518 §3.2: an HMAC key at least as long as the hash output.
HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def client_auth_problems(server: ServerSettings) -> list[str]:
    """What would stop this `[server.auth]` from serving, one line per problem."""
    auth = server.auth
    if auth.mode == "static_tokens":
        return _raised(lambda: static_token_table(auth))
    if auth.mode == "jwt":  # the OAuth modes advertise their metadata at the public URL
        return jwt_problems(auth) + _raised(lambda: public_url(server))
    if auth.mode == "entra":
        return _raised(lambda: public_url(server)) + _raised(lambda: entra_client_id(auth))
    return []


def _raised(build: Callable[[], object]) -> list[str]:
    """The problems of the ConfigError what serving builds would raise, or none."""
    try:
        build()
    except ConfigError as exc:
        return exc.problems
    return []


def jwt_problems(auth: AuthSettings) -> list[str]:
    algorithm = auth.algorithm
    kty = JWT_KEY_TYPES.get(algorithm)
    if kty is None:
        why = " (it would accept unsigned tokens)" if algorithm.lower() == "none" else ""
        return [
            f"server.auth.algorithm: {algorithm!r} is not supported{why}; set the algorithm"
            f" the issuer signs with (its tokens' 'alg'), one of: {', '.join(JWT_KEY_TYPES)}"
        ]
    if auth.jwks_uri is not None:
        return _jwks_problems(auth.jwks_uri, algorithm, kty)
    if auth.public_key is not None:
        return _key_problems(auth.public_key.get_secret_value(), algorithm, kty)
    return []


def _jwks_problems(uri: str, algorithm: str, kty: KeyType) -> list[str]:
    if kty == "oct":
        return [
            f"server.auth.jwks_uri: {algorithm} verifies with a shared secret, which a JWKS"
            " does not publish; set public_key to the secret instead, or algorithm to the"
            " issuer's asymmetric one (RS256, ES256, ...)"
        ]
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme != "https" or not host or " " in uri:
        return [
            f"server.auth.jwks_uri: {uri!r} is not an absolute https URL; give the issuer's"
            " JWKS address (its OpenID configuration's jwks_uri, e.g."
            " https://issuer.example.com/.well-known/jwks.json)"
        ]
    return []


def _key_problems(key: str, algorithm: str, kty: KeyType) -> list[str]:
    """The key as FastMCP's verifier imports it (joserfc); the key itself never appears in
    a message (with HS* it is the shared secret)."""
    if kty == "oct":
        size, least = len(key.encode()), HMAC_MIN_BYTES[algorithm]
        if "-----BEGIN" in key:
            return [
                f"server.auth.public_key: {algorithm} takes a shared secret, but a PEM key is"
                " given; set algorithm to the one the key is for (RS256, ES256, ...)"
            ]
        if size < least:
            return [
                f"server.auth.public_key: the {algorithm} shared secret is {size} bytes;"
                f" RFC 7518 §3.2 requires at least {least} (the hash's length). Use a longer"
                f" random secret (e.g. `openssl rand -base64 {least * 3 // 2}`) on the issuer"
                " and here"
            ]
        return []
    from joserfc import jwk
    from joserfc.errors import InvalidKeyTypeError

    try:
        jwk.import_key(key, kty)
    except InvalidKeyTypeError:
        why = f"is not an {kty} key, which {algorithm} needs"
    except Exception:  # cryptography's many parse errors all mean the same here
        why = "does not parse as a PEM public key"
    else:
        return []
    return [
        f"server.auth.public_key: the key {why}; give the issuer's public key in PEM form"
        " (-----BEGIN PUBLIC KEY----- ...), or set algorithm to the one it signs with"
    ]
