"""GEOGRAPHY/GEOMETRY values built field by field as [MS-SSCLRT] 2.1 lays them out (SRID,
version, properties, points, figures, shapes, segments), for the decoder's tests."""

from __future__ import annotations

import struct

VALID, POINT_ONLY, SEGMENT_ONLY, HAS_Z, HAS_M = 0x04, 0x08, 0x10, 0x01, 0x02


def header(srid: int, props: int, version: int = 1) -> bytes:
    return struct.pack("<iBB", srid, version, props)


def doubles(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


def complex_shape(
    srid: int,
    points: list[tuple[float, float]],
    figures: list[tuple[int, int]],
    shapes: list[tuple[int, int, int]],
    *,
    version: int = 1,
    segments: list[int] | None = None,
    extra_props: int = 0,
    z: list[float] | None = None,
) -> bytes:
    data = header(srid, VALID | extra_props, version) + struct.pack("<I", len(points))
    data += b"".join(doubles(*p) for p in points)
    if z is not None:
        data += doubles(*z)
    data += struct.pack("<I", len(figures)) + b"".join(struct.pack("<Bi", *f) for f in figures)
    data += struct.pack("<I", len(shapes)) + b"".join(struct.pack("<iiB", *s) for s in shapes)
    if segments is not None:
        data += struct.pack("<I", len(segments)) + bytes(segments)
    return data
