"""An ER diagram of a source's tables as inline SVG, laid out on the server.

No script or CDN is needed to show it: each table is a box listing its key columns,
and each foreign key a line from the referencing table to the referenced one."""

from __future__ import annotations

import math
from dataclasses import dataclass

from azsql_mcp.catalog.schema import SchemaOverview, TableOutline
from azsql_mcp.serving.console.layout import esc

BOX_W, LINE_H, GAP_X, GAP_Y, MAX_LISTED = 230, 16, 70, 50, 8


@dataclass
class Box:
    table: TableOutline
    x: int = 0
    y: int = 0
    h: int = 0


def reference_target(reference: str) -> str:
    """`schema.table` of an outline reference "a, b -> schema.table(x, y)"."""
    return reference.split(" -> ", 1)[1].split("(", 1)[0]


def er_svg(overview: SchemaOverview) -> str:
    tables = [t for t in overview.tables if t.type == "table"]
    if not tables:
        return '<p class="muted">No tables to draw.</p>'
    # Tables with most links first, so the connected core sits top left.
    degree = {t.name: len(t.references) for t in tables}
    for t in tables:
        for ref in t.references:
            target = reference_target(ref)
            degree[target] = degree.get(target, 0) + 1
    ordered = sorted(tables, key=lambda t: (-degree[t.name], t.name))
    per_row = max(1, math.ceil(math.sqrt(len(ordered))))
    boxes: dict[str, Box] = {}
    y, row_h = 10, 0
    for i, t in enumerate(ordered):
        if i and i % per_row == 0:
            y, row_h = y + row_h + GAP_Y, 0
        listed = min(len(_listed(t)), MAX_LISTED) + (1 if len(_listed(t)) > MAX_LISTED else 0)
        box = Box(t, 10 + (i % per_row) * (BOX_W + GAP_X), y, (listed + 1) * LINE_H + 10)
        boxes[t.name] = box
        row_h = max(row_h, box.h)
    width = 20 + min(per_row, len(ordered)) * (BOX_W + GAP_X)
    height = y + row_h + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="er-diagram" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" role="img"'
        ' aria-label="ER diagram">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
        ' markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b6b7f"/>'
        "</marker></defs>",
    ]
    for box in boxes.values():
        for ref in box.table.references:
            linked = boxes.get(reference_target(ref))
            if linked is not None and linked is not box:
                parts.append(_edge(box, linked, ref))
    parts.extend(_box(box) for box in boxes.values())
    parts.append("</svg>")
    return "".join(parts)


def _listed(t: TableOutline) -> list[str]:
    """Key columns first (PK, then FK), as they matter in a diagram."""
    fk_cols = {c.strip() for ref in t.references for c in ref.split(" -> ", 1)[0].split(",")}
    out = [f"PK {c}" for c in t.primary_key]
    out += [f"FK {c.name}" for c in t.columns if c.name in fk_cols and c.name not in t.primary_key]
    out += [
        f"   {c.name}" for c in t.columns if c.name not in fk_cols and c.name not in t.primary_key
    ]
    return out


def _box(box: Box) -> str:
    lines = _listed(box.table)
    shown = lines[:MAX_LISTED]
    if len(lines) > MAX_LISTED:
        shown.append(f"   … {len(lines) - MAX_LISTED} more")
    text = "".join(
        f'<text x="{box.x + 8}" y="{box.y + LINE_H * (i + 2) + 2}" font-size="12"'
        f' font-family="monospace" xml:space="preserve">{esc(line)}</text>'
        for i, line in enumerate(shown)
    )
    return (
        f'<g class="entity"><rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{box.h}"'
        ' fill="#fff" stroke="#16324f" rx="4"/>'
        f'<rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{LINE_H + 6}" fill="#16324f"'
        ' rx="4"/>'
        f'<text x="{box.x + 8}" y="{box.y + LINE_H}" fill="#fff" font-size="13"'
        f' font-weight="bold">{esc(box.table.name)}</text>{text}</g>'
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
    ax, ay = a.x + BOX_W / 2, a.y + a.h / 2
    dx, dy = b.x + BOX_W / 2 - ax, b.y + b.h / 2 - ay
    if dx == 0 and dy == 0:
        return ax, ay
    scale = min((BOX_W / 2) / abs(dx) if dx else math.inf, (a.h / 2) / abs(dy) if dy else math.inf)
    return ax + dx * scale, ay + dy * scale
