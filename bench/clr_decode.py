"""Time to decode a spatial value of many parts (db/clrtypes.py), which runs inside the
ODBC fetch, where the query timeout does not bound it: a MULTIPOINT of N points, for N
from 5,000 to 80,000. Decoding is linear when 8 times the points take about 8 times as
long (the quadratic decoder of before took 60 times as long). It prints; it does not
assert.

    .venv/bin/python bench/clr_decode.py
"""

from __future__ import annotations

import struct
import time

from azsql_mcp.db.clrtypes import udt_text

VALID = 0x04  # the IsValid property bit ([MS-SSCLRT] 2.1.1)
MULTIPOINT, POINT = 4, 1


def multipoint(count: int) -> bytes:
    """A version-1 geometry (SRID 0) MULTIPOINT of `count` points, one figure each."""
    data = struct.pack("<iBB", 0, 1, VALID) + struct.pack("<I", count)
    data += b"".join(struct.pack("<2d", i, i) for i in range(count))
    data += struct.pack("<I", count) + b"".join(struct.pack("<Bi", 1, i) for i in range(count))
    shapes = [(-1, 0, MULTIPOINT)] + [(0, i, POINT) for i in range(count)]
    data += struct.pack("<I", len(shapes)) + b"".join(struct.pack("<iiB", *s) for s in shapes)
    return data


def best_of(runs: int, data: bytes) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        udt_text(data)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    base = None
    for count in (5_000, 10_000, 20_000, 40_000, 80_000):
        seconds = best_of(3, multipoint(count))
        base = base or seconds
        print(f"MULTIPOINT of {count:6d} points: {seconds * 1000:8.1f} ms ({seconds / base:5.1f}x)")


if __name__ == "__main__":
    main()
