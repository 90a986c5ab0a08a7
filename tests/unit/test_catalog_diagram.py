"""catalog.render_mermaid and select_tables: the erDiagram text Mermaid parses."""

from __future__ import annotations

from azsql_mcp import catalog, plain_advice
from azsql_mcp.catalog import (
    OutlineColumn,
    OutlineForeignKey,
    SchemaOverview,
    SchemaPage,
    TableOutline,
)


def table(schema: str, name: str, columns: list[tuple[str, str, bool]], **kw) -> TableOutline:
    return TableOutline(
        name=f"{schema}.{name}",
        schema_name=schema,
        type=kw.pop("type", "table"),
        columns=[OutlineColumn(name=n, type=t, nullable=nl) for n, t, nl in columns],
        primary_key=kw.pop("pk", []),
        references=[],
        foreign_keys=kw.pop("fks", []),
    )


CUSTOMER = table("Sales", "Customer", [("CustomerID", "int", False)], pk=["CustomerID"])
ORDER = table(
    "Sales",
    "Order Header",
    [("OrderID", "int", False), ("CustomerID", "int", True), ("Total", "decimal(19,4)", False)],
    pk=["OrderID"],
    fks=[
        OutlineForeignKey(columns=["CustomerID"], table="Sales.Customer", to_columns=["CustomerID"])
    ],
)
LINE = table(
    "Sales",
    "Line",
    [("OrderID", "int", False)],
    fks=[
        OutlineForeignKey(columns=["OrderID"], table="Sales.Order Header", to_columns=["OrderID"])
    ],
)
LOG = table("dbo", "Log", [("Message", "nvarchar(max)", True)])
VIEW = table("Sales", "vOrders", [("OrderID", "int", False)], type="view")
OVERVIEW = SchemaOverview(tables=[CUSTOMER, ORDER, LINE, LOG, VIEW], truncated=False)


def test_diagram_of_tables_keys_and_relationships() -> None:
    text = catalog.render_mermaid(catalog.select_tables(OVERVIEW))
    lines = text.splitlines()
    assert lines[0] == "erDiagram"
    assert '    "Sales.Order Header" {' in lines
    assert "        decimal(19-4) Total" in lines  # no comma in an attribute type
    assert "        int CustomerID FK" in lines
    assert "        int OrderID PK" in lines
    # a nullable key: zero or one customer; a NOT NULL key: exactly one order
    assert '    "Sales.Order Header" }o--o| "Sales.Customer" : "CustomerID"' in lines
    assert '    "Sales.Line" }o--|| "Sales.Order Header" : "OrderID"' in lines
    assert "vOrders" not in text  # views carry no keys


def test_a_key_to_a_hidden_table_is_a_column_marked_fk_without_a_line() -> None:
    hidden = OutlineForeignKey(columns=["OrderID"], table=catalog.TABLE_HIDDEN, to_columns=[])
    audit = table("Sales", "Audit", [("OrderID", "int", False)], fks=[hidden])
    text = catalog.render_mermaid([audit, CUSTOMER])
    assert "        int OrderID FK" in text.splitlines()
    assert "}o--" not in text
    overview = SchemaOverview(tables=[audit, CUSTOMER], truncated=False)
    near = catalog.select_tables(overview, schema="Sales", table="Audit")
    assert [t.name for t in near] == ["Sales.Audit"]  # the hidden table is no neighbour


def test_one_schema_and_one_table_with_its_neighbours() -> None:
    names = {t.name for t in catalog.select_tables(OVERVIEW, schema="dbo")}
    assert names == {"dbo.Log"}
    near = catalog.select_tables(OVERVIEW, schema="sales", table="order header")
    assert {t.name for t in near} == {"Sales.Customer", "Sales.Order Header", "Sales.Line"}
    assert catalog.select_tables(OVERVIEW, schema="Sales", table="nope") == []
    # a key to a table left out keeps its FK mark but draws no line
    text = catalog.render_mermaid([LINE])
    assert "}o--" not in text and "int OrderID FK" in text


def test_a_big_schema_is_cut_and_says_how_to_narrow_it() -> None:
    many = [table("s", f"t{i}", [("id", "int", False)]) for i in range(5)]
    text = catalog.render_mermaid(many, max_tables=2)
    assert "%% 2 of 5 tables" in text and "database://schema/diagram/{schema}" in text
    assert text.count("{\n") == 2


def test_tables_chosen_from_more_count_those_they_were_chosen_from() -> None:
    chosen = [table("s", f"t{i}", [("id", "int", False)]) for i in range(2)]
    text = catalog.render_mermaid(chosen, total=2000)
    assert "%% 2 of 2000 tables" in text and text.count("{\n") == 2
    assert "%%" not in catalog.render_mermaid(chosen)


def test_a_column_the_user_may_not_select_carries_a_comment() -> None:
    secret = OutlineColumn(name="Salary", type="money", nullable=True, selectable=False)
    staff = table("dbo", "Staff", [("StaffID", "int", False)], pk=["StaffID"])
    staff.columns.append(secret)
    lines = catalog.render_mermaid([staff]).splitlines()
    assert f'        money Salary "{catalog.NO_SELECT_MARK}"' in lines
    assert "        int StaffID PK" in lines
    text = catalog.render_schema(SchemaOverview(tables=[staff], truncated=False))
    assert text.splitlines() == [
        f"dbo.Staff: StaffID int! PK, Salary money ({catalog.NO_SELECT_MARK})",
        catalog.NO_SELECT_STAR,
    ]


def test_a_hidden_column_carries_a_comment() -> None:
    """A HIDDEN period or ledger column is not in SELECT *: marked in the diagram as the
    overview marks it (and describe_table, HIDDEN)."""
    period = OutlineColumn(name="ValidFrom", type="datetime2", nullable=False, hidden=True)
    price = table("dbo", "Price", [("PriceID", "int", False)], pk=["PriceID"])
    price.columns.append(period)
    lines = catalog.render_mermaid([price]).splitlines()
    assert '        datetime2 ValidFrom "hidden"' in lines
    text = catalog.render_schema(SchemaOverview(tables=[price], truncated=False))
    assert text.splitlines() == [
        "dbo.Price: PriceID int! PK, ValidFrom datetime2! hidden",
        catalog.HIDDEN_LEGEND,
    ]


def test_a_case_sensitive_database_keeps_tables_apart_that_differ_in_case() -> None:
    # Under Latin1_General_CS_AS (or _BIN2) dbo.Orders and dbo.orders are two tables.
    upper = table("dbo", "Orders", [("Id", "int", False)])
    lower_fk = OutlineForeignKey(columns=["OrderId"], table="dbo.orders", to_columns=["Id"])
    lower = table("dbo", "orders", [("Id", "int", False)])
    line = table("dbo", "Line", [("OrderId", "int", False)], fks=[lower_fk])
    overview = SchemaOverview(tables=[upper, lower, line], truncated=False)
    near = catalog.select_tables(overview, schema="dbo", table="Orders")
    assert [t.name for t in near] == ["dbo.Orders"]  # Line references orders, not Orders
    near = catalog.select_tables(overview, schema="dbo", table="orders")
    assert [t.name for t in near] == ["dbo.orders", "dbo.Line"]
    # neither spelled as asked: which one is meant cannot be told
    assert catalog.select_tables(overview, schema="dbo", table="ORDERS") == []


def test_the_schema_text_of_a_page_gives_the_cursor_of_the_tables_after_it() -> None:
    """database://schema reads a page of the tables (schema_page): those past it, read or
    not, are counted, and list_tables' cursor starts after the last line written."""
    overview = SchemaOverview(tables=[CUSTOMER, ORDER], truncated=False)
    page = SchemaPage(overview=overview, total=5)
    lines = plain_advice(catalog.render_schema(page), lambda tool: True).splitlines()
    cursor = catalog.cursor_after(lines[-1].split('cursor "')[1].split('"')[0])
    assert cursor == ("Sales", "Order Header") and len(lines) == 3
    assert lines[-1].startswith("(... 3 more tables and views not shown: list_tables with")
    # cut by its size: the cursor is of the last table it wrote
    lines = catalog.render_schema(page, chars=60).splitlines()
    assert lines[0].startswith("Sales.Customer: ") and len(lines) == 2
    assert lines[1].startswith("(... 4 more tables and views not shown")
    assert catalog.cursor_after(lines[1].split('cursor "')[1].split('"')[0]) == (
        "Sales",
        "Customer",
    )
    assert "(..." not in catalog.render_schema(overview)  # the whole overview


def test_the_left_out_line_names_the_kinds_left_out() -> None:
    """ "N more tables and views" of a rest that holds synonyms or table functions said
    what they are not: the line names the kinds of the rest, from the page's counts."""
    synonym = TableOutline(
        name="dbo.Clients",
        schema_name="dbo",
        type="synonym",
        columns=[],
        primary_key=[],
        references=[],
        base_object="[Sales].[Customer]",
    )
    function = table("dbo", "OrdersOf", [("OrderID", "int", False)], type="table function")
    overview = SchemaOverview(tables=[CUSTOMER, ORDER, synonym, function], truncated=False)

    def left_out(listed: SchemaOverview | SchemaPage, chars: int) -> str:
        return catalog.render_schema(listed, chars=chars).splitlines()[-1].split(":")[0]

    # the overview's own rest, past the first line: a table, a synonym and a function
    assert left_out(overview, 60) == (
        "(... 3 more tables, views, synonyms and table functions not shown"
    )
    # a page's unread rest holds the synonym and function it counts
    page = SchemaPage(overview=SchemaOverview(tables=[CUSTOMER, ORDER], truncated=False), total=6)
    assert left_out(page.model_copy(update={"synonyms": 1}), 1_000) == (
        "(... 4 more tables, views and synonyms not shown"
    )
    assert left_out(page.model_copy(update={"functions": 2}), 1_000) == (
        "(... 4 more tables, views and table functions not shown"
    )
    # the function it counts is one written, so none is left out
    shown = SchemaOverview(tables=[CUSTOMER, function], truncated=False)
    counted = SchemaPage(overview=shown, total=3, functions=1)
    assert left_out(counted, 1_000) == "(... 1 more tables and views not shown"
