"""ODBC connection strings built from a source's settings, with ODBC value quoting."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from azsql_mcp.api import AccessToken, ConnectAttributes, DatabaseError, SourceSettings
from azsql_mcp.db.drivers import Driver

APP_NAME = "azsql-mcp"
DEFAULT_PORT = 1433
SQL_COPT_SS_ACCESS_TOKEN = 1256

# FreeTDS spells encryption differently from Microsoft's driver, and has no strict (TDS 8).
_FREETDS_ENCRYPTION = {"yes": "require", "optional": "request", "no": "off"}
# Microsoft's drivers before 18 accept only Encrypt=yes/no ("DSN and connection string
# keywords and attributes"); strict (TDS 8) and optional came with Driver 18.
_DRIVER_18_ENCRYPT = frozenset({"strict", "optional"})


class UnsupportedSetting(DatabaseError):
    """A source setting the chosen driver cannot honour; the message says the fix."""


def check_driver_settings(settings: SourceSettings, driver: Driver) -> None:
    """Refuse settings the driver would reject or silently misread, naming the fix."""
    if driver.kind == "freetds" and settings.encrypt not in _FREETDS_ENCRYPTION:
        raise UnsupportedSetting(
            f"encrypt = {settings.encrypt!r} (TDS 8, TLS before anything else is sent) needs"
            f" Microsoft ODBC Driver 18, but the driver in use is {driver.description}, which"
            " would encrypt only after the first exchange, as with encrypt = 'yes'. Set"
            ' encrypt = "yes" for this source, or install Driver 18 (`pip install'
            " mssql-python-odbc`) and set driver to it."
        )
    version = driver.major_version
    if settings.encrypt in _DRIVER_18_ENCRYPT and version is not None and version < 18:
        raise UnsupportedSetting(
            f"encrypt = {settings.encrypt!r} needs Microsoft ODBC Driver 18 or later, but the "
            f"driver in use is {driver.description}, which accepts only encrypt = 'yes' or "
            "'no'. Set encrypt = \"yes\" for this source, or install Driver 18 "
            "(`pip install mssql-python-odbc`, or Microsoft's msodbcsql18 package) and "
            "set driver to it."
        )


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int | None  # None: the driver's default (1433, or a named instance's port)

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORT

    @property
    def named_instance(self) -> bool:
        """`host\\instance` without a port: SQL Browser tells the driver the port."""
        return self.port is None and "\\" in self.host

    @property
    def machine(self) -> ServerAddress:
        """What a TCP connection reaches: `host\\instance` names an instance on a machine,
        and only the machine's name resolves (the port given, or SQL Browser's, finds the
        instance)."""
        return ServerAddress(self.host.partition("\\")[0], self.port)

    def __str__(self) -> str:
        return f"{self.host},{self.port}" if self.port else self.host


def parse_server(server: str) -> ServerAddress:
    """`host`, `host,port` or `tcp:host,port` as SQL Server tools accept them."""
    if ";" in server or "=" in server:  # no host name or port holds them
        raise ValueError(
            "server holds a connection string (it has ';' or '='), not shown here as it may"
            " hold a password; give the address only (host, host,port or tcp:host,port) and"
            " the rest as the source's own keys: database, username, password_env, encrypt"
        )
    text = server.strip()
    if text.lower().startswith("tcp:"):
        text = text[4:]
    host, _, port_text = text.partition(",")
    host = host.strip()
    if not host:
        raise ValueError(
            f"server {server!r} has no host name; write host, host,port or tcp:host,port"
        )
    # `host:port` is the habit of other tools; SQL Server's own separator is the comma
    # (a bare IPv6 address has two colons or more, and passes)
    name, colon, digits = host.partition(":")
    if colon and digits.isascii() and digits.isdigit():
        raise ValueError(
            f"server {server!r}: write host,port with a comma: {name},{digits}"
            " (SQL Server does not read a port after a colon)"
        )
    if not port_text.strip():
        return ServerAddress(host, None)
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(
            f"server {server!r}: {port_text.strip()!r} is not a port number; "
            "write host, host,port or tcp:host,port"
        ) from None
    if not 0 < port < 65536:
        raise ValueError(f"server {server!r}: port {port} is outside 1-65535")
    return ServerAddress(host, port)


def quote_value(value: str) -> str:
    """Brace-quote an ODBC value when it needs it; a `}` inside braces is doubled."""
    if any(c in value for c in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def build_connection_string(
    settings: SourceSettings, driver: Driver, attrs: ConnectAttributes
) -> str:
    """The connection string for one new connection. Tokens never go in it (see attrs_before)."""
    address = parse_server(settings.server)
    pairs: list[tuple[str, str]] = [("DRIVER", "{" + driver.name.replace("}", "}}") + "}")]
    if driver.kind == "freetds":
        pairs += [
            ("SERVER", address.host),
            ("PORT", str(address.effective_port)),
            ("TDS_Version", "7.4"),
            ("Encryption", _FREETDS_ENCRYPTION[settings.encrypt]),
        ]
    else:
        pairs += [("SERVER", f"tcp:{address}"), ("Encrypt", settings.encrypt)]
        if settings.trust_server_certificate:
            pairs.append(("TrustServerCertificate", "yes"))
    # Named always: Microsoft's driver otherwise starts the session in the login's default
    # language and FreeTDS in its freetds.conf one (us_english), so a British login would
    # read '2024-02-01' as 2 January through one driver and 1 February through the other.
    pairs += [("DATABASE", settings.database), ("APP", APP_NAME), ("Language", settings.language)]
    if settings.application_intent == "read_only":
        # readable secondaries and read scale-out; both drivers know this keyword
        pairs.append(("ApplicationIntent", "ReadOnly"))
    if attrs.access_token is None and attrs.username is not None:
        pairs += [("UID", attrs.username), ("PWD", attrs.password or "")]
    return ";".join(
        f"{key}={value if key == 'DRIVER' else quote_value(value)}" for key, value in pairs
    )


def attrs_before(attrs: ConnectAttributes) -> dict[int, bytes] | None:
    """pyodbc `attrs_before` carrying the access token (SQL_COPT_SS_ACCESS_TOKEN), if any."""
    if attrs.access_token is None:
        return None
    return {SQL_COPT_SS_ACCESS_TOKEN: token_struct(attrs.access_token)}


def token_struct(token: AccessToken) -> bytes:
    """The ACCESSTOKEN structure: 4-byte little-endian length, then the UTF-16LE token."""
    data = token.token.encode("utf-16-le")
    return struct.pack("<I", len(data)) + data
