"""Connection strings, server parsing, token encoding and driver discovery."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from azsql_mcp import AccessToken, ConnectAttributes, SourceSettings
from azsql_mcp.db import drivers
from azsql_mcp.db.connstr import (
    ServerAddress,
    UnsupportedSetting,
    attrs_before,
    build_connection_string,
    check_driver_settings,
    parse_server,
    quote_value,
    token_struct,
)
from azsql_mcp.db.drivers import Driver, DriverNotFound, find_driver

MS = Driver("msodbc", "/opt/lib/libmsodbcsql-18.so", "test")
FREETDS = Driver("freetds", "FreeTDS", "test")
LOGIN = ConnectAttributes(username="app", password="pw")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("db.example.com", ServerAddress("db.example.com", None)),
        ("db.example.com,1444", ServerAddress("db.example.com", 1444)),
        ("tcp:db.example.com,1433", ServerAddress("db.example.com", 1433)),
        ("TCP:10.0.0.5, 50000", ServerAddress("10.0.0.5", 50000)),
        (" host ", ServerAddress("host", None)),
        ("::1", ServerAddress("::1", None)),  # a bare IPv6 address is no host:port
        ("fe80::1,1444", ServerAddress("fe80::1", 1444)),
    ],
)
def test_parse_server(text: str, expected: ServerAddress) -> None:
    assert parse_server(text) == expected


@pytest.mark.parametrize("text", ["", "tcp:", ",1433", "host,abc", "host,0", "host,70000"])
def test_parse_server_rejects_with_guidance(text: str) -> None:
    with pytest.raises(ValueError, match="host"):
        parse_server(text)


@pytest.mark.parametrize("text", ["127.0.0.1:14330", "tcp:db.example.com:1433"])
def test_parse_server_says_the_port_follows_a_comma(text: str) -> None:
    host = text.removeprefix("tcp:").partition(":")[0]
    with pytest.raises(ValueError, match=f"write host,port with a comma: {host},"):
        parse_server(text)


def test_named_instance() -> None:
    assert parse_server("sqlhost\\SALES").named_instance
    assert not parse_server("sqlhost\\SALES,1500").named_instance
    assert not parse_server("sqlhost").named_instance


def test_quote_value() -> None:
    assert quote_value("plain") == "plain"
    assert quote_value("a;b") == "{a;b}"
    assert quote_value("x}y") == "{x}}y}"
    assert quote_value("{start") == "{{start}"
    assert quote_value("k=v") == "{k=v}"
    assert quote_value(" padded") == "{ padded}"


def _pairs(connection_string: str) -> list[str]:
    return connection_string.split(";")


def test_msodbc_connection_string() -> None:
    settings = SourceSettings(server="tcp:db.example.com,1444", database="Sales")
    text = build_connection_string(settings, MS, LOGIN)
    assert _pairs(text) == [
        "DRIVER={/opt/lib/libmsodbcsql-18.so}",
        "SERVER=tcp:db.example.com,1444",
        "Encrypt=yes",
        "DATABASE=Sales",
        "APP=azsql-mcp",
        "Language=us_english",
        "UID=app",
        "PWD=pw",
    ]


def test_trust_server_certificate_only_when_set() -> None:
    settings = SourceSettings(server="h", trust_server_certificate=True, encrypt="strict")
    text = build_connection_string(settings, MS, LOGIN)
    assert "Encrypt=strict" in text and "TrustServerCertificate=yes" in text
    assert "TrustServerCertificate" not in build_connection_string(
        SourceSettings(server="h"), MS, LOGIN
    )


def test_freetds_keywords() -> None:
    settings = SourceSettings(server="tcp:db.example.com", encrypt="no")
    text = build_connection_string(settings, FREETDS, LOGIN)
    assert _pairs(text)[:5] == [
        "DRIVER={FreeTDS}",
        "SERVER=db.example.com",
        "PORT=1433",
        "TDS_Version=7.4",
        "Encryption=off",
    ]


def test_application_intent_read_only_only_when_asked() -> None:
    for driver in (MS, FREETDS):
        asked = SourceSettings(server="h", application_intent="read_only")
        assert "ApplicationIntent=ReadOnly" in _pairs(build_connection_string(asked, driver, LOGIN))
        default = build_connection_string(SourceSettings(server="h"), driver, LOGIN)
        assert "ApplicationIntent" not in default


def test_the_session_language_is_named_for_both_drivers() -> None:
    """us_english unless the source names another: Microsoft's driver would otherwise
    start the session in the login's default language, FreeTDS in us_english."""
    for driver in (MS, FREETDS):
        default = build_connection_string(SourceSettings(server="h"), driver, LOGIN)
        assert "Language=us_english" in _pairs(default)
        asked = SourceSettings(server="h", language="British English")
        assert "Language=British English" in _pairs(build_connection_string(asked, driver, LOGIN))
    with pytest.raises(ValueError, match="language"):
        SourceSettings(server="h", language="")


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("ODBC Driver 17 for SQL Server", 17),
        ("ODBC Driver 18 for SQL Server", 18),
        ("/opt/microsoft/msodbcsql17/lib64/libmsodbcsql-17.10.so.6.1", 17),
        ("/opt/lib/libmsodbcsql-18.so", 18),
        ("MyDriverAlias", None),
    ],
)
def test_driver_major_version(name: str, version: int | None) -> None:
    assert Driver("msodbc", name, "test").major_version == version


@pytest.mark.parametrize("encrypt", ["strict", "optional"])
def test_driver_17_refuses_encrypt_strict_and_optional(encrypt: str) -> None:
    driver17 = Driver("msodbc", "ODBC Driver 17 for SQL Server", "ODBC Driver 17 (registered)")
    settings = SourceSettings(server="h", encrypt=encrypt)
    with pytest.raises(UnsupportedSetting, match="needs Microsoft ODBC Driver 18") as refused:
        check_driver_settings(settings, driver17)
    assert 'Set encrypt = "yes"' in str(refused.value) and "Driver 17" in str(refused.value)
    for fine in ("yes", "no"):
        check_driver_settings(SourceSettings(server="h", encrypt=fine), driver17)
    check_driver_settings(settings, MS)  # Driver 18


def test_freetds_refuses_encrypt_strict() -> None:
    """FreeTDS has no TDS 8: strict was sent as Encryption=require, as if it were yes."""
    with pytest.raises(UnsupportedSetting, match="needs Microsoft ODBC Driver 18") as refused:
        check_driver_settings(SourceSettings(server="h", encrypt="strict"), FREETDS)
    assert 'Set encrypt = "yes"' in str(refused.value)
    for fine in ("yes", "optional", "no"):
        check_driver_settings(SourceSettings(server="h", encrypt=fine), FREETDS)


def test_values_with_special_characters_are_escaped() -> None:
    settings = SourceSettings(server="h", database="we;ird}db")
    attrs = ConnectAttributes(username="u;x", password="p}w;DATABASE=master")
    text = build_connection_string(settings, MS, attrs)
    assert "DATABASE={we;ird}}db}" in text
    assert "UID={u;x}" in text
    assert "PWD={p}}w;DATABASE=master}" in text


def test_token_goes_in_attrs_before_never_in_the_string() -> None:
    token = AccessToken("eyJ.abc.def", datetime(2030, 1, 1, tzinfo=UTC))
    attrs = ConnectAttributes(username="ignored", password="ignored", access_token=token)
    text = build_connection_string(SourceSettings(server="h"), MS, attrs)
    assert "UID" not in text and "PWD" not in text and "eyJ" not in text
    before = attrs_before(attrs)
    assert before is not None
    raw = before[1256]
    assert raw == token_struct(token)
    (length,) = struct.unpack("<I", raw[:4])
    assert length == len(raw) - 4 and raw[4:].decode("utf-16-le") == "eyJ.abc.def"
    assert attrs_before(LOGIN) is None


def test_driver_discovery_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    drivers._find_driver.cache_clear()
    wheel = tmp_path / "libmsodbcsql-18.6.so.2.1"
    wheel.write_bytes(b"")

    def discover(registered: list[str], wheel_path: Path | None) -> Driver:
        monkeypatch.setattr(drivers, "_registered_drivers", lambda: registered)
        monkeypatch.setattr(drivers, "wheel_driver_path", lambda: wheel_path)
        drivers._find_driver.cache_clear()
        return find_driver()

    every = ["FreeTDS", "ODBC Driver 17 for SQL Server", "ODBC Driver 18 for SQL Server"]
    assert discover(every, wheel).name == "ODBC Driver 18 for SQL Server"
    assert discover(every[:2], wheel).name == str(wheel)
    assert discover(every[:2], None).name == "ODBC Driver 17 for SQL Server"
    chosen = discover(["FreeTDS"], None)
    assert (chosen.kind, chosen.name) == ("freetds", "FreeTDS")
    with pytest.raises(DriverNotFound) as missing:
        discover([], None)
    message = str(missing.value)
    for hint in ("ODBC Driver 18", "mssql-python-odbc", "tdsodbc", "msodbcsql18", "FreeTDS"):
        assert hint in message
    drivers._find_driver.cache_clear()


def test_configured_driver_wins_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drivers, "_registered_drivers", lambda: ["FreeTDS"])
    drivers._find_driver.cache_clear()
    assert find_driver("FreeTDS").kind == "freetds"
    with pytest.raises(DriverNotFound, match=r"'Nope'.*registered: FreeTDS"):
        find_driver("Nope")
    drivers._find_driver.cache_clear()


def test_driver_18_by_name_is_the_packages_when_unregistered(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`driver = "ODBC Driver 18 for SQL Server"` with only mssql-python-odbc installed
    (a library unixODBC does not know by name): that package's driver, not a refusal
    telling the operator to install the driver they have."""
    wheel = tmp_path / "libmsodbcsql-18.6.so.2.1"
    wheel.write_bytes(b"")
    monkeypatch.setattr(drivers, "_registered_drivers", lambda: ["FreeTDS"])
    monkeypatch.setattr(drivers, "wheel_driver_path", lambda: wheel)
    drivers._find_driver.cache_clear()
    chosen = find_driver("ODBC Driver 18 for SQL Server")
    assert (chosen.kind, chosen.name) == ("msodbc", str(wheel))
    monkeypatch.setattr(drivers, "wheel_driver_path", lambda: None)
    drivers._find_driver.cache_clear()
    with pytest.raises(DriverNotFound, match="mssql-python-odbc"):
        find_driver("ODBC Driver 18 for SQL Server")
    drivers._find_driver.cache_clear()


def test_wheel_driver_is_found_through_the_package() -> None:
    pytest.importorskip("mssql_python_odbc")
    path = drivers.wheel_driver_path()
    assert path is not None and path.is_file() and path.name.startswith("libmsodbcsql")
