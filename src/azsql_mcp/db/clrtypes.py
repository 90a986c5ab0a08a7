"""geography, geometry and hierarchyid values as text, decoded from their documented
serialization ([MS-SSCLRT] 2.1 GEOGRAPHY/GEOMETRY structure, 2.2 HIERARCHYID structure).

These are CLR user-defined types: ODBC reports them as SQL_SS_UDT (-151) and hands over
the bytes SQL Server stores; FreeTDS hands over the same bytes as varbinary. The driver
process (driverhost.py) turns them into text here, so this module imports only the
standard library (it is imported there without the azsql_mcp package).

- geography and geometry become Well-Known Text as `.AsTextZM()` (and `.ToString()`)
  write it, Z and M included (`.STAsText()` leaves them out), after their spatial
  reference id in the extended form (`SRID=4326;POINT (-122.35 47.65)`,
  `SRID=0;POLYGON ((0 0, 1 0, 1 1, 0 0))`).
- hierarchyid becomes its path as `.ToString()` writes it (`/1/3/`, `/1/-2.18/`).
- Anything else, or bytes that break the structure, stays hex, with a hint to ask SQL
  Server for the text.

The bytes do not say whether a spatial value is geography or geometry (only the column
metadata does, which ODBC does not pass on), and geography stores latitude before
longitude. A spatial reference id that geography does not accept (0, the usual one of
geometry; anything outside 4120-4999 and 104001, the geographic systems of
sys.spatial_reference_systems) is geometry's. One that it accepts may be either's: such a
value becomes a `SpatialText` written as geography would be, named "geography or
geometry", which `settled` rewrites once the column's type is known (driverrows asks SQL
Server with sp_describe_first_result_set). `ambiguous_seen` tells whether the thread
decoded one since it last asked.
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "GEOGRAPHY_OR_GEOMETRY",
    "UNDECODED_HINT",
    "ClrText",
    "SpatialText",
    "ambiguous_seen",
    "decoded_or_bytes",
    "hierarchyid_text",
    "settle_rows",
    "settled",
    "spatial_text",
    "udt_text",
]

MAX_HEX_BYTES = 256  # the same cap as binary values (jsonvalues.DEFAULT_MAX_BINARY_BYTES)
UNDECODED_HINT = "CLR type value not decoded; select it as col.STAsText() or col.ToString()"
HIERARCHYID_MAX_BYTES = 892  # [MS-SSCLRT] 2.2: the encoding is limited to 892 bytes
GEOGRAPHY_OR_GEOMETRY = "geography or geometry"


class _Undecodable(ValueError):
    pass


class ClrText(str):
    """Decoded text that knows the type it came from, so the result column can be named
    after it (ODBC describes a column with an output converter as text). It leaves the
    driver process as a plain str."""

    clr_type: str

    def __new__(cls, text: str, clr_type: str) -> ClrText:
        value = super().__new__(cls, text)
        value.clr_type = clr_type
        return value

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return (str, (str(self),))


class SpatialText(ClrText):
    """A spatial value whose SRID both types accept: written as geography would be (x and
    y swapped from how they are stored; the text is as long either way, so the row's
    size holds), keeping what was parsed so `settled` can write it as geometry."""

    spatial: _Spatial

    def __new__(cls, spatial: _Spatial) -> SpatialText:
        value = str.__new__(cls, spatial.text(geography=True))
        value.clr_type = GEOGRAPHY_OR_GEOMETRY
        value.spatial = spatial
        return value


_seen = threading.local()  # the output converters run in the thread that fetches


def ambiguous_seen() -> bool:
    """Whether this thread decoded a SpatialText since it last asked."""
    seen = bool(getattr(_seen, "ambiguous", False))
    _seen.ambiguous = False
    return seen


def settled(value: object, type_name: str | None) -> object:
    """`value` as a value of a column of type `type_name` ("geography", "geometry"): a
    SpatialText becomes ClrText of that type; anything else is returned as it is, and so
    is a SpatialText when the type is neither (not known)."""
    if not isinstance(value, SpatialText):
        return value
    if type_name == "geometry":
        return ClrText(value.spatial.text(geography=False), "geometry")
    if type_name == "geography":
        return ClrText(str(value), "geography")
    return value


_SPATIAL = ("geography", "geometry")


def settle_rows(
    rows: list[Any],
    reported: Sequence[str | None],
    ask: Callable[[], dict[int, str]] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows with each spatial value whose SRID both geography and geometry accept
    (SpatialText) written as its column's type: as the driver names it
    (odbc_types.reported_types; Microsoft's drivers do), else as `ask` finds it. Where
    neither can say, a column that holds a value only geometry accepts is geometry; any
    other stays "geography or geometry", written as geography would be (see SpatialText)."""
    pending = [
        index
        for index in range(len(reported))
        if any(isinstance(row[index], SpatialText) for row in rows)
    ]
    if not pending:
        return rows
    described = {i: str(reported[i]) for i in pending if reported[i] in _SPATIAL}
    if len(described) < len(pending) and ask is not None:
        described = ask() | described
    types: dict[int, str] = {}
    for index in pending:
        kind = described.get(index)
        if kind not in _SPATIAL and any(
            getattr(row[index], "clr_type", None) == "geometry" for row in rows
        ):
            kind = "geometry"
        if kind in _SPATIAL:
            types[index] = kind
    if not types:
        return rows
    return [
        tuple(settled(value, types.get(index)) for index, value in enumerate(row))
        if any(isinstance(row[index], SpatialText) for index in types)
        else row
        for row in rows
    ]


def _decoded(data: bytes) -> ClrText | None:
    # Whatever fails while the bytes are read is bytes of some other kind: the structure
    # checks (_Undecodable) should catch all of it, this catches what they miss.
    try:
        spatial = _Spatial(data)
        if is_geography_srid(spatial.srid):
            _seen.ambiguous = True
            return SpatialText(spatial)
        return ClrText(spatial.text(geography=False), "geometry")
    except Exception:  # see above
        pass
    try:
        return ClrText(hierarchyid_text(data), "hierarchyid")
    except Exception:
        return None


def udt_text(raw: bytes | None) -> ClrText | None:
    """A CLR type value (SQL_SS_UDT) as readable text: WKT, a path, or hex with a hint."""
    if raw is None:
        return None
    data = bytes(raw)
    text = _decoded(data)
    if text is not None:
        return text
    shown = data[:MAX_HEX_BYTES].hex().upper()
    more = f"...({len(data)} bytes)" if len(data) > MAX_HEX_BYTES else ""
    return ClrText(f"0x{shown}{more} ({UNDECODED_HINT})", "CLR type")


def decoded_or_bytes(raw: bytes | None) -> str | bytes | None:
    """For FreeTDS, which hands CLR type values over as SQL_LONGVARBINARY (as it does the
    legacy image type): the text where the bytes are a spatial or hierarchyid
    serialization, else the bytes themselves."""
    if raw is None:
        return None
    data = bytes(raw)
    text = _decoded(data)
    return data if text is None else text


# --- geography and geometry ([MS-SSCLRT] 2.1) -------------------------------------------

# SerializationProps bits (2.1.1)
_HAS_Z = 0x01
_HAS_M = 0x02
_SINGLE_POINT = 0x08
_SINGLE_LINE_SEGMENT = 0x10
_KNOWN_PROPS = 0x3F  # Z, M, V (valid), P, S, L (larger than a hemisphere)

# OpenGisType of a SHAPE (2.1.4)
_POINT, _LINESTRING, _POLYGON = 1, 2, 3
_MULTIPOINT, _MULTILINESTRING, _MULTIPOLYGON, _COLLECTION = 4, 5, 6, 7
_CIRCULARSTRING, _COMPOUNDCURVE, _CURVEPOLYGON, _FULLGLOBE = 8, 9, 10, 11
_TAGS = {
    _POINT: "POINT",
    _LINESTRING: "LINESTRING",
    _POLYGON: "POLYGON",
    _MULTIPOINT: "MULTIPOINT",
    _MULTILINESTRING: "MULTILINESTRING",
    _MULTIPOLYGON: "MULTIPOLYGON",
    _COLLECTION: "GEOMETRYCOLLECTION",
    _CIRCULARSTRING: "CIRCULARSTRING",
    _COMPOUNDCURVE: "COMPOUNDCURVE",
    _CURVEPOLYGON: "CURVEPOLYGON",
    _FULLGLOBE: "FULLGLOBE",
}
# FigureAttribute in version 2 (2.1.3); version 1's values (0 interior ring, 1 stroke,
# 2 exterior ring) all describe straight-line figures.
_FIGURE_ARC, _FIGURE_COMPOSITE = 2, 3
# SEGMENT types (2.1.7): a line adds one point, an arc two; "first" starts a new piece.
_SEG_LINE, _SEG_ARC, _SEG_FIRST_LINE, _SEG_FIRST_ARC = 0, 1, 2, 3

_GEOGRAPHIC_SRIDS = range(4120, 5000)
_UNIT_SPHERE_SRID = 104001


def is_geography_srid(srid: int) -> bool:
    return srid in _GEOGRAPHIC_SRIDS or srid == _UNIT_SPHERE_SRID


class _Spatial:
    """One parsed GEOGRAPHY/GEOMETRY structure, checked so that writing it as text cannot
    fail: every offset in range and in order, every shape's parent before it. Parsing
    and writing take time linear in the size of the value, and no recursion."""

    def __init__(self, data: bytes):
        if len(data) < 6:
            raise _Undecodable("too short")
        self.data = data
        self.pos = 6
        self.srid = struct.unpack_from("<i", data)[0]
        version, props = data[4], data[5]
        if version not in (1, 2) or props & ~_KNOWN_PROPS:
            raise _Undecodable("not a spatial serialization")
        self.version = version
        has_z, has_m = bool(props & _HAS_Z), bool(props & _HAS_M)
        self.figures: list[tuple[int, int]] = []  # (attribute, point offset)
        self.shapes: list[tuple[int, int, int]] = []  # (parent, figure offset, type)
        self.segments: bytes = b""
        self._spans: dict[int, tuple[int, int]] | None = None
        if props & _SINGLE_POINT and props & _SINGLE_LINE_SEGMENT:
            raise _Undecodable("both single point and single segment")
        if props & _SINGLE_POINT:
            count = 1
        elif props & _SINGLE_LINE_SEGMENT:
            count = 2
        else:
            count = self._count(16 + 8 * has_z + 8 * has_m)
        xy = self._doubles(2 * count)
        z = self._doubles(count) if has_z else None
        m = self._doubles(count) if has_m else None
        # each point's coordinates as written: the two stored first, then " z m" or ""
        self.first = [_number(v) for v in xy[0::2]]
        self.second = [_number(v) for v in xy[1::2]]
        self.tails = _tails(z, m, count) if z is not None or m is not None else None
        if props & _SINGLE_POINT:
            self.figures, self.shapes = [(1, 0)], [(-1, 0, _POINT)]
        elif props & _SINGLE_LINE_SEGMENT:
            self.figures, self.shapes = [(1, 0)], [(-1, 0, _LINESTRING)]
        else:
            self.figures = [self._figure() for _ in range(self._count(5))]
            self.shapes = [self._shape(i) for i in range(self._count(9))]
            if version == 2 and self.pos < len(data):
                self.segments = self._take(self._count(1))
        if self.pos != len(data) or not self.shapes:
            raise _Undecodable("length does not match the structure")
        self._check_order()

    def _take(self, size: int) -> bytes:
        if size < 0 or self.pos + size > len(self.data):
            raise _Undecodable("truncated")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def _count(self, item_size: int) -> int:
        """A count of items of `item_size` bytes each, which the bytes left must hold."""
        value: int = struct.unpack("<I", self._take(4))[0]
        if value * item_size > len(self.data) - self.pos:
            raise _Undecodable("count beyond the data")
        return value

    def _doubles(self, count: int) -> tuple[float, ...]:
        return struct.unpack(f"<{count}d", self._take(8 * count))

    def _figure(self) -> tuple[int, int]:
        attribute, offset = struct.unpack("<Bi", self._take(5))
        if not 0 <= offset <= len(self.first) or attribute > _FIGURE_COMPOSITE:
            raise _Undecodable("bad figure")
        return attribute, offset

    def _shape(self, index: int) -> tuple[int, int, int]:
        parent, figure, kind = struct.unpack("<iiB", self._take(9))
        if kind not in _TAGS or not -1 <= figure <= len(self.figures):
            raise _Undecodable("bad shape")
        # the first shape is the root; every other one comes after its parent
        if (parent != -1) if index == 0 else not 0 <= parent < index:
            raise _Undecodable("bad parent")
        return parent, figure, kind

    def _check_order(self) -> None:
        offsets = [offset for _, offset in self.figures]
        if any(a > b for a, b in itertools.pairwise(offsets)):
            raise _Undecodable("points out of order")
        # a shape's figures run up to the next shape that has any (or the end)
        self.figure_end = [len(self.figures)] * len(self.shapes)
        end = len(self.figures)
        for index in range(len(self.shapes) - 1, -1, -1):
            self.figure_end[index] = end
            figure = self.shapes[index][1]
            if figure != -1:
                if figure > end:
                    raise _Undecodable("figures out of order")
                end = figure
        self.children: list[list[int]] = [[] for _ in self.shapes]
        for index, (parent, _, _) in enumerate(self.shapes[1:], 1):
            if self.shapes[parent][2] not in _MULTI:
                raise _Undecodable("a shape inside one that holds none")
            self.children[parent].append(index)

    # -- text
    def text(self, *, geography: bool) -> str:
        """`SRID=n;WKT`; geography stores latitude first, WKT writes longitude (x) first."""
        xs, ys = (self.second, self.first) if geography else (self.first, self.second)
        if self.tails is None:
            points = [f"{x} {y}" for x, y in zip(xs, ys, strict=True)]
        else:
            points = [f"{x} {y}{t}" for x, y, t in zip(xs, ys, self.tails, strict=True)]
        out = [f"SRID={self.srid};"]
        # depth first with a stack of its own: shapes may nest deeper than Python recurses
        stack: list[tuple[int, bool] | str] = [(0, True)]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
                continue
            index, tagged = item
            kind = self.shapes[index][2]
            if kind not in _MULTI:
                out.append(self._simple_text(index, kind, tagged, points))
                continue
            children = self.children[index]
            if not children:
                out.append(f"{_TAGS[kind]} EMPTY" if tagged else "EMPTY")
                continue
            out.append(f"{_TAGS[kind]} (" if tagged else "(")
            stack.append(")")
            for at in range(len(children) - 1, -1, -1):
                stack.append((children[at], kind == _COLLECTION))
                if at:
                    stack.append(", ")
        return "".join(out)

    def _figure_points(self, figure: int, points: list[str]) -> list[str]:
        """The points of one figure, from every point of the value as WKT writes them."""
        start = self.figures[figure][1]
        end = self.figures[figure + 1][1] if figure + 1 < len(self.figures) else len(self.first)
        return points[start:end]

    def _simple_text(self, index: int, kind: int, tagged: bool, points: list[str]) -> str:
        """A shape without child shapes."""
        tag = _TAGS[kind] + " " if tagged else ""
        if kind == _FULLGLOBE:
            return "FULLGLOBE"
        start = self.shapes[index][1]
        figures = range(0) if start == -1 else range(start, self.figure_end[index])
        if not figures:
            return f"{_TAGS[kind]} EMPTY" if tagged else "EMPTY"
        if kind in (_POINT, _LINESTRING, _CIRCULARSTRING):
            return f"{tag}({', '.join(self._figure_points(figures[0], points))})"
        if kind == _POLYGON:
            rings = [f"({', '.join(self._figure_points(f, points))})" for f in figures]
            return f"{tag}({', '.join(rings)})"
        if kind == _COMPOUNDCURVE:
            return f"{tag}{self._compound(figures[0], points)}"
        rings = [self._ring(f, points) for f in figures]  # CURVEPOLYGON
        return f"{tag}({', '.join(rings)})"

    def _ring(self, figure: int, points: list[str]) -> str:
        attribute = self.figures[figure][0]
        if self.version == 2 and attribute == _FIGURE_ARC:
            return f"CIRCULARSTRING ({', '.join(self._figure_points(figure, points))})"
        if self.version == 2 and attribute == _FIGURE_COMPOSITE:
            return f"COMPOUNDCURVE {self._compound(figure, points)}"
        return f"({', '.join(self._figure_points(figure, points))})"

    def _compound(self, figure: int, every: list[str]) -> str:
        """A composite-curve figure, drawn piece by piece from its segments."""
        points = self._figure_points(figure, every)
        pieces: list[tuple[bool, list[str]]] = []  # (is arc, points)
        at = 0
        start, end = self._segment_spans().get(figure, (0, 0))
        for segment in self.segments[start:end]:
            arc = segment in (_SEG_ARC, _SEG_FIRST_ARC)
            step = 2 if arc else 1
            if at + step >= len(points):
                raise _Undecodable("segments beyond the figure")
            if segment in (_SEG_FIRST_LINE, _SEG_FIRST_ARC) or not pieces:
                pieces.append((arc, [points[at]]))
            pieces[-1][1].extend(points[at + 1 : at + 1 + step])
            at += step
        if at != len(points) - 1:
            raise _Undecodable("segments do not cover the figure")
        parts = [f"{'CIRCULARSTRING ' if arc else ''}({', '.join(piece)})" for arc, piece in pieces]
        return f"({', '.join(parts)})"

    def _segment_spans(self) -> dict[int, tuple[int, int]]:
        """Where the segments of each composite figure are: the segment list is shared by
        all of them, in figure order, each taking as many as cover its points. Worked
        out once per value."""
        if self._spans is not None:
            return self._spans
        spans: dict[int, tuple[int, int]] = {}
        cursor = 0
        for f, (attribute, start) in enumerate(self.figures):
            if attribute != _FIGURE_COMPOSITE:
                continue
            end = self.figures[f + 1][1] if f + 1 < len(self.figures) else len(self.first)
            needed, first = end - start - 1, cursor
            while needed > 0 and cursor < len(self.segments):
                needed -= 2 if self.segments[cursor] in (_SEG_ARC, _SEG_FIRST_ARC) else 1
                cursor += 1
            spans[f] = (first, cursor)
        if cursor != len(self.segments):
            raise _Undecodable("segments left over")
        self._spans = spans
        return spans


_MULTI = frozenset({_MULTIPOINT, _MULTILINESTRING, _MULTIPOLYGON, _COLLECTION})


def _tails(z: tuple[float, ...] | None, m: tuple[float, ...] | None, count: int) -> list[str]:
    """Each point's " z m" as WKT writes it: NaN is no value, a missing Z before an M is
    NULL."""
    tails = []
    for i in range(count):
        zi = None if z is None or z[i] != z[i] else z[i]
        mi = None if m is None or m[i] != m[i] else m[i]
        tail = ""
        if zi is not None or mi is not None:
            tail = " NULL" if zi is None else f" {_number(zi)}"
        if mi is not None:
            tail += f" {_number(mi)}"
        tails.append(tail)
    return tails


def _number(value: float) -> str:
    """A coordinate as SQL Server writes it: 47.65, -122, 1E-05."""
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace("e", "E").replace("inf", "Infinity")


def spatial_text(data: bytes) -> str:
    """A geography or geometry serialization as `SRID=n;WKT` (ValueError if it is not one),
    read as geography where its SRID is one geography accepts."""
    spatial = _Spatial(data)
    return spatial.text(geography=is_geography_srid(spatial.srid))


# --- hierarchyid ([MS-SSCLRT] 2.2) -------------------------------------------------------

# Each label is a prefix (Li) naming a range, then the offset in that range (Oi) with fixed
# bits among its bits, then Fi: 1 ends the level, 0 means a dot follows and the label is
# one less than encoded. `x` marks an offset bit, 0/1 a fixed bit. (2.2.2 table)
_LABEL_PATTERNS: tuple[tuple[str, str, int], ...] = (
    ("01", "xx", 0),
    ("100", "xx", 4),
    ("101", "xxx", 8),
    ("110", "xx0x1xxx", 16),
    ("1110", "xxx0xxx0x1xxx", 80),
    ("11110", "xxxxx0xxx0x1xxx", 1104),
    ("111110", "x" * 19 + "0xxxxxx0xxx0x1xxx", 5200),
    ("111111", "x" * 14 + "0" + "x" * 21 + "0xxxxxx0xxx0x1xxx", 4294972496),
    ("00111", "xxx", -8),
    ("0010", "xx0x1xxx", -72),
    ("000110", "xxxxx0xxx0x1xxx", -4168),
    ("000101", "x" * 19 + "0xxxxxx0xxx0x1xxx", -4294971464),
    ("000100", "x" * 14 + "0" + "x" * 21 + "0xxxxxx0xxx0x1xxx", -281479271682120),
)


def _read_label(bits: str, at: int) -> tuple[int, bool, int]:
    """(label, ends the level, position after it) for the label starting at `at`."""
    for prefix, layout, base in _LABEL_PATTERNS:
        if not bits.startswith(prefix, at):
            continue
        pos = at + len(prefix)
        body = bits[pos : pos + len(layout) + 1]
        if len(body) < len(layout) + 1:
            raise _Undecodable("truncated label")
        offset = ""
        for expected, bit in zip(layout, body, strict=False):
            if expected == "x":
                offset += bit
            elif bit != expected:
                raise _Undecodable("fixed bit mismatch")
        ends = body[-1] == "1"
        value = base + int(offset, 2)
        return (value if ends else value - 1), ends, pos + len(layout) + 1
    raise _Undecodable("no label pattern matches")


def hierarchyid_text(data: bytes) -> str:
    """A hierarchyid serialization as its path, e.g. `/1/3/` (ValueError if it is not one)."""
    if len(data) > HIERARCHYID_MAX_BYTES:
        raise _Undecodable("longer than a hierarchyid")
    bits = "".join(f"{byte:08b}" for byte in data)
    levels: list[str] = []
    labels: list[str] = []
    at = 0
    # W: the last byte is padded with zero bits; they are not a label
    while not (len(bits) - at < 8 and "1" not in bits[at:]):
        label, ends, at = _read_label(bits, at)
        labels.append(str(label))
        if ends:
            levels.append(".".join(labels))
            labels = []
    if labels:
        raise _Undecodable("the last level is not closed")
    return "/" + "".join(f"{level}/" for level in levels)
