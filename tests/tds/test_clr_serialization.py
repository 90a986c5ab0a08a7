"""The test server's own geography/geometry/hierarchyid serializations ([MS-SSCLRT]),
checked against the specification's examples and against the client's decoders (two
implementations written apart: the test server imports nothing from azsql_mcp)."""

from __future__ import annotations

import pytest

from azsql_mcp.db.clrtypes import udt_text
from tds_test_server.engine.clr_types import (
    ClrValueError,
    geography_point,
    hierarchyid_level,
    hierarchyid_parse,
    hierarchyid_to_string,
    spatial_from_wkt,
    spatial_to_text,
)


@pytest.mark.parametrize(
    ("path", "hex_value"),
    [("/", ""), ("/1/", "58"), ("/1/-2.18/", "59FB0540")],  # [MS-SSCLRT] 3.2
)
def test_hierarchyid_examples_of_the_specification(path: str, hex_value: str) -> None:
    assert hierarchyid_parse(path).hex().upper() == hex_value
    assert hierarchyid_to_string(bytes.fromhex(hex_value)) == path


@pytest.mark.parametrize(
    "path",
    [
        "/0/",
        "/3/4.5/",
        "/16/79/80/1103/1104/5199/5200/",
        "/4294972495/4294972496/281479271683151/",
        "/-1/-8/-9/-72/-73/-4168/-4169/-4294971464/-4294971465/-281479271682120/",
        "/1.-1.0/2.3.4/",
    ],
)
def test_hierarchyid_round_trips_through_the_client(path: str) -> None:
    data = hierarchyid_parse(path)
    assert hierarchyid_to_string(data) == path
    assert udt_text(data) == path
    assert hierarchyid_level(data) == path.count("/") - 1


@pytest.mark.parametrize("text", ["1/2/", "/1//", "/a/", "/281479271683152/"])
def test_bad_paths_are_refused(text: str) -> None:
    with pytest.raises(ClrValueError):
        hierarchyid_parse(text)


def test_geography_point_stores_latitude_first() -> None:
    data = geography_point(47.65, -122.35, 4326)
    assert data.hex().upper() == "E6100000010C3333333333D347406666666666965EC0"
    assert data == spatial_from_wkt("POINT (-122.35 47.65)", 4326, geography=True)


@pytest.mark.parametrize(
    "wkt",
    [
        "POINT (1 2)",
        "POINT (1 2 3)",
        "LINESTRING (0 0, 1 1)",
        "LINESTRING (0 0, 1 1, 2 0)",
        "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 2 1, 2 2, 1 1))",
        "MULTIPOINT ((1 2), (3 4))",
        "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
        "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
        "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1), POLYGON EMPTY)",
        "POINT EMPTY",
    ],
)
@pytest.mark.parametrize(("srid", "geography"), [(0, False), (4326, True)])
def test_wkt_round_trips_through_server_and_client(wkt: str, srid: int, geography: bool) -> None:
    data = spatial_from_wkt(wkt, srid, geography=geography)
    assert spatial_to_text(data, geography=geography) == wkt
    assert udt_text(data) == f"SRID={srid};{wkt}"


@pytest.mark.parametrize("wkt", ["POINT (1)", "CIRCLE (1 2)", "POINT (1 2) x", "POINT (1 2"])
def test_bad_wkt_is_refused(wkt: str) -> None:
    with pytest.raises(ClrValueError):
        spatial_from_wkt(wkt, 0, geography=False)
