"""LOGIN7: parsing (feature extensions, FEDAUTH access tokens), credentials and the reply."""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..principals import Principal, privileged
from ..results import TdsError
from . import tokens
from .packets import ProtocolError, Reader
from .types import COLLATION

FEATURE_FEDAUTH = 0x02
FEDAUTH_LIBRARY_SECURITY_TOKEN = 0x01
OPTION_FLAGS2_INTEGRATED_SECURITY = 0x80
OPTION_FLAGS3_EXTENSION = 0x10

TDS_VERSIONS = {
    0x72090002: "7.2",
    0x730A0003: "7.3A",
    0x730B0003: "7.3B",
    0x74000004: "7.4",
}

_FIXED = struct.Struct("<IIIIII BBBB II")
_OFFSET = struct.Struct("<HH")
# Offset/length pairs after the fixed part, in order.
_STRINGS = (
    "host_name",
    "user_name",
    "password",
    "app_name",
    "server_name",
    "extension",
    "library_name",
    "language",
    "database",
)


TYPE_FLAGS_READ_ONLY_INTENT = 0x20
ROUTE_HELP = """\
routing (--route HOST:PORT): a login is answered with LOGINACK and an ENVCHANGE that
  routes the client to HOST:PORT, where it must log in again (Azure SQL's Redirect
  connection policy; with --route-read-only only ApplicationIntent=ReadOnly logins are
  routed, as an availability group's read-only routing does). Only TDS 7.4 logins are
  routed (routing is TDS 7.4's); older ones are served here.
"""


@dataclass
class Login7:
    tds_version: int
    packet_size: int
    option_flags2: int
    type_flags: int = 0
    host_name: str = ""
    user_name: str = ""
    password: str = ""
    app_name: str = ""
    server_name: str = ""
    library_name: str = ""
    language: str = ""
    database: str = ""
    sspi: bytes = b""
    access_token: str | None = None
    features: dict[int, bytes] = field(default_factory=dict)

    @property
    def read_only_intent(self) -> bool:
        """TypeFlags fReadOnlyIntent ([MS-TDS] 2.2.6.4): ApplicationIntent=ReadOnly."""
        return bool(self.type_flags & TYPE_FLAGS_READ_ONLY_INTENT)

    @property
    def tds_version_name(self) -> str:
        return TDS_VERSIONS.get(self.tds_version, f"0x{self.tds_version:08X}")


@dataclass(frozen=True)
class Route:
    """Where logins are routed to; `read_only`: only ApplicationIntent=ReadOnly ones."""

    host: str
    port: int
    read_only: bool = False

    @classmethod
    def parse(cls, spec: str) -> Route:
        """HOST:PORT (an IPv6 host in brackets, [::1]:PORT)."""
        host, _, port = spec.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"route {spec!r}: expected HOST:PORT, e.g. 127.0.0.1:11000")
        return cls(host, int(port))

    def applies(self, login: Login7, tds_version: int) -> bool:
        """Routing ENVCHANGE is TDS 7.4's; a read-only route takes read-only logins only."""
        return tds_version >= tokens.TDS_74 and (not self.read_only or login.read_only_intent)


def unscramble_password(data: bytes) -> str:
    """LOGIN7 passwords: each byte XOR 0xA5, then its nibbles swapped back."""
    plain = bytes((((b ^ 0xA5) << 4) & 0xF0) | ((b ^ 0xA5) >> 4) for b in data)
    return plain.decode("utf-16-le")


def parse_login7(payload: bytes) -> Login7:
    if len(payload) < 94:
        raise ProtocolError("LOGIN7 message shorter than its fixed part")
    (
        _length,
        tds_version,
        packet_size,
        _prog,
        _pid,
        _conn,
        _flags1,
        flags2,
        type_flags,
        flags3,
        _tz,
        _lcid,
    ) = _FIXED.unpack_from(payload, 0)
    login = Login7(
        tds_version=tds_version,
        packet_size=packet_size,
        option_flags2=flags2,
        type_flags=type_flags,
    )
    pos = _FIXED.size
    extension = b""
    for name in _STRINGS:
        offset, length = _OFFSET.unpack_from(payload, pos)
        pos += _OFFSET.size
        if name == "extension":
            extension = _slice(payload, offset, length)  # a length in bytes
            continue
        raw = _slice(payload, offset, length * 2)
        if name == "password":
            login.password = unscramble_password(raw)
        else:
            setattr(login, name, raw.decode("utf-16-le"))
    pos += 6  # client id (MAC address)
    sspi_offset, sspi_length = _OFFSET.unpack_from(payload, pos)
    login.sspi = _slice(payload, sspi_offset, sspi_length)
    if flags3 & OPTION_FLAGS3_EXTENSION and len(extension) >= 4:
        login.features = _parse_features(payload, struct.unpack("<I", extension[:4])[0])
        if FEATURE_FEDAUTH in login.features:
            login.access_token = _parse_fedauth(login.features[FEATURE_FEDAUTH])
    return login


def _slice(payload: bytes, offset: int, length: int) -> bytes:
    if offset + length > len(payload):
        raise ProtocolError("LOGIN7 field points past the end of the message")
    return payload[offset : offset + length]


def _parse_features(payload: bytes, offset: int) -> dict[int, bytes]:
    r = Reader(payload, offset)
    features: dict[int, bytes] = {}
    while r.remaining():
        feature = r.u8()
        if feature == 0xFF:
            break
        features[feature] = r.take(r.u32())
    return features


def _parse_fedauth(data: bytes) -> str:
    r = Reader(data)
    library = r.u8() >> 1
    if library != FEDAUTH_LIBRARY_SECURITY_TOKEN:
        raise TdsError(
            18456,
            "The TDS test server accepts Microsoft Entra ID logins only as an "
            "access token (pyodbc attrs_before={1256: token}); Authentication="
            "ActiveDirectory* connection string keywords are not supported.",
            severity=14,
        )
    return r.take(r.u32()).decode("utf-16-le", "replace")


def token_principal(token: str) -> str:
    """The user a JWT names (upn, unique_name, email, oid), else a fixed placeholder."""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            claims = {}
        for claim in ("upn", "unique_name", "email", "preferred_username", "oid"):
            if isinstance(claims, dict) and isinstance(claims.get(claim), str):
                return str(claims[claim])
    return "token-user@azsql.test"


def login_failed(user: str) -> TdsError:
    return TdsError(18456, f"Login failed for user '{user}'.", state=1, severity=14)


def authenticate(
    login: Login7,
    *,
    user: str,
    password: str,
    require_token: str | None,
    logins: Mapping[str, Principal] | None = None,
) -> Principal:
    """Who the session is (`logins`: the least-privileged ones by lower-case name), or a
    TdsError 18456 as SQL Server reports it."""
    if login.sspi or login.option_flags2 & OPTION_FLAGS2_INTEGRATED_SECURITY:
        raise TdsError(
            18452,
            "Login failed. The login is from an untrusted domain and cannot be "
            "used with Integrated authentication.",
            severity=14,
        )
    if login.access_token is not None:
        if require_token is not None and login.access_token != require_token:
            raise login_failed("<token-identified principal>")
        return privileged(token_principal(login.access_token))
    least = (logins or {}).get(login.user_name.lower())
    if least is not None:
        if login.password != least.password:
            raise login_failed(login.user_name)
        return least
    if login.user_name.lower() != user.lower() or login.password != password:
        raise login_failed(login.user_name)
    return privileged(user)


def negotiated_tds_version(client: int) -> int:
    if client < 0x72090002:
        raise TdsError(
            18456,
            f"The TDS test server speaks TDS 7.2 to 7.4; the client asked for 0x{client:08X}.",
            severity=14,
        )
    return min(client, tokens.TDS_74)


def negotiated_packet_size(requested: int) -> int:
    """0 means 'server default' (Driver 18); SQL Server accepts 512 to 32767."""
    return requested if 512 <= requested <= 32767 else 4096


def login_reply(
    *,
    database: str,
    language: str,
    packet_size: int,
    tds_version: int,
    version: tuple[int, int, int],
    features: dict[int, bytes],
    route: Route | None = None,
) -> bytes:
    """The tokens both ODBC drivers and pytds accepted after a successful login; the
    language is the session's (LOGIN7's, else us_english). A `route` follows LOGINACK,
    where [MS-TDS] 2.2.7.9 requires it."""
    parts = [
        tokens.envchange(tokens.ENV_DATABASE, database, "master"),
        tokens.message(5701, f"Changed database context to '{database}'.", state=2, severity=0),
        tokens.envchange_bytes(tokens.ENV_COLLATION, COLLATION, b""),
        tokens.envchange(tokens.ENV_LANGUAGE, language, ""),
        tokens.message(5703, f"Changed language setting to {language}.", state=1, severity=0),
        tokens.loginack(tds_version, version),
        *([tokens.envchange_routing(route.host, route.port)] if route else []),
        tokens.envchange(tokens.ENV_PACKET_SIZE, str(packet_size), str(packet_size)),
    ]
    if features and tds_version >= tokens.TDS_74:
        parts.append(tokens.feature_ext_ack({}))
    parts.append(tokens.done())
    return b"".join(parts)
