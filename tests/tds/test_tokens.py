"""Byte-exact checks of the token writers, PRELOGIN, LOGIN7 and RPC parsing.

Expected bytes are written out by hand from MS-TDS, or copied from the
captures in shared/notes/tds-captures (what real drivers sent).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tds_test_server.editions import AZURE_SQL_DATABASE, SQL_SERVER_2022
from tds_test_server.protocol import tokens
from tds_test_server.protocol.login import (
    Route,
    authenticate,
    login_reply,
    parse_login7,
    token_principal,
    unscramble_password,
)
from tds_test_server.protocol.packets import (
    PacketFramer,
    ProtocolError,
    frame_message,
    skip_all_headers,
)
from tds_test_server.protocol.prelogin import (
    ENCRYPT_NOT_SUP,
    ENCRYPT_OFF,
    ENCRYPT_ON,
    client_encryption,
    negotiate_encryption,
    parse_prelogin,
    prelogin_response,
)
from tds_test_server.protocol.rpc import parse_batch, parse_declarations, parse_rpc
from tds_test_server.protocol.types import column_encoder
from tds_test_server.results import ColumnType, ResultColumn, TdsError

H = bytes.fromhex
UTF16 = "utf-16-le"
ALL_HEADERS = H("16000000 12000000 0200 0100000000000000 01000000")


def test_done_tokens() -> None:
    assert tokens.done() == H("fd 0000 0000 0000000000000000")
    assert tokens.done(tokens.DONE_COUNT | tokens.DONE_MORE, 5, curcmd=0xC1) == H(
        "fd 1100 c100 0500000000000000"
    )
    assert tokens.done(tokens.DONE_ATTN) == H("fd 2000 0000 0000000000000000")
    assert tokens.done(0, 1, token=tokens.DONEPROC) == H("fe 0000 0000 0100000000000000")
    assert tokens.done(1, token=tokens.DONEINPROC)[:3] == H("ff 0100")


def test_loginack_carries_the_tds_version_big_endian() -> None:
    name = "Microsoft SQL Server".encode(UTF16)
    expected = H("ad 3200 01 74000004 14") + name + H("10 00 03e8")
    assert tokens.loginack(tokens.TDS_74, SQL_SERVER_2022.wire_version) == expected
    azure = H("ad 3200 01 74000004 14") + name + H("0c 00 07d0")
    assert tokens.loginack(tokens.TDS_74, AZURE_SQL_DATABASE.wire_version) == azure


def test_envchange_tokens() -> None:
    master = "master".encode(UTF16)
    assert tokens.envchange(tokens.ENV_DATABASE, "master", "master") == (
        H("e3 1b00 01 06") + master + H("06") + master
    )
    assert tokens.envchange(tokens.ENV_PACKET_SIZE, "4096", "4096") == (
        H("e3 1300 04 04") + "4096".encode(UTF16) + H("04") + "4096".encode(UTF16)
    )
    descriptor = H("0100000000000000")
    assert tokens.envchange_bytes(tokens.ENV_BEGIN_TRAN, descriptor, b"") == (
        H("e3 0b00 08 08") + descriptor + H("00")
    )
    assert tokens.envchange_bytes(tokens.ENV_COMMIT_TRAN, b"", descriptor) == (
        H("e3 0b00 09 00 08") + descriptor
    )
    assert tokens.envchange_bytes(tokens.ENV_COLLATION, H("0904d00034"), b"") == H(
        "e3 0800 07 05 0904d00034 00"
    )


def test_the_login_reply_names_the_sessions_language() -> None:
    """ENVCHANGE type 2 ([MS-TDS] 2.2.7.9: new and old value, B_VARCHAR each) and the
    5703 message name the language the session starts in."""
    reply = login_reply(
        database="master",
        language="British",
        packet_size=4096,
        tds_version=tokens.TDS_74,
        version=SQL_SERVER_2022.wire_version,
        features={},
    )
    british = "British".encode(UTF16)
    assert H("e3 1100 02 07") + british + H("00") in reply
    assert "Changed language setting to British.".encode(UTF16) in reply
    assert "us_english".encode(UTF16) not in reply


def test_error_and_info_tokens() -> None:
    text = "Invalid object name 'nope'."
    server = tokens.SERVER_NAME.encode(UTF16)
    body = (
        H("d0000000 01 10 1b00")
        + text.encode(UTF16)
        + bytes([len(tokens.SERVER_NAME)])
        + server
        + H("00 01000000")
    )
    assert tokens.message(208, text) == H("aa") + len(body).to_bytes(2, "little") + body
    info = tokens.message(5701, "x", severity=0, state=2)
    assert info[0] == tokens.INFO
    assert info[3:9] == H("45160000 02 00")


def test_return_status_value_and_feature_ack() -> None:
    assert tokens.return_status(0) == H("79 00000000")
    handle = tokens.return_value(0, "", column_encoder(ColumnType("int")), 1)
    assert handle == H("ac 0000 00 01 00000000 0100 2604 04 01000000")
    null_out = tokens.return_value(1, "@x", column_encoder(ColumnType("nvarchar", 4)), None)
    assert null_out == H("ac 0100 02") + "@x".encode(UTF16) + H(
        "01 00000000 0100 e7 0800 0904d00034 ffff"
    )
    assert tokens.feature_ext_ack({}) == H("ae ff")


def test_colmetadata_row_and_nbcrow() -> None:
    writer = tokens.RowWriter(
        [
            ResultColumn("id", ColumnType("int", nullable=False)),
            ResultColumn("name", ColumnType("nvarchar", 10)),
        ]
    )
    assert writer.metadata == (
        H("81 0200")
        + H("00000000 0000 2604 02")
        + "id".encode(UTF16)
        + H("00000000 0100 e7 1400 0904d00034 04")
        + "name".encode(UTF16)
    )
    assert writer.rows([(1, "x")]) == H("d1 04 01000000 0200 7800")
    assert writer.rows([(None, "x")]) == H("d2 01 0200 7800")
    assert writer.rows([(7, None), (None, None), (2, "ab")]) == H(
        "d2 02 04 07000000  d2 03  d1 04 02000000 0400 61006200"
    )
    assert writer.rows([]) == b""
    with pytest.raises(ValueError):
        writer.rows([(1, "x", 3)])


def test_row_writer_converts_values_of_other_python_types() -> None:
    writer = tokens.RowWriter(
        [
            ResultColumn("a", ColumnType("int")),
            ResultColumn("b", ColumnType("decimal", precision=5, scale=2)),
        ]
    )
    assert writer.rows([("12", 1.5)]) == H("d1 04 0c000000 05 01 96000000")
    with pytest.raises(TdsError) as info:
        writer.rows([("abc", 1)])
    assert info.value.number == 245


def test_packet_framing_splits_at_the_packet_size() -> None:
    framed = frame_message(b"x" * 10, packet_size=12)
    assert framed == (
        H("04 00 000c 0000 01 00")
        + b"xxxx"
        + H("04 00 000c 0000 02 00")
        + b"xxxx"
        + H("04 01 000a 0000 03 00")
        + b"xx"
    )
    assert frame_message(b"") == H("04 01 0008 0000 01 00")
    framer = PacketFramer(12)
    buf = bytearray(b"abcdef")
    assert framer.frame(buf, final=False) == H("04 00 000c 0000 01 00") + b"abcd"
    assert buf == bytearray(b"ef")


def test_all_headers_and_batch_text() -> None:
    sql = "SELECT 1 AS id, N'x' AS name"
    payload = ALL_HEADERS + sql.encode(UTF16)
    assert skip_all_headers(payload) == (22, H("0100000000000000"))
    assert parse_batch(payload) == sql
    with pytest.raises(ProtocolError):
        parse_batch(H("ff000000") + b"x")


# --- PRELOGIN -------------------------------------------------------------------------------

# Driver 18, Encrypt=no (pre.log).
DRIVER18_PRELOGIN = H(
    "00001f0006 0100250001 0200260001 0300270004 04002b0001 05002c0024 ff"
    "120600020000 00 00 00000000 00"
    "08a3f76e3031a61702d22b109d2dc3cb8caf291381b775602eacd7d224f8e4b600000000"
)


def test_prelogin_options_from_driver18() -> None:
    options = parse_prelogin(DRIVER18_PRELOGIN)
    assert options[0] == H("120600020000")
    assert client_encryption(options) == ENCRYPT_OFF
    assert len(options[5]) == 36


def test_prelogin_response_matches_the_capture_shape() -> None:
    # The capture's answer, version bytes aside (we report 16.0.1000, the product version).
    version = SQL_SERVER_2022.wire_version
    assert prelogin_response(ENCRYPT_NOT_SUP, version=version) == H(
        "00001a0006 0100200001 0200210001 0300220000 0400220001 ff 100003e8 0000 02 00 00"
    )
    assert prelogin_response(ENCRYPT_NOT_SUP, version=version, fedauth_required=True) == H(
        "00001f0006 0100250001 0200260001 0300270000 0400270001 0600280001 ff"
        "100003e8 0000 02 00 00 01"
    )


def test_encryption_negotiation() -> None:
    assert negotiate_encryption(ENCRYPT_ON, tls_available=False) == ENCRYPT_NOT_SUP
    assert negotiate_encryption(ENCRYPT_OFF, tls_available=False) == ENCRYPT_NOT_SUP
    assert negotiate_encryption(ENCRYPT_OFF, tls_available=True) == ENCRYPT_OFF
    assert negotiate_encryption(ENCRYPT_ON, tls_available=True) == ENCRYPT_ON
    assert negotiate_encryption(ENCRYPT_NOT_SUP, tls_available=True) == ENCRYPT_NOT_SUP


def test_malformed_prelogin_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="points past the end"):
        parse_prelogin(H("0000ff0006 ff"))
    with pytest.raises(ProtocolError, match="truncated"):
        parse_prelogin(H("0000"))
    with pytest.raises(ProtocolError, match="terminator"):
        parse_prelogin(b"")


# --- LOGIN7 ---------------------------------------------------------------------------------

# Driver 18, user sa, password Secr3t!, database master (s2.log).
DRIVER18_LOGIN7 = H(
    "54010000040000740000000000000007031c000000000000e003001000000000090400005e000200"
    "620002006600070074000a0088000f00a6000400aa000400b2000000b2000600ffffffffffff0000"
    "0000be000000000000000000000076006d007300610090a5f3a593a582a596a5e2a5b7a570007900"
    "740068006f006e0033002e00310031003100320037002e0030002e0030002e0031002c0031003400"
    "330033003200be0000004f004400420043006d0061007300740065007200107a00000031007c004d"
    "0053002d004f004400420043007c00310038002e0036002e0032002e0031007c007800380036005f"
    "00360034007c004c0069006e00750078007c004c0069006e0075007800200036002e00310038002e"
    "00340034002d00660063002d0076003700360039007c0055006e006b006e006f0077006e00010000"
    "00000901000000010a01000000010b00000000ff"
)


def test_login7_from_driver18() -> None:
    login = parse_login7(DRIVER18_LOGIN7)
    assert login.tds_version == 0x74000004
    assert login.tds_version_name == "7.4"
    assert login.packet_size == 0
    assert (login.host_name, login.user_name, login.password) == ("vm", "sa", "Secr3t!")
    assert (login.app_name, login.library_name, login.database) == ("python3.11", "ODBC", "master")
    assert login.server_name == "127.0.0.1,14332"
    assert sorted(login.features) == [0x01, 0x09, 0x0A, 0x0B, 0x10]
    assert login.access_token is None


def test_login7_with_an_access_token() -> None:
    token = "eyJ0eXAiOiJKV1QifQ.eyJ1cG4iOiJhbGljZUBleGFtcGxlLmNvbSJ9.c2ln".encode(UTF16)
    fedauth = H("02") + len(token).to_bytes(4, "little") + token
    feature = H("02") + len(fedauth).to_bytes(4, "little") + fedauth + H("ff")
    # Same login with empty user/password and a FEDAUTH feature in place of the others.
    base = bytearray(DRIVER18_LOGIN7[:190])
    base[40:44] = H("62000000")  # user name: empty
    base[44:48] = H("62000000")  # password: empty
    payload = bytes(base) + feature
    payload = len(payload).to_bytes(4, "little") + payload[4:]
    login = parse_login7(payload)
    assert login.user_name == "" and login.password == ""
    assert login.access_token == token.decode(UTF16)
    assert token_principal(login.access_token) == "alice@example.com"
    principal = authenticate(login, user="sa", password="x", require_token=None)
    assert (principal.login, principal.privileged) == ("alice@example.com", True)
    with pytest.raises(TdsError) as info:
        authenticate(login, user="sa", password="x", require_token="other")
    assert info.value.number == 18456 and info.value.severity == 14


def test_wrong_password_is_18456() -> None:
    login = parse_login7(DRIVER18_LOGIN7)
    assert authenticate(login, user="SA", password="Secr3t!", require_token=None).login == "SA"
    with pytest.raises(TdsError) as info:
        authenticate(login, user="sa", password="other", require_token=None)
    assert (info.value.number, info.value.severity) == (18456, 14)
    assert info.value.message == "Login failed for user 'sa'."


def test_password_unscrambling() -> None:
    assert unscramble_password(H("90a5f3a593a582a596a5e2a5b7a5")) == "Secr3t!"


def test_truncated_login7_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_login7(DRIVER18_LOGIN7[:60])
    with pytest.raises(ProtocolError, match="past the end"):
        parse_login7(DRIVER18_LOGIN7[:120])


# --- RPC ------------------------------------------------------------------------------------

# Driver 18: sp_prepexec of 'SELECT @P1' with @P1 int = 1 (s9.log).
SP_PREPEXEC = ALL_HEADERS + H(
    "ffff 0d00 0000 00 01 2604 00"
    "0000 e7ffff 0904d00034 feffffffffffffff 0e000000" + "@P1 int".encode(UTF16).hex() + "00000000"
    "0000 e7ffff 0904d00034 feffffffffffffff 14000000"
    + "SELECT @P1".encode(UTF16).hex()
    + "00000000"
    "0000 2604 04 01000000"
)
# Driver 18 fast_executemany: two sp_execute calls in one message, 0xFF between (s9.log).
TWO_SP_EXECUTE = ALL_HEADERS + H(
    "ffff 0c00 0000 00 00 2604 04 01000000  0000 a7 ff00 0904d00034 0100 31"
    "0000 a7 ff00 0904d00034 0100 61  ff"
    "ffff 0c00 0000 00 00 2604 04 01000000  0000 a7 ff00 0904d00034 0100 32"
    "0000 a7 ff00 0904d00034 0100 62"
)
# FreeTDS: @params / @stmt as NTEXT (s3.log).
FREETDS_PREPEXEC = ALL_HEADERS + H(
    "ffff 0d00 0000 00 01 2604 00"
    "0000 63 0e000000 0904d00034 0e000000"
    + "@P1 INT".encode(UTF16).hex()
    + "0000 63 14000000 0904d00034 14000000"
    + "SELECT @P1".encode(UTF16).hex()
    + "0000 2604 04 01000000"
)


def test_rpc_sp_prepexec_from_driver18() -> None:
    (call,) = parse_rpc(SP_PREPEXEC)
    assert call.name == "sp_prepexec"
    handle, declarations, statement, value = call.params
    assert handle.output and handle.value is None and handle.type.name == "int"
    assert declarations.value == "@P1 int" and declarations.type.length == -1
    assert statement.value == "SELECT @P1"
    assert (value.type.name, value.value) == ("int", 1)


def test_rpc_batch_of_two_calls() -> None:
    calls = parse_rpc(TWO_SP_EXECUTE)
    assert [c.name for c in calls] == ["sp_execute", "sp_execute"]
    assert [[p.value for p in c.params] for c in calls] == [[1, "1", "a"], [1, "2", "b"]]
    assert calls[0].params[1].type == ColumnType("varchar", length=255)


def test_rpc_with_ntext_parameters_from_freetds() -> None:
    (call,) = parse_rpc(FREETDS_PREPEXEC)
    assert [p.value for p in call.params] == [None, "@P1 INT", "SELECT @P1", 1]


def test_rpc_by_name_and_truncated() -> None:
    name = "[sys].sp_datatype_info_100"
    payload = (
        ALL_HEADERS
        + len(name).to_bytes(2, "little")
        + name.encode(UTF16)
        + H("0000 00 00 2602 02 0c00")
        + H("08")
        + "@ODBCVer".encode(UTF16)
        + H("00 2601 01 04")
    )
    (call,) = parse_rpc(payload)
    assert call.name == name
    assert [(p.name, p.value) for p in call.params] == [("", 12), ("@ODBCVer", 4)]
    with pytest.raises(ProtocolError):
        parse_rpc(payload[:-1])


def test_unsupported_parameter_type_is_named() -> None:
    payload = ALL_HEADERS + H("ffff 0a00 0000 00 00 62 10000000")
    with pytest.raises(ProtocolError, match="sql_variant"):
        parse_rpc(payload)


def test_parameter_declarations() -> None:
    assert parse_declarations("@P1 int,@P2 decimal(10, 2) OUTPUT, @P3 nvarchar(max)") == [
        ("@P1", False),
        ("@P2", True),
        ("@P3", False),
    ]
    assert parse_declarations("") == []
    with pytest.raises(TdsError):
        parse_declarations("P1 int")


def test_decimal_in_rpc_parameters() -> None:
    payload = ALL_HEADERS + H("ffff 0a00 0000 00 00 6a 11 0a 02 05 00 39300000")
    (call,) = parse_rpc(payload)
    assert call.params[0].value == Decimal("-123.45")


def test_routing_envchange_follows_loginack() -> None:
    """[MS-TDS] 2.2.7.9 type 20: RoutingDataValueLength, Protocol 0 (TCP), the port, the
    AlternateServer as US_VARCHAR; the old value a zero USHORT. After LOGINACK."""
    host = "node.test".encode(UTF16)
    expected = H("e3 1c00 14 1700 00 f82a 0900") + host + H("0000")
    assert tokens.envchange_routing("node.test", 11000) == expected
    reply = login_reply(
        database="master",
        language="us_english",
        packet_size=4096,
        tds_version=tokens.TDS_74,
        version=SQL_SERVER_2022.wire_version,
        features={},
        route=Route("node.test", 11000),
    )
    assert reply.index(expected) > reply.index(bytes([tokens.LOGINACK]))
