"""The console's ER diagram: the SVG drawing of catalog's diagram model."""

from __future__ import annotations

import re

from azsql_mcp import catalog
from azsql_mcp.catalog import OutlineColumn, OutlineForeignKey, TableOutline
from azsql_mcp.catalog.diagram import er_diagram
from azsql_mcp.serving.console.erd import TEXT_PX, TITLE_PX, er_svg

LONG = "SalesLT.ProductModelProductDescription"
# The advance of a monospace character (DejaVu Sans Mono, Liberation Mono: 0.6 em).
MONO_EM = 0.6


def outline(
    name: str, columns: list[str], pk: list[str], fks: list[OutlineForeignKey]
) -> TableOutline:
    return TableOutline(
        name=name,
        schema_name=name.split(".")[0],
        type="table",
        columns=[OutlineColumn(name=c, type="int", nullable=False) for c in columns],
        primary_key=pk,
        references=[],
        foreign_keys=fks,
    )


MODEL = outline("SalesLT.ProductModel", ["ProductModelID"], ["ProductModelID"], [])
LINK = outline(
    LONG,
    ["ProductModelID", "ProductDescriptionIDWithAVeryLongColumnNameIndeed", "Culture"],
    ["ProductModelID"],
    [
        OutlineForeignKey(
            columns=["ProductModelID"], table=MODEL.name, to_columns=["ProductModelID"]
        )
    ],
)


def boxes(svg: str) -> dict[str, tuple[float, float, list[str]]]:
    """Each entity's title -> (x, width, its lines of text)."""
    out = {}
    for group in re.findall(r'<g class="entity">(.*?)</g>', svg):
        x, width = re.search(r'<rect x="(\d+)" y="\d+" width="(\d+)"', group).groups()
        texts = re.findall(r"<text [^>]*>([^<]*)</text>", group)
        out[texts[0]] = (float(x), float(width), texts[1:])
    return out


def test_a_long_table_name_fits_its_box() -> None:
    drawn = boxes(er_svg(er_diagram([MODEL, LINK])))
    x, width, lines = drawn[LONG]
    assert len(LONG) * TITLE_PX * MONO_EM + 8 < width
    assert all(len(line) * TEXT_PX * MONO_EM + 8 < width for line in lines)
    assert "PK ProductModelID" in lines[0]
    # the box beside it starts after it ends
    other_x = drawn[MODEL.name][0]
    assert other_x >= x + width or other_x + drawn[MODEL.name][1] <= x


def test_the_svg_and_the_mermaid_text_draw_one_model() -> None:
    diagram = er_diagram([MODEL, LINK])
    (relation,) = diagram.relations
    assert (relation.table, relation.to_table, relation.optional) == (LONG, MODEL.name, False)
    svg = er_svg(diagram)
    assert svg.count("<line ") == 1 and f"{LONG}: ProductModelID -&gt; {MODEL.name}" in svg
    text = catalog.render_mermaid([MODEL, LINK])
    assert f'"{LONG}" }}o--|| "{MODEL.name}" : "ProductModelID"' in text


def test_a_cut_diagram_says_so() -> None:
    many = [outline(f"s.t{i}", ["id"], ["id"], []) for i in range(5)]
    svg = er_svg(er_diagram(many, max_tables=2))
    assert "The 2 tables with the most foreign keys to and from them, of 5, are drawn" in svg
    assert svg.count('class="entity"') == 2


def test_a_column_the_user_may_not_select_is_marked() -> None:
    staff = outline("dbo.Staff", ["StaffID"], ["StaffID"], [])
    staff.columns.append(
        OutlineColumn(name="Salary", type="money", nullable=True, selectable=False)
    )
    _, _, lines = boxes(er_svg(er_diagram([staff])))["dbo.Staff"]
    assert [line.strip() for line in lines] == [
        "PK StaffID",
        f"Salary ({catalog.NO_SELECT_MARK})",
    ]


def test_a_hidden_column_is_marked_as_describe_table_marks_it() -> None:
    """A temporal period column declared HIDDEN is not in SELECT *: the box says so, as
    schema_overview and describe_table do, with a column's other note beside it."""
    history = outline("dbo.Price", ["PriceID"], ["PriceID"], [])
    history.columns += [
        OutlineColumn(name="ValidFrom", type="datetime2", nullable=False, hidden=True),
        OutlineColumn(name="Note", type="text", nullable=True, hidden=True, selectable=False),
    ]
    _, _, lines = boxes(er_svg(er_diagram([history])))["dbo.Price"]
    assert [line.strip() for line in lines] == [
        "PK PriceID",
        "ValidFrom (hidden)",
        f"Note (hidden, {catalog.NO_SELECT_MARK})",
    ]
