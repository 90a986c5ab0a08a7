"""Byte-exact checks of the type encoders, and decoding of what they produce."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from tds_test_server.protocol.packets import Reader
from tds_test_server.protocol.types import InvalidValue, column_encoder, read_type_info
from tds_test_server.results import ColumnType, TdsError

H = bytes.fromhex
UTC = dt.UTC


def encode(ctype: ColumnType, value: Any) -> bytes:
    return column_encoder(ctype).value(value)


@pytest.mark.parametrize(
    ("ctype", "value", "type_info", "wire"),
    [
        (ColumnType("tinyint"), 255, "2601", "01 ff"),
        (ColumnType("smallint"), -2, "2602", "02 feff"),
        (ColumnType("int"), 1, "2604", "04 01000000"),
        (ColumnType("bigint"), -1, "2608", "08 ffffffffffffffff"),
        (ColumnType("bit"), True, "6801", "01 01"),
        (ColumnType("bit"), 0, "6801", "01 00"),
        (ColumnType("float"), 1.5, "6d08", "08 000000000000f83f"),
        (ColumnType("real"), 1.5, "6d04", "04 0000c03f"),
        (
            ColumnType("decimal", precision=10, scale=2),
            Decimal("1.50"),
            "6a 09 0a 02",
            "09 01 9600000000000000",
        ),
        (
            ColumnType("numeric", precision=5, scale=2),
            Decimal("-123.45"),
            "6c 05 05 02",
            "05 00 39300000",
        ),
        (
            ColumnType("decimal", precision=38, scale=0),
            Decimal(1),
            "6a 11 26 00",
            "11 01 01000000000000000000000000000000",
        ),
        (
            ColumnType("decimal", precision=5, scale=1),
            Decimal("0.25"),
            "6a 05 05 01",
            "05 01 03000000",
        ),  # rounds half away from zero
        (ColumnType("money"), Decimal("1.2345"), "6e08", "08 00000000 39300000"),
        (ColumnType("money"), Decimal("-0.0001"), "6e08", "08 ffffffff ffffffff"),
        (ColumnType("smallmoney"), Decimal("1"), "6e04", "04 10270000"),
        (ColumnType("date"), dt.date(1, 1, 1), "28", "03 000000"),
        (ColumnType("date"), dt.date(1900, 1, 1), "28", "03 5b950a"),
        (ColumnType("time", scale=7), dt.time(12), "29 07", "05 00e0349564"),
        (ColumnType("time", scale=0), dt.time(0, 0, 1), "29 00", "03 010000"),
        (ColumnType("time", scale=3), dt.time(0, 0, 0, 1500), "29 03", "04 02000000"),
        (
            ColumnType("datetime2", scale=7),
            dt.datetime(1900, 1, 1),
            "2a 07",
            "08 0000000000 5b950a",
        ),
        (
            ColumnType("datetime2", scale=7),
            dt.datetime(2024, 1, 2, 12),
            "2a 07",
            "08 00e0349564 46460b",
        ),
        (
            ColumnType("datetime2", scale=0),
            dt.datetime(1900, 1, 1, 23, 59, 59, 600000),
            "2a 00",
            "06 000000 5c950a",
        ),  # rounds into the next day
        (
            ColumnType("datetimeoffset", scale=7),
            dt.datetime(2024, 1, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2b 07",
            "0a 0040230e43 46460b 7800",
        ),
        (
            ColumnType("datetime"),
            dt.datetime(1900, 1, 1, 0, 0, 0, 3333),
            "6f08",
            "08 00000000 01000000",
        ),
        (ColumnType("datetime"), dt.datetime(1899, 12, 31), "6f08", "08 ffffffff 00000000"),
        (ColumnType("smalldatetime"), dt.datetime(1900, 1, 2, 0, 1, 30), "6f04", "04 0100 0200"),
        (
            ColumnType("uniqueidentifier"),
            uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
            "2410",
            "10 33221100 5544 7766 8899aabbccddeeff",
        ),
        (ColumnType("nvarchar", 10), "hé", "e7 1400 0904d00034", "0400 6800e900"),
        (ColumnType("nchar", 3), "a", "ef 0600 0904d00034", "0600 610020002000"),
        (ColumnType("varchar", 5), "hé中", "a7 0500 0904d00034", "0300 68e93f"),
        (ColumnType("char", 3), "a", "af 0300 0904d00034", "0300 612020"),
        (
            ColumnType("nvarchar", -1),
            "ab",
            "e7 ffff 0904d00034",
            "0400000000000000 04000000 61006200 00000000",
        ),
        (ColumnType("nvarchar", -1), "", "e7 ffff 0904d00034", "0000000000000000 00000000"),
        (
            ColumnType("varchar", -1),
            "a",
            "a7 ffff 0904d00034",
            "0100000000000000 01000000 61 00000000",
        ),
        (ColumnType("varbinary", 4), b"\x01\x02", "a5 0400", "0200 0102"),
        (ColumnType("binary", 4), b"\x01", "ad 0400", "0400 01000000"),
        (ColumnType("varbinary", -1), b"\xff", "a5 ffff", "0100000000000000 01000000 ff 00000000"),
        (ColumnType("xml"), "<a/>", "f1 00", "0800000000000000 08000000 3c0061002f003e00 00000000"),
    ],
)
def test_encoders(ctype: ColumnType, value: Any, type_info: str, wire: str) -> None:
    encoder = column_encoder(ctype)
    assert encoder.type_info == H(type_info)
    assert encoder.value(value) == H(wire)


@pytest.mark.parametrize(
    ("ctype", "null"),
    [
        (ColumnType("int"), "00"),
        (ColumnType("decimal", precision=9, scale=2), "00"),
        (ColumnType("datetime2"), "00"),
        (ColumnType("uniqueidentifier"), "00"),
        (ColumnType("nvarchar", 5), "ffff"),
        (ColumnType("varbinary", 5), "ffff"),
        (ColumnType("nvarchar", -1), "ffffffffffffffff"),
        (ColumnType("xml"), "ffffffffffffffff"),
    ],
)
def test_null_forms(ctype: ColumnType, null: str) -> None:
    assert encode(ctype, None) == H(null)


def test_lengths_over_8000_bytes_become_max() -> None:
    assert column_encoder(ColumnType("nvarchar", 4001)).type_info[1:3] == H("ffff")
    assert column_encoder(ColumnType("nvarchar")).type_info[1:3] == H("401f")  # 4000 chars


def test_values_of_other_types_are_converted() -> None:
    assert encode(ColumnType("int"), "42") == H("04 2a000000")
    assert encode(ColumnType("int"), 2.9) == H("04 02000000")
    assert encode(ColumnType("float"), Decimal("0.5")) == H("08 000000000000e03f")
    assert encode(ColumnType("nvarchar", 5), 12) == H("0400 31003200")
    assert encode(ColumnType("date"), "2024-01-02") == H("03 46460b")
    assert encode(ColumnType("datetime2", scale=7), "1900-01-01 00:00:00") == H(
        "08 0000000000 5b950a"
    )
    assert encode(ColumnType("uniqueidentifier"), "00112233-4455-6677-8899-aabbccddeeff")[:5] == H(
        "10 33221100"
    )
    assert encode(ColumnType("bit"), "true") == H("01 01")


def test_conversion_and_overflow_errors() -> None:
    with pytest.raises(TdsError) as info:
        encode(ColumnType("int"), "abc")
    assert info.value.number == 245
    assert "to data type int" in info.value.message
    with pytest.raises(TdsError) as info:
        encode(ColumnType("tinyint"), 300)
    assert info.value.number == 8115
    with pytest.raises(TdsError) as info:
        encode(ColumnType("decimal", precision=5, scale=2), Decimal("1000.00"))
    assert info.value.number == 8115


def test_unknown_column_type_is_named() -> None:
    with pytest.raises(TdsError, match="sql_variant"):
        column_encoder(ColumnType("sql_variant"))


def test_clr_type_columns_carry_udt_info() -> None:
    """[MS-TDS] UDT_INFO: 0xF0, max byte size, database, schema, type, assembly name."""
    info = column_encoder(ColumnType("hierarchyid")).type_info
    assert info[:3] == b"\xf0" + (892).to_bytes(2, "little")
    assert "sys".encode("utf-16-le") in info and "hierarchyid".encode("utf-16-le") in info
    assert "SqlHierarchyId".encode("utf-16-le") in info
    assert column_encoder(ColumnType("geography")).type_info[1:3] == b"\xff\xff"


ROUND_TRIP = [
    (ColumnType("tinyint"), 7),
    (ColumnType("smallint"), -300),
    (ColumnType("int"), 123456),
    (ColumnType("bigint"), -(2**62)),
    (ColumnType("bit"), True),
    (ColumnType("float"), 3.25),
    (ColumnType("real"), -0.5),
    (ColumnType("decimal", precision=18, scale=4), Decimal("-12345.6789")),
    (ColumnType("numeric", precision=38, scale=10), Decimal("12345678901234567890.0123456789")),
    (ColumnType("numeric", precision=38, scale=10), Decimal("-12345678901234567890.0123456789")),
    (ColumnType("money"), Decimal("-922337203685477.5808")),
    (ColumnType("smallmoney"), Decimal("214748.3647")),
    (ColumnType("date"), dt.date(9999, 12, 31)),
    (ColumnType("time", scale=7), dt.time(23, 59, 59, 999999)),
    (ColumnType("datetime2", scale=7), dt.datetime(2024, 2, 29, 13, 14, 15, 123456)),
    (
        ColumnType("datetimeoffset", scale=7),
        dt.datetime(2024, 2, 29, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ),
    (ColumnType("datetime"), dt.datetime(2024, 2, 29, 13, 14, 15, 120000)),
    (ColumnType("smalldatetime"), dt.datetime(2024, 2, 29, 13, 14)),
    (ColumnType("uniqueidentifier"), uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
    (ColumnType("nvarchar", 20), "Zoë 🙂 日本"),
    (ColumnType("nvarchar", -1), "x" * 10_000),
    (ColumnType("varchar", 10), "café"),
    (ColumnType("varbinary", 10), b"\x00\x01"),
    (ColumnType("varbinary", -1), b"\xff" * 9000),
    (ColumnType("xml"), "<r a='1'/>"),
]


@pytest.mark.parametrize(("ctype", "value"), ROUND_TRIP)
def test_decoding_what_the_encoders_write(ctype: ColumnType, value: Any) -> None:
    encoder = column_encoder(ctype)
    for sent in (value, None):
        reader = Reader(encoder.type_info + encoder.value(sent))
        decoded_type, read_value = read_type_info(reader)
        assert decoded_type.name == ctype.name
        assert read_value(reader) == sent
        assert reader.remaining() == 0


@pytest.mark.parametrize(
    ("wire", "type_name"),
    [
        ("2a07 08 0000000000 ffffff", "datetime2"),  # day 16777215: FreeTDS's 0001-01-01
        ("2a00 06 805101 000000", "datetime2"),  # 24:00:00
        ("28 03 ffffff", "date"),
        ("2907 05 00c0692ac9", "time"),  # 86400 s in 100 ns units
        ("2b00 08 000000 000000 4903", "datetimeoffset"),  # +14:01
        ("2b00 08 000000 000000 30fd", "datetimeoffset"),  # 0001-01-01 UTC at -12:00
        ("3d 452effff 00000000", "datetime"),  # 1752-12-31
        ("3d 00000000 00828b01", "datetime"),  # 24:00:00 in 1/300 s ticks
        ("6f08 08 00000000 00828b01", "datetime"),
        ("3a 0000 a005", "smalldatetime"),  # 24:00
    ],
)
def test_parameter_values_out_of_range_are_refused(wire: str, type_name: str) -> None:
    """Bytes of the right shape but outside the type's range: an error the RPC reports as
    SQL Server's 8023, not an exception that ends the session."""
    reader = Reader(H(wire.replace(" ", "")))
    _, read_value = read_type_info(reader)
    with pytest.raises(InvalidValue) as info:
        read_value(reader)
    assert info.value.type_name == type_name


@pytest.mark.parametrize(
    ("ctype", "values"),
    [
        (ColumnType("int"), [0, 1, -(2**31), 2**31 - 1]),
        (ColumnType("float"), [0.0, -1.5, 1e300]),
        (ColumnType("decimal", precision=12, scale=2), [Decimal("0.00"), Decimal("1.005")]),
        (ColumnType("decimal", precision=12, scale=2), [Decimal("1.5"), Decimal("-2.25")]),
        (ColumnType("decimal", precision=38, scale=4), [Decimal("1234567890123456789.5")]),
        (ColumnType("money"), [Decimal("922337203685477.5807"), Decimal("-1")]),
        (
            ColumnType("datetime2", scale=7),
            [dt.datetime(1, 1, 1), dt.datetime(2024, 2, 29, 23, 59, 59, 999999)],
        ),
        (ColumnType("datetime2", scale=3), [dt.datetime(2024, 2, 29, 23, 59, 59, 999600)]),
        (ColumnType("nvarchar", 20), ["", "naïve", "日本"]),
        (ColumnType("bit"), [True, False, 1, 0]),
    ],
)
def test_column_encoding_matches_value_encoding(ctype: ColumnType, values: list[Any]) -> None:
    """The column-at-a-time fast paths write exactly what the per-value encoder writes."""
    encoder = column_encoder(ctype)
    parts = encoder.encode_column(values)
    by_column = [b"".join(row) for row in zip(*parts, strict=True)]
    assert by_column == [encoder.value(v) for v in values]


def test_decimal_column_overflow_is_an_error() -> None:
    encoder = column_encoder(ColumnType("decimal", precision=3, scale=0))
    with pytest.raises(TdsError) as info:
        encoder.encode_column([Decimal(1), Decimal(1000)])
    assert info.value.number == 8115


def test_datetime2_takes_aware_values_by_their_wall_clock() -> None:
    naive = dt.datetime(2024, 5, 6, 7, 8, 9)
    aware = naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert encode(ColumnType("datetime2", scale=7), aware) == encode(
        ColumnType("datetime2", scale=7), naive
    )
