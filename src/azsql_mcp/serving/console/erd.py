"""The ER diagram (catalog/diagram.py's model) as inline SVG, laid out on the server.

No script or CDN is needed to show it: each table is a box listing its key columns first,
and each foreign key a line from the referencing table to the referenced one. All text is
monospace, so a box is as wide as its longest line without measuring it in a browser."""

from __future__ import annotations

import math
from dataclasses import dataclass

from azsql_mcp.catalog.diagram import DiagramTable, ERDiagram
from azsql_mcp.serving.console.layout import esc

LINE_H, GAP_X, GAP_Y, MAX_LISTED, PAD = 16, 70, 50, 8, 8
TITLE_PX, TEXT_PX, MIN_W = 13, 12, 160
# The advance of one character of a monospace font, in ems (0.6 in DejaVu Sans Mono,
# Liberation Mono, Courier, Menlo and Consolas alike); a little over, so no text touches
# the edge.
CHAR_EM = 0.62


@dataclass
class Box:
    table: DiagramTable
    lines: list[str]
    w: int
    h: int
    x: int = 0
    y: int = 0


def text_width(text: str, font_px: int) -> int:
    return math.ceil(len(text) * font_px * CHAR_EM)


def box_of(table: DiagramTable) -> Box:
    """A table's box, wide enough for its name and every line it lists."""
    lines = listed(table)
    if len(lines) > MAX_LISTED:
        lines = [*lines[:MAX_LISTED], f"   … {len(lines) - MAX_LISTED} more"]
    widest = max([text_width(table.name, TITLE_PX), *(text_width(line, TEXT_PX) for line in lines)])
    return Box(table, lines, max(MIN_W, widest + 2 * PAD), (len(lines) + 1) * LINE_H + 10)


def listed(table: DiagramTable) -> list[str]:
    """Key columns first (PK, then FK), as they matter in a diagram; a HIDDEN column and
    one the user may not SELECT marked so."""
    order = sorted(table.columns, key=lambda c: (not c.primary, not c.foreign))
    return [
        f"{(c.marks or ['  '])[0]} {c.name}" + (f" ({', '.join(c.notes)})" if c.notes else "")
        for c in order
    ]


def er_svg(diagram: ERDiagram) -> str:
    if not diagram.tables:
        return '<p class="muted">No tables to draw.</p>'
    # Tables with most links first, so the connected core sits top left.
    degree = dict.fromkeys((t.name for t in diagram.tables), 0)
    for r in diagram.relations:
        degree[r.table] += 1
        degree[r.to_table] += 1
    boxes = {
        t.name: box_of(t) for t in sorted(diagram.tables, key=lambda t: (-degree[t.name], t.name))
    }
    width, height = _grid(list(boxes.values()))
    parts = []
    if diagram.total > len(diagram.tables):
        parts.append(
            f'<p class="muted">The {len(diagram.tables)} tables with the most foreign keys'
            f" to and from them, of {diagram.total}, are drawn.</p>"
        )
    parts += [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="er-diagram" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" role="img"'
        ' aria-label="ER diagram">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b6b7f"/>'
        "</marker></defs>",
    ]
    for r in diagram.relations:
        if r.table != r.to_table:
            label = f"{', '.join(r.columns)} -> {r.to_table}"
            parts.append(_edge(boxes[r.table], boxes[r.to_table], label))
    parts.extend(_box(box) for box in boxes.values())
    parts.append("</svg>")
    return "".join(parts)


def _grid(boxes: list[Box]) -> tuple[int, int]:
    """Place the boxes in rows of about the square root of their number, each column as
    wide as its widest box; the width and height of the whole."""
    per_row = max(1, math.ceil(math.sqrt(len(boxes))))
    col_w = [max(b.w for b in boxes[c::per_row]) for c in range(min(per_row, len(boxes)))]
    y = 10
    for start in range(0, len(boxes), per_row):
        row = boxes[start : start + per_row]
        x = 10
        for box, w in zip(row, col_w, strict=False):
            box.x, box.y = x, y
            x += w + GAP_X
        y += max(b.h for b in row) + GAP_Y
    return 20 + sum(col_w) + GAP_X * (len(col_w) - 1), y - GAP_Y + 20


def _box(box: Box) -> str:
    text = "".join(
        f'<text x="{box.x + PAD}" y="{box.y + LINE_H * (i + 2) + 2}" font-size="{TEXT_PX}"'
        f' font-family="monospace" xml:space="preserve">{esc(line)}</text>'
        for i, line in enumerate(box.lines)
    )
    return (
        f'<g class="entity"><rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}"'
        ' fill="#fff" stroke="#16324f" rx="4"/>'
        f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{LINE_H + 6}" fill="#16324f"'
        ' rx="4"/>'
        f'<text x="{box.x + PAD}" y="{box.y + LINE_H}" fill="#fff" font-size="{TITLE_PX}"'
        f' font-family="monospace" font-weight="bold">{esc(box.table.name)}</text>{text}</g>'
    )


def _edge(a: Box, b: Box, label: str) -> str:
    ax, ay = _border_point(a, b)
    bx, by = _border_point(b, a)
    return (
        f'<line x1="{ax:.0f}" y1="{ay:.0f}" x2="{bx:.0f}" y2="{by:.0f}" stroke="#5b6b7f"'
        f' marker-end="url(#arrow)"><title>{esc(a.table.name)}: {esc(label)}</title></line>'
    )


def _border_point(a: Box, b: Box) -> tuple[float, float]:
    """Where the line from a's centre towards b's centre leaves a's box."""
    ax, ay = a.x + a.w / 2, a.y + a.h / 2
    dx, dy = b.x + b.w / 2 - ax, b.y + b.h / 2 - ay
    if dx == 0 and dy == 0:
        return ax, ay
    scale = min((a.w / 2) / abs(dx) if dx else math.inf, (a.h / 2) / abs(dy) if dy else math.inf)
    return ax + dx * scale, ay + dy * scale
