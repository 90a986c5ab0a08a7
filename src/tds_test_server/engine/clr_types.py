"""geography, geometry and hierarchyid: the CLR types SQL Server ships, as this server
stores and sends them.

Values are kept in SQLite as blobs of the documented serialization ([MS-SSCLRT] 2.1
GEOGRAPHY/GEOMETRY structure, version 1; 2.2 HIERARCHYID structure) and go over the wire
as SQL Server sends them: TYPE_INFO 0xF0 with UDT_INFO ([MS-TDS] 2.2.5.5.2: max byte
size, database, schema, type name, assembly-qualified name), each value as PLP bytes.

What is built here: hierarchyid from its path (`hierarchyid::Parse('/1/2/')`) and back
(`.ToString()`, `.GetLevel()`); geography and geometry from WKT (POINT, LINESTRING,
POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION, with Z) and
`geography::Point(lat, long, srid)`. Curves (CIRCULARSTRING...) are not built.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

_ASSEMBLY = (
    "Microsoft.SqlServer.Types, Version=11.0.0.0, Culture=neutral, PublicKeyToken=89845dcd8080cc91"
)


@dataclass(frozen=True)
class ClrType:
    user_type_id: int  # sys.types.user_type_id; system_type_id is 240 for all three
    max_length: int  # sys.types.max_length: -1 for the spatial types (no 8000-byte limit)
    assembly_qualified_name: str


SYSTEM_TYPE_ID = 240
CLR_TYPES: dict[str, ClrType] = {
    "hierarchyid": ClrType(128, 892, f"Microsoft.SqlServer.Types.SqlHierarchyId, {_ASSEMBLY}"),
    "geometry": ClrType(129, -1, f"Microsoft.SqlServer.Types.SqlGeometry, {_ASSEMBLY}"),
    "geography": ClrType(130, -1, f"Microsoft.SqlServer.Types.SqlGeography, {_ASSEMBLY}"),
}
# The database the types are reported in (UDT_INFO DB_NAME): they live in every database's
# sys schema; the name of the one queried is not known where columns are encoded.
TYPE_DATABASE = "master"


def _b_varchar(text: str) -> bytes:
    return bytes([len(text)]) + text.encode("utf-16-le")


def _us_varchar(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16-le")


def udt_type_info(name: str) -> bytes:
    """TYPE_INFO of a CLR type column in COLMETADATA (UDTTYPE + UDT_INFO)."""
    clr = CLR_TYPES[name]
    max_size = clr.max_length if clr.max_length > 0 else 0xFFFF
    return (
        b"\xf0"
        + struct.pack("<H", max_size)
        + _b_varchar(TYPE_DATABASE)
        + _b_varchar("sys")
        + _b_varchar(name)
        + _us_varchar(clr.assembly_qualified_name)
    )


# --- hierarchyid ([MS-SSCLRT] 2.2.2) --------------------------------------------------------

# (first label, last label, prefix Li, layout of Oi: x an offset bit, 0/1 a fixed bit)
_LABEL_RANGES: tuple[tuple[int, int, str, str], ...] = (
    (-281479271682120, -4294971465, "000100", "x" * 14 + "0" + "x" * 21 + "0xxxxxx0xxx0x1xxx"),
    (-4294971464, -4169, "000101", "x" * 19 + "0xxxxxx0xxx0x1xxx"),
    (-4168, -73, "000110", "xxxxx0xxx0x1xxx"),
    (-72, -9, "0010", "xx0x1xxx"),
    (-8, -1, "00111", "xxx"),
    (0, 3, "01", "xx"),
    (4, 7, "100", "xx"),
    (8, 15, "101", "xxx"),
    (16, 79, "110", "xx0x1xxx"),
    (80, 1103, "1110", "xxx0xxx0x1xxx"),
    (1104, 5199, "11110", "xxxxx0xxx0x1xxx"),
    (5200, 4294972495, "111110", "x" * 19 + "0xxxxxx0xxx0x1xxx"),
    (4294972496, 281479271683151, "111111", "x" * 14 + "0" + "x" * 21 + "0xxxxxx0xxx0x1xxx"),
)
_PATH = re.compile(r"^/(?:-?\d+(?:\.-?\d+)*/)*$")


class ClrValueError(ValueError):
    """Text that is not a value of the type (SQL Server: error 6522 from the CLR method)."""


def _label_bits(value: int, ends: bool) -> str:
    for first, last, prefix, layout in _LABEL_RANGES:
        if first <= value <= last:
            offset = iter(format(value - first, f"0{layout.count('x')}b"))
            body = "".join(next(offset) if c == "x" else c for c in layout)
            return prefix + body + ("1" if ends else "0")
    raise ClrValueError(f"hierarchyid label {value} is out of range")


def hierarchyid_parse(text: str) -> bytes:
    """hierarchyid::Parse: '/1/2.5/' -> its serialization (Fi = 0 and label + 1 before a dot)."""
    path = text.strip()
    if not _PATH.match(path):
        raise ClrValueError(f"'{text}' is not a hierarchyid path such as /1/2/")
    bits = ""
    for level in path.strip("/").split("/") if path != "/" else []:
        labels = [int(label) for label in level.split(".")]
        for label in labels[:-1]:
            bits += _label_bits(label + 1, ends=False)
        bits += _label_bits(labels[-1], ends=True)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def hierarchyid_to_string(data: bytes) -> str:
    """.ToString(): the serialization back to its path."""
    bits = "".join(f"{byte:08b}" for byte in data)
    levels: list[str] = []
    labels: list[int] = []
    at = 0
    while len(bits) - at >= 8 or "1" in bits[at:]:
        found = next((r for r in _LABEL_RANGES if bits.startswith(r[2], at)), None)
        if found is None:
            raise ClrValueError("not a hierarchyid serialization")
        first, _, prefix, layout = found
        at += len(prefix)
        body, ends = bits[at : at + len(layout)], bits[at + len(layout) : at + len(layout) + 1]
        at += len(layout) + 1
        value = first + int("".join(b for b, c in zip(body, layout, strict=True) if c == "x"), 2)
        if ends == "1":
            levels.append(".".join(map(str, [*labels, value])))
            labels = []
        else:
            labels.append(value - 1)
    return "/" + "".join(f"{level}/" for level in levels)


def hierarchyid_level(data: bytes) -> int:
    """.GetLevel(): the number of levels below the root."""
    return hierarchyid_to_string(data).count("/") - 1


# --- geography and geometry ([MS-SSCLRT] 2.1, version 1) ------------------------------------

_SHAPE_TYPES = {
    "POINT": 1,
    "LINESTRING": 2,
    "POLYGON": 3,
    "MULTIPOINT": 4,
    "MULTILINESTRING": 5,
    "MULTIPOLYGON": 6,
    "GEOMETRYCOLLECTION": 7,
}
_MEMBER = {"MULTIPOINT": "POINT", "MULTILINESTRING": "LINESTRING", "MULTIPOLYGON": "POLYGON"}
_TOKEN = re.compile(r"\s*(?:([A-Za-z]+)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([(),]))")
_PROPS_Z, _PROPS_VALID, _PROPS_POINT, _PROPS_SEGMENT = 0x01, 0x04, 0x08, 0x10
_EXTERIOR_RING, _INTERIOR_RING, _STROKE = 2, 0, 1


class _Builder:
    """Collects the points, figures and shapes of one WKT text."""

    def __init__(self, wkt: str):
        self.tokens = [m.group(m.lastindex or 0) for m in _TOKEN.finditer(wkt)]
        if "".join(self.tokens).replace(" ", "") != re.sub(r"\s+", "", wkt):
            raise ClrValueError(f"'{wkt}' is not well-known text")
        self.at = 0
        self.points: list[tuple[float, ...]] = []
        self.figures: list[tuple[int, int]] = []
        self.shapes: list[tuple[int, int, int]] = []

    def _next(self) -> str:
        if self.at >= len(self.tokens):
            raise ClrValueError("the well-known text ends too early")
        self.at += 1
        return self.tokens[self.at - 1]

    def _expect(self, token: str) -> None:
        if self._next() != token:
            raise ClrValueError(f"expected '{token}' in the well-known text")

    def geometry(self, parent: int = -1, tag: str | None = None) -> None:
        tag = tag or self._next().upper()
        if tag not in _SHAPE_TYPES:
            raise ClrValueError(f"'{tag}' is not a shape this test server builds")
        index = len(self.shapes)
        if self._peek() == "Z":
            self.at += 1
        if self._peek() == "EMPTY":
            self.at += 1
            self.shapes.append((parent, -1, _SHAPE_TYPES[tag]))
            return
        self.shapes.append((parent, len(self.figures), _SHAPE_TYPES[tag]))
        self._expect("(")
        if tag in ("POINT", "LINESTRING"):
            self._figure(_STROKE)
        elif tag == "POLYGON":
            self._rings()
        else:
            while True:
                member = _MEMBER.get(tag)
                if member == "POINT" and self._peek() != "(":
                    self._member_point(index)  # MULTIPOINT (1 2, 3 4)
                elif member is not None:
                    self._expect_member(index, member)
                else:
                    self.geometry(index)
                if self._next() == ")":
                    break

    def _member_point(self, parent: int) -> None:
        self.shapes.append((parent, len(self.figures), 1))
        self.figures.append((_STROKE, len(self.points)))
        self.points.append(self._coordinates())

    def _expect_member(self, parent: int, member: str) -> None:
        # a member of a MULTI* is written without its tag: ((x y, ...), ...)
        self.tokens.insert(self.at, member)
        self.geometry(parent)

    def _rings(self) -> None:
        attribute = _EXTERIOR_RING
        while True:
            self._expect("(")
            self._figure(attribute)
            attribute = _INTERIOR_RING
            if self._next() == ")":
                return

    def _peek(self) -> str:
        return self.tokens[self.at].upper() if self.at < len(self.tokens) else ""

    def _figure(self, attribute: int) -> None:
        self.figures.append((attribute, len(self.points)))
        while True:
            self.points.append(self._coordinates())
            if self._next() == ")":
                return

    def _coordinates(self) -> tuple[float, ...]:
        values = []
        while self.at < len(self.tokens) and self.tokens[self.at] not in (",", ")"):
            values.append(float(self._next()))
        if not 2 <= len(values) <= 3:
            raise ClrValueError("a point needs x and y (and optionally z)")
        return tuple(values)


def spatial_from_wkt(wkt: str, srid: int, *, geography: bool) -> bytes:
    """STGeomFromText: WKT -> the version 1 serialization, valid flag set."""
    builder = _Builder(wkt)
    builder.geometry()
    if builder.at != len(builder.tokens):
        raise ClrValueError("text follows the shape in the well-known text")
    return _serialize(builder.points, builder.figures, builder.shapes, srid, geography)


def geography_point(lat: float, long: float, srid: int) -> bytes:
    """geography::Point(lat, long, srid)."""
    return _serialize([(long, lat)], [(_STROKE, 0)], [(-1, 0, 1)], srid, True)


def _serialize(
    points: list[tuple[float, ...]],
    figures: list[tuple[int, int]],
    shapes: list[tuple[int, int, int]],
    srid: int,
    geography: bool,
) -> bytes:
    has_z = any(len(p) == 3 for p in points)
    props = _PROPS_VALID | (_PROPS_Z if has_z else 0)
    simple = len(shapes) == 1 and len(figures) == 1
    if simple and shapes[0][2] == 1 and len(points) == 1:
        props |= _PROPS_POINT
    elif simple and shapes[0][2] == 2 and len(points) == 2:
        props |= _PROPS_SEGMENT
    out = bytearray(struct.pack("<iBB", srid, 1, props))
    if not props & (_PROPS_POINT | _PROPS_SEGMENT):
        out += struct.pack("<I", len(points))
    for p in points:  # geography stores latitude (y) first
        out += struct.pack("<2d", *((p[1], p[0]) if geography else (p[0], p[1])))
    if has_z:
        out += b"".join(struct.pack("<d", p[2] if len(p) == 3 else float("nan")) for p in points)
    if not props & (_PROPS_POINT | _PROPS_SEGMENT):
        out += struct.pack("<I", len(figures))
        out += b"".join(struct.pack("<Bi", a, o) for a, o in figures)
        out += struct.pack("<I", len(shapes))
        out += b"".join(struct.pack("<iiB", p, f, t) for p, f, t in shapes)
    return bytes(out)


def spatial_to_text(data: bytes, *, geography: bool) -> str:
    """.STAsText() of a version 1 serialization such as this module builds."""
    _, version, props = struct.unpack_from("<iBB", data)
    if version != 1:
        raise ClrValueError("only version 1 serializations are read here")
    at = 6
    if props & (_PROPS_POINT | _PROPS_SEGMENT):
        count = 1 if props & _PROPS_POINT else 2
    else:
        (count,) = struct.unpack_from("<I", data, at)
        at += 4
    raw = struct.unpack_from(f"<{2 * count}d", data, at)
    at += 16 * count
    z = struct.unpack_from(f"<{count}d", data, at) if props & _PROPS_Z else None
    at += 8 * count if z else 0
    points = []
    for i in range(count):
        a, b = raw[2 * i], raw[2 * i + 1]
        xy = [b, a] if geography else [a, b]
        if z is not None and z[i] == z[i]:
            xy.append(z[i])
        points.append(" ".join(_coordinate(v) for v in xy))
    if props & _PROPS_POINT:
        return f"POINT ({points[0]})"
    if props & _PROPS_SEGMENT:
        return f"LINESTRING ({points[0]}, {points[1]})"
    (n_figures,) = struct.unpack_from("<I", data, at)
    figures = [struct.unpack_from("<Bi", data, at + 4 + 5 * i) for i in range(n_figures)]
    at += 4 + 5 * n_figures
    (n_shapes,) = struct.unpack_from("<I", data, at)
    shapes = [struct.unpack_from("<iiB", data, at + 4 + 9 * i) for i in range(n_shapes)]
    names = {v: k for k, v in _SHAPE_TYPES.items()}

    def figure_text(f: int) -> str:
        end = figures[f + 1][1] if f + 1 < len(figures) else len(points)
        return "(" + ", ".join(points[figures[f][1] : end]) + ")"

    def shape_text(i: int, tagged: bool) -> str:
        _, first, kind = shapes[i]
        tag = names[kind] + " " if tagged else ""
        children = [j for j, s in enumerate(shapes) if s[0] == i]
        if kind >= 4:
            if not children:
                return f"{names[kind]} EMPTY" if tagged else "EMPTY"
            return tag + "(" + ", ".join(shape_text(j, kind == 7) for j in children) + ")"
        if first == -1:
            return f"{names[kind]} EMPTY" if tagged else "EMPTY"
        last = next((s[1] for s in shapes[i + 1 :] if s[1] != -1), len(figures))
        if kind == 3:
            return tag + "(" + ", ".join(figure_text(f) for f in range(first, last)) + ")"
        return tag + figure_text(first)

    return shape_text(0, True)


def _coordinate(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def geography_lat_long(data: bytes) -> tuple[float, float] | None:
    """.Lat and .Long of a geography point (None for other shapes)."""
    if len(data) < 22 or not data[5] & _PROPS_POINT:
        return None
    lat, long = struct.unpack_from("<2d", data, 6)
    return lat, long
