"""Catalog rows the TDS test server cannot produce, shaped as Microsoft documents them.

Partitioned tables, columnstore indexes and the NULL definitions a user without VIEW
DEFINITION gets are fed to the row-shaping functions of `azsql_mcp.catalog.tables`
as sys.indexes / sys.index_columns / sys.columns rows would come back (see the
"sys.index_columns", "sys.indexes" and "Metadata visibility configuration" pages).
"""

from __future__ import annotations

from typing import Any

from azsql_mcp import plain_advice
from azsql_mcp.catalog import (
    DEFINITION_HIDDEN,
    NO_SELECT,
    NO_SELECT_STAR,
    TABLE_HIDDEN,
    CheckConstraint,
    ColumnDetail,
    LeftOut,
    TableDescription,
    fit_description,
    render_description,
)
from azsql_mcp.catalog.description_fit import COLUMNS_SHOWN, ITEMS_SHOWN
from azsql_mcp.catalog.tables import (
    ForeignKey,
    _column,
    _foreign_keys,
    _indexes,
    _key_constraints,
)


def index_row(
    index_id: int,
    name: str,
    column: str,
    *,
    index_type: int = 2,
    type_desc: str = "NONCLUSTERED",
    key_ordinal: int = 1,
    partition_ordinal: int = 0,
    included: bool = False,
    descending: bool = False,
    disabled: bool = False,
    filter_definition: str | None = None,
    has_filter: bool = False,
    unique: bool = False,
    primary_key: bool = False,
) -> dict[str, Any]:
    """One row of the INDEXES query (sys.indexes joined to sys.index_columns)."""
    return {
        "index_id": index_id,
        "index_name": name,
        "index_type": index_type,
        "type_desc": type_desc,
        "is_unique": unique,
        "is_primary_key": primary_key,
        "is_disabled": disabled,
        "has_filter": has_filter,
        "filter_definition": filter_definition,
        "column_name": column,
        "key_ordinal": key_ordinal,
        "partition_ordinal": partition_ordinal,
        "is_descending_key": descending,
        "is_included_column": included,
    }


def test_the_partitioning_column_of_a_partitioned_table_is_not_a_key_column() -> None:
    # A nonclustered index on CustomerID of a table partitioned on OrderDate: SQL Server
    # adds OrderDate to the index with key_ordinal 0, is_included_column 0 and
    # partition_ordinal 1 ("Columns implicitly added because they are a partitioning
    # column are returned as 0").
    rows = [
        index_row(1, "PK_Orders", "OrderID", index_type=1, type_desc="CLUSTERED", unique=True,
                  primary_key=True),
        index_row(1, "PK_Orders", "OrderDate", index_type=1, type_desc="CLUSTERED",
                  key_ordinal=2, partition_ordinal=1, unique=True, primary_key=True),
        index_row(2, "IX_Orders_CustomerID", "CustomerID"),
        index_row(2, "IX_Orders_CustomerID", "Status", key_ordinal=0, included=True),
        index_row(2, "IX_Orders_CustomerID", "OrderDate", key_ordinal=0, partition_ordinal=1),
    ]  # fmt: skip
    pk, ix = _indexes(rows)
    assert pk.columns == ["OrderID", "OrderDate"]  # a partitioning column in the key stays
    assert pk.partition_columns == []
    assert ix.columns == ["CustomerID"]
    assert ix.included == ["Status"]
    assert ix.partition_columns == ["OrderDate"]


def test_key_columns_follow_key_ordinal_not_index_column_id() -> None:
    rows = [
        index_row(3, "IX_T", "Region", key_ordinal=0, partition_ordinal=1),
        index_row(3, "IX_T", "B", key_ordinal=2, descending=True),
        index_row(3, "IX_T", "A", key_ordinal=1),
    ]
    (ix,) = _indexes(rows)
    assert ix.columns == ["A", "B DESC"]
    assert ix.partition_columns == ["Region"]


def test_columnstore_indexes_show_their_columns() -> None:
    # Columnstore indexes have no key: every column has key_ordinal 0 and
    # is_included_column 1; sys.indexes.type is 5 (clustered) or 6 (nonclustered).
    rows = [
        index_row(1, "CCI_Sales", col, index_type=5, type_desc="CLUSTERED COLUMNSTORE",
                  key_ordinal=0, included=True)
        for col in ("SaleID", "Amount", "SoldAt")
    ] + [
        index_row(2, "NCCI_Sales", col, index_type=6, type_desc="NONCLUSTERED COLUMNSTORE",
                  key_ordinal=0, included=True)
        for col in ("Amount", "SoldAt")
    ]  # fmt: skip
    cci, ncci = _indexes(rows)
    assert (cci.type, cci.columns, cci.included) == (
        "CLUSTERED COLUMNSTORE",
        ["SaleID", "Amount", "SoldAt"],
        [],
    )
    assert (ncci.columns, ncci.included) == (["Amount", "SoldAt"], [])


def test_disabled_indexes_and_hidden_filters_are_marked() -> None:
    rows = [
        index_row(2, "IX_Old", "A", disabled=True),
        index_row(3, "IX_Open", "B", has_filter=True, filter_definition="([Status]=(1))"),
        index_row(4, "IX_Hidden", "C", has_filter=True, filter_definition=None),
        index_row(5, "IX_Plain", "D"),
    ]
    old, open_, hidden, plain = _indexes(rows)
    assert old.disabled and not open_.disabled
    assert open_.filter == "([Status]=(1))"
    assert hidden.filter == DEFINITION_HIDDEN
    assert plain.filter is None
    text = render_description(table(indexes=[old, open_, hidden, plain]))
    assert "INDEX IX_Old NONCLUSTERED (A) (disabled)" in text
    assert "INDEX IX_Hidden NONCLUSTERED (C) FILTERED (hidden)" in text
    assert "INDEX IX_Open NONCLUSTERED (B) WHERE ([Status]=(1))" in text


def column_row(name: str, **overrides: Any) -> dict[str, Any]:
    """One row of the COLUMNS query for an int column."""
    row = {
        "column_id": 1,
        "column_name": name,
        "type_name": "int",
        "base_type": "int",
        "max_length": 4,
        "precision": 10,
        "scale": 0,
        "is_nullable": False,
        "is_identity": False,
        "is_computed": False,
        "has_default": False,
        "default_definition": None,
        "identity_seed": None,
        "identity_increment": None,
        "computed_definition": None,
        "is_persisted": None,
        "description": None,
        "can_select": 1,
        "collation_name": None,
        "is_hidden": False,
        "generated_always_type_desc": "NOT_APPLICABLE",
        "is_sparse": False,
        "is_column_set": False,
        "encryption_type_desc": None,
        "masking_function": None,
    }
    return row | overrides


def test_columns_the_user_may_not_select_are_said_so() -> None:
    # HAS_PERMS_BY_NAME(table, 'OBJECT', 'SELECT', column, 'COLUMN'): 0 for a column the
    # user may not read, NULL when the server does not answer (then not known denied).
    denied = _column(column_row("Salary", can_select=0))
    unknown = _column(column_row("Id", can_select=None))
    assert (denied.selectable, unknown.selectable) == (False, True)
    text = render_description(table(columns=[unknown, denied]))
    assert f"  Salary int NOT NULL {NO_SELECT}" in text
    assert NO_SELECT_STAR in text
    assert NO_SELECT_STAR not in render_description(table(columns=[unknown]))


def test_definitions_hidden_without_view_definition_are_said_so() -> None:
    # Without VIEW DEFINITION, sys.default_constraints.definition and
    # sys.computed_columns.definition are NULL; sys.columns.is_computed and
    # default_object_id are not.
    hidden_default = _column(column_row("Qty", has_default=True))
    hidden_computed = _column(column_row("Total", is_computed=True, is_persisted=True))
    shown = _column(
        column_row(
            "Net",
            is_computed=True,
            computed_definition="([Qty]*(2))",
            is_persisted=True,
        )
    )
    plain = _column(column_row("Id"))
    assert hidden_default.default == DEFINITION_HIDDEN and not hidden_default.is_computed
    assert hidden_computed.is_computed and hidden_computed.computed == DEFINITION_HIDDEN
    assert shown.is_computed and shown.computed == "([Qty]*(2)) PERSISTED"
    assert (plain.default, plain.computed, plain.is_computed) == (None, None, False)
    text = render_description(
        table(
            columns=[hidden_default, hidden_computed, shown, plain],
            check_constraints=[
                CheckConstraint(name="CK_Qty", definition=DEFINITION_HIDDEN, disabled=False)
            ],
        )
    )
    assert "Qty int NOT NULL DEFAULT (hidden)" in text
    assert "Total int NOT NULL COMPUTED (hidden)" in text
    assert "Net int NOT NULL AS ([Qty]*(2)) PERSISTED" in text
    assert "CHECK CK_Qty (hidden)" in text
    assert text.count("(needs VIEW DEFINITION)") == 1
    # the same word in the database's own text hides nothing
    shown_default = _column(column_row("Tag", has_default=True, default_definition="('(hidden)')"))
    assert "VIEW DEFINITION" not in render_description(table(columns=[shown_default]))


PARENT_ID = 10  # dbo.Parent's object_id; A.Child is 11, B.Child 12, dbo.Child 13
CHILD_IDS = {"A": 11, "B": 12, "dbo": 13}


def fk_row(constraint_id: int, from_schema: str, from_column: str) -> dict[str, Any]:
    return {
        "constraint_id": constraint_id,
        "constraint_name": "FK_Child_Parent",
        "parent_object_id": CHILD_IDS[from_schema],
        "referenced_object_id": PARENT_ID,
        "from_schema": from_schema,
        "from_table": "Child",
        "from_column": from_column,
        "to_schema": "dbo",
        "to_table": "Parent",
        "to_column": "ParentID",
        "on_delete": "NO_ACTION",
        "on_update": "NO_ACTION",
    }


def test_same_named_foreign_keys_of_two_schemas_stay_apart() -> None:
    # Constraint names are unique per schema only: A.FK_Child_Parent and
    # B.FK_Child_Parent both reference dbo.Parent.
    outgoing, incoming = _foreign_keys(
        [fk_row(901, "A", "ParentID"), fk_row(902, "B", "ParentRef")], PARENT_ID
    )
    assert outgoing == []
    assert [(fk.from_table, fk.from_columns) for fk in incoming] == [
        ("A.Child", ["ParentID"]),
        ("B.Child", ["ParentRef"]),
    ]


def test_a_key_to_a_table_the_user_cannot_see_keeps_its_own_columns() -> None:
    # Without a permission on the referenced table, OBJECT_SCHEMA_NAME and OBJECT_NAME of
    # it are NULL and the outer join to its sys.columns rows finds none.
    hidden = {"to_schema": None, "to_table": None, "to_column": None, "on_delete": "CASCADE"}
    rows = [fk_row(903, "dbo", "OrderID") | hidden, fk_row(903, "dbo", "LineNo") | hidden]
    outgoing, incoming = _foreign_keys(rows, CHILD_IDS["dbo"])
    assert incoming == []
    (key,) = outgoing
    assert (key.name, key.from_columns) == ("FK_Child_Parent", ["OrderID", "LineNo"])
    assert (key.to_table, key.to_columns, key.on_delete) == (TABLE_HIDDEN, [], "CASCADE")
    text = render_description(table(name="Child", foreign_keys=outgoing))
    assert f"FK FK_Child_Parent (OrderID, LineNo) -> {TABLE_HIDDEN}\n" in text


def test_keys_are_told_in_from_out_by_table_not_by_name() -> None:
    """[a.b].c and a.[b.c] are both "a.b.c" as text: a key from one to the other is
    outgoing only, not a self-reference, and the text tells the two tables apart."""
    row = fk_row(904, "dbo", "Ref") | {
        "from_schema": "a",
        "from_table": "b.c",
        "to_schema": "a.b",
        "to_table": "c",
        "to_column": "ID",
    }
    outgoing, incoming = _foreign_keys([row], CHILD_IDS["dbo"])
    assert [fk.name for fk in outgoing] == ["FK_Child_Parent"] and incoming == []
    (key,) = outgoing
    assert (key.from_schema, key.from_name, key.to_schema, key.to_name) == ("a", "b.c", "a.b", "c")
    text = render_description(table(schema_name="a", name="b.c", foreign_keys=outgoing))
    assert "FK FK_Child_Parent (Ref) -> [a.b].c (ID)\n" in text
    assert "table a.[b.c] (" in text


def test_key_constraints_are_grouped_by_object_id() -> None:
    rows = [
        {"constraint_id": 7, "constraint_type": "PK", "constraint_name": "PK_T",
         "column_name": "A"},
        {"constraint_id": 7, "constraint_type": "PK", "constraint_name": "PK_T",
         "column_name": "B"},
        {"constraint_id": 8, "constraint_type": "UQ", "constraint_name": "AK_T",
         "column_name": "C"},
    ]  # fmt: skip
    primary, uniques = _key_constraints(rows)
    assert primary is not None and primary.columns == ["A", "B"]
    assert [(u.name, u.columns) for u in uniques] == [("AK_T", ["C"])]


def table(**parts: Any) -> TableDescription:
    base: dict[str, Any] = {
        "schema_name": "dbo",
        "name": "T",
        "type": "table",
        "description": None,
        "row_count": None,
        "columns": [],
        "primary_key": None,
        "unique_constraints": [],
        "foreign_keys": [],
        "referenced_by": [],
        "indexes": [],
        "check_constraints": [],
    }
    return TableDescription(**(base | parts))


def test_a_huge_table_is_described_in_part_saying_where_the_rest_is() -> None:
    """A table may have 30,000 columns and 10,000 keys referencing it: the description
    keeps the first of each list, in the text and the structured result alike, and
    says how many it left out and how to read them, where it grew a line each."""
    keys = [
        ForeignKey(
            name=f"FK_{i}",
            from_table=f"dbo.Child{i}",
            from_columns=["TId"],
            to_table="dbo.T",
            to_columns=["Id"],
            on_delete="NO_ACTION",
            on_update="NO_ACTION",
            from_schema="dbo",
            from_name=f"Child{i}",
            to_schema="dbo",
            to_name="T",
        )
        for i in range(150)
    ]
    columns = [ColumnDetail(name=f"c{i}", type="int", nullable=True) for i in range(1000)]
    checks = [CheckConstraint(name="CK", definition="([c1]>(0))", disabled=False)] * 60
    info = fit_description(
        table(name="a]b", columns=columns, referenced_by=keys, check_constraints=checks)
    )
    assert len(info.columns) == COLUMNS_SHOWN and len(info.referenced_by) == ITEMS_SHOWN
    assert info.left_out == LeftOut(columns=750, referenced_by=100, check_constraints=10)
    text = plain_advice(render_description(info), lambda tool: True)  # as a caller reads it
    assert "(1000 columns)" in text and text.count("REFERENCED BY dbo.Child") == ITEMS_SHOWN
    assert "c249 " in text and "c250 " not in text
    assert (
        "... 750 more columns not shown: describe_table with columns (a LIKE pattern on"
        " their names) shows those that match"
    ) in text
    assert (
        "... 100 more keys from other tables not shown: read_data with SELECT * FROM"
        " sys.foreign_keys WHERE referenced_object_id = OBJECT_ID(@table) and params"
        ' {"table": "[dbo].[a]]b]"}'
    ) in text
    assert "... 10 more CHECK constraints not shown" in text
    assert "more indexes" not in text
    whole = table(columns=columns[:COLUMNS_SHOWN])
    assert fit_description(whole) is whole and whole.left_out is None
