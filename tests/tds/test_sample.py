"""The AdventureWorksLT-shaped sample database, checked through an engine session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from tds_test_server.engine.engine import Engine
from tds_test_server.results import ResultSet, SessionInfo, TdsError
from tds_test_server.sample import SAMPLE, SAMPLE_DATABASE
from tds_test_server.sample.rows import (
    SAMPLE_ROW_COUNTS,
    SAMPLE_TABLES,
    SAMPLE_VIEW_NAMES,
    TableRows,
    generate_rows,
)
from tds_test_server.sample.schema import (
    DESCRIPTIONS,
    SAMPLE_DDL,
    SAMPLE_INDEXES,
    SAMPLE_VIEWS,
    VIEW_DESCRIPTIONS,
    description_statements,
)


@pytest.fixture(scope="module")
def generated() -> list[TableRows]:
    return generate_rows()


# -- Without the engine ----------------------------------------------------------------


def test_every_statement_is_one_tsql_statement() -> None:
    for statement in [*SAMPLE_DDL, *SAMPLE_INDEXES, *SAMPLE_VIEWS, *description_statements()]:
        parsed = sqlglot.parse(statement, read="tsql")
        assert len(parsed) == 1, statement
        assert not isinstance(parsed[0], exp.Command), statement


def test_generation_is_deterministic(generated: list[TableRows]) -> None:
    assert generate_rows() == generated  # every value of every row
    assert generate_rows(seed=1) != generated


def test_generated_rows_match_the_published_counts(generated: list[TableRows]) -> None:
    tables = generated
    assert [table.table for table in tables] == SAMPLE_TABLES
    assert {table.table: len(table.rows) for table in tables} == SAMPLE_ROW_COUNTS
    assert SAMPLE_ROW_COUNTS["SalesLT.SalesOrderDetail"] >= 50_000
    for table in tables:
        assert all(len(row) == len(table.columns) for row in table.rows), table.table


# -- Through an engine session -----------------------------------------------------------


class Session:
    """Runs T-SQL on one engine session and returns the first result set's rows."""

    def __init__(self, engine: Any) -> None:
        self._session = engine.session(SessionInfo(spid=51, user="sa", database="master"))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        # Rows stream from the running statement: read them before the next result.
        sets = [list(r.rows) for r in self._session.execute(sql) if isinstance(r, ResultSet)]
        assert sets, f"no result set from: {sql}"
        return sets[0]

    def scalar(self, sql: str) -> Any:
        (row,) = self.rows(sql)
        return row[0]

    def close(self) -> None:
        self._session.close()


@pytest.fixture(scope="module")
def db() -> Iterator[Session]:
    with Engine(database=":memory:", seed=SAMPLE) as engine:
        session = Session(engine)
        yield session
        session.close()


@pytest.mark.parametrize("table", SAMPLE_TABLES)
def test_table_has_its_rows(db: Session, table: str) -> None:
    assert db.scalar(f"SELECT COUNT(*) FROM {table}") == SAMPLE_ROW_COUNTS[table]


def test_information_schema_lists_tables_and_views(db: Session) -> None:
    rows = db.rows(
        "SELECT TABLE_SCHEMA + '.' + TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES"
        " WHERE TABLE_SCHEMA = 'SalesLT' ORDER BY TABLE_NAME"
    )
    assert sorted(name for name, kind in rows if kind == "BASE TABLE") == sorted(SAMPLE_TABLES)
    assert sorted(name for name, kind in rows if kind == "VIEW") == sorted(SAMPLE_VIEW_NAMES)


def test_partitions_report_row_counts(db: Session) -> None:
    rows = db.rows(
        "SELECT t.name, SUM(p.rows) FROM sys.tables AS t"
        " JOIN sys.partitions AS p ON p.object_id = t.object_id AND p.index_id IN (0, 1)"
        " WHERE t.schema_id = SCHEMA_ID('SalesLT') GROUP BY t.name"
    )
    assert {f"SalesLT.{name}": count for name, count in rows} == SAMPLE_ROW_COUNTS


def test_primary_keys_are_in_the_catalog(db: Session) -> None:
    rows = db.rows(
        "SELECT kc.name, c.name FROM sys.key_constraints AS kc"
        " JOIN sys.index_columns AS ic"
        "   ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id"
        " JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE kc.type = 'PK' AND kc.parent_object_id = OBJECT_ID('SalesLT.SalesOrderDetail')"
        " ORDER BY ic.key_ordinal"
    )
    assert rows == [
        ("PK_SalesOrderDetail_SalesOrderID_SalesOrderDetailID", "SalesOrderID"),
        ("PK_SalesOrderDetail_SalesOrderID_SalesOrderDetailID", "SalesOrderDetailID"),
    ]
    count = db.scalar(
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS"
        " WHERE TABLE_SCHEMA = 'SalesLT' AND CONSTRAINT_TYPE = 'PRIMARY KEY'"
    )
    assert count == len(SAMPLE_TABLES)


def test_foreign_keys_are_in_the_catalog(db: Session) -> None:
    rows = db.rows(
        "SELECT fk.name, OBJECT_NAME(fk.parent_object_id), pc.name,"
        " OBJECT_NAME(fk.referenced_object_id), rc.name, fk.delete_referential_action_desc"
        " FROM sys.foreign_keys AS fk"
        " JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id"
        " JOIN sys.columns AS pc"
        "   ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id"
        " JOIN sys.columns AS rc"
        "   ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id"
        " WHERE fk.schema_id = SCHEMA_ID('SalesLT') ORDER BY fk.name"
    )
    assert len(rows) == 12
    assert (
        "FK_SalesOrderDetail_SalesOrderHeader_SalesOrderID",
        "SalesOrderDetail",
        "SalesOrderID",
        "SalesOrderHeader",
        "SalesOrderID",
        "CASCADE",
    ) in rows
    assert (
        "FK_ProductCategory_ProductCategory_ParentProductCategoryID_ProductCategoryID",
        "ProductCategory",
        "ParentProductCategoryID",
        "ProductCategory",
        "ProductCategoryID",
        "NO_ACTION",
    ) in rows
    referential = db.scalar(
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS"
        " WHERE CONSTRAINT_SCHEMA = 'SalesLT'"
    )
    assert referential == 12


def test_indexes_are_in_the_catalog(db: Session) -> None:
    rows = db.rows(
        "SELECT i.name, i.type_desc, i.is_unique, i.is_primary_key, i.is_unique_constraint"
        " FROM sys.indexes AS i WHERE i.object_id = OBJECT_ID('SalesLT.SalesOrderDetail')"
        " AND i.name IS NOT NULL ORDER BY i.name"
    )
    assert [tuple(row) for row in rows] == [
        ("AK_SalesOrderDetail_rowguid", "NONCLUSTERED", True, False, True),
        ("IX_SalesOrderDetail_ProductID", "NONCLUSTERED", False, False, False),
        ("PK_SalesOrderDetail_SalesOrderID_SalesOrderDetailID", "CLUSTERED", True, True, False),
    ]
    columns = db.rows(
        "SELECT c.name FROM sys.indexes AS i"
        " JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id"
        " JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE i.name = 'IX_Address_AddressLine1_AddressLine2_City_StateProvince_PostalCode"
        "_CountryRegion' ORDER BY ic.key_ordinal"
    )
    assert [name for (name,) in columns] == [
        "AddressLine1",
        "AddressLine2",
        "City",
        "StateProvince",
        "PostalCode",
        "CountryRegion",
    ]


def test_defaults_are_in_the_catalog(db: Session) -> None:
    rows = db.rows(
        "SELECT dc.name, c.name FROM sys.default_constraints AS dc"
        " JOIN sys.columns AS c"
        "   ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id"
        " WHERE dc.parent_object_id = OBJECT_ID('SalesLT.Customer') ORDER BY dc.name"
    )
    assert rows == [
        ("DF_Customer_ModifiedDate", "ModifiedDate"),
        ("DF_Customer_NameStyle", "NameStyle"),
        ("DF_Customer_rowguid", "rowguid"),
    ]
    defaults = db.rows(
        "SELECT COLUMN_NAME, COLUMN_DEFAULT FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE TABLE_SCHEMA = 'SalesLT' AND TABLE_NAME = 'SalesOrderHeader'"
        " AND COLUMN_DEFAULT IS NOT NULL ORDER BY ORDINAL_POSITION"
    )
    assert [name for name, _ in defaults] == [
        "RevisionNumber",
        "OrderDate",
        "Status",
        "OnlineOrderFlag",
        "SubTotal",
        "TaxAmt",
        "Freight",
        "rowguid",
        "ModifiedDate",
    ]
    assert "getdate()" in dict(defaults)["OrderDate"].lower()


def test_identity_columns_are_in_the_catalog(db: Session) -> None:
    rows = db.rows(
        "SELECT OBJECT_NAME(c.object_id), c.name FROM sys.columns AS c"
        " JOIN sys.tables AS t ON t.object_id = c.object_id"
        " WHERE t.schema_id = SCHEMA_ID('SalesLT') AND c.is_identity = 1"
        " ORDER BY OBJECT_NAME(c.object_id)"
    )
    assert rows == [
        ("Address", "AddressID"),
        ("Customer", "CustomerID"),
        ("Product", "ProductID"),
        ("ProductCategory", "ProductCategoryID"),
        ("ProductDescription", "ProductDescriptionID"),
        ("ProductModel", "ProductModelID"),
        ("SalesOrderDetail", "SalesOrderDetailID"),
        ("SalesOrderHeader", "SalesOrderID"),
    ]


def test_column_types_follow_the_original(db: Session) -> None:
    rows = db.rows(
        "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION,"
        " NUMERIC_SCALE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE TABLE_SCHEMA = 'SalesLT' AND TABLE_NAME = 'SalesOrderDetail'"
        " ORDER BY ORDINAL_POSITION"
    )
    assert [(name, kind, nullable) for name, kind, _, _, _, nullable in rows] == [
        ("SalesOrderID", "int", "NO"),
        ("SalesOrderDetailID", "int", "NO"),
        ("OrderQty", "smallint", "NO"),
        ("ProductID", "int", "NO"),
        ("UnitPrice", "money", "NO"),
        ("UnitPriceDiscount", "money", "NO"),
        ("LineTotal", "numeric", "NO"),
        ("rowguid", "uniqueidentifier", "NO"),
        ("ModifiedDate", "datetime", "NO"),
    ]
    line_total = next(row for row in rows if row[0] == "LineTotal")
    assert (line_total[3], line_total[4]) == (38, 6)
    photo = db.rows(
        "SELECT DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE TABLE_NAME = 'Product' AND COLUMN_NAME = 'ThumbNailPhoto'"
    )
    assert photo == [("varbinary", -1)]


def test_tables_have_descriptions(db: Session) -> None:
    for table, (text, _) in DESCRIPTIONS.items():
        value = db.scalar(
            "SELECT ep.value FROM sys.extended_properties AS ep"
            " JOIN sys.tables AS t ON ep.major_id = t.object_id"
            f" WHERE t.name = '{table}' AND ep.minor_id = 0 AND ep.name = 'MS_Description'"
        )
        assert value == text


def test_columns_have_descriptions(db: Session) -> None:
    rows = db.rows(
        "SELECT c.name, CAST(ep.value AS nvarchar(4000)) FROM sys.extended_properties AS ep"
        " JOIN sys.columns AS c ON c.object_id = ep.major_id AND c.column_id = ep.minor_id"
        " WHERE ep.class = 1 AND ep.name = 'MS_Description'"
        " AND ep.major_id = OBJECT_ID('SalesLT.Customer')"
    )
    assert dict(rows) == DESCRIPTIONS["Customer"][1]


def test_details_join_to_their_orders_and_products(db: Session) -> None:
    orphans = db.scalar(
        "SELECT COUNT(*) FROM SalesLT.SalesOrderDetail AS d"
        " LEFT JOIN SalesLT.SalesOrderHeader AS h ON h.SalesOrderID = d.SalesOrderID"
        " LEFT JOIN SalesLT.Product AS p ON p.ProductID = d.ProductID"
        " WHERE h.SalesOrderID IS NULL OR p.ProductID IS NULL"
    )
    assert orphans == 0
    mismatched = db.scalar(
        "SELECT COUNT(*) FROM SalesLT.SalesOrderHeader AS h"
        " JOIN (SELECT SalesOrderID, SUM(LineTotal) AS lines FROM SalesLT.SalesOrderDetail"
        "       GROUP BY SalesOrderID) AS d ON d.SalesOrderID = h.SalesOrderID"
        " WHERE ABS(h.SubTotal - d.lines) > 0.0001"
        # A tolerance, not <>: the test server adds money in floating point (a known limit).
        "    OR ABS(h.TotalDue - (h.SubTotal + h.TaxAmt + h.Freight)) > 0.00001"
    )
    assert mismatched == 0


def test_orders_join_to_customers_and_addresses(db: Session) -> None:
    rows = db.rows(
        "SELECT COUNT(*), COUNT(DISTINCT h.CustomerID) FROM SalesLT.SalesOrderHeader AS h"
        " JOIN SalesLT.Customer AS c ON c.CustomerID = h.CustomerID"
        " JOIN SalesLT.CustomerAddress AS ca"
        "   ON ca.CustomerID = c.CustomerID AND ca.AddressID = h.BillToAddressID"
        " JOIN SalesLT.Address AS a ON a.AddressID = h.ShipToAddressID"
    )
    assert rows[0][0] == SAMPLE_ROW_COUNTS["SalesLT.SalesOrderHeader"]
    assert rows[0][1] > 300


def test_category_tree_has_two_levels(db: Session) -> None:
    rows = db.rows(
        "SELECT parent.Name, COUNT(*) FROM SalesLT.ProductCategory AS child"
        " JOIN SalesLT.ProductCategory AS parent"
        "   ON parent.ProductCategoryID = child.ParentProductCategoryID"
        " GROUP BY parent.Name ORDER BY parent.Name"
    )
    assert rows == [("Accessories", 8), ("Bikes", 5), ("Clothing", 8), ("Components", 16)]
    products_in_leaf_categories = db.scalar(
        "SELECT COUNT(*) FROM SalesLT.Product AS p JOIN SalesLT.ProductCategory AS c"
        " ON c.ProductCategoryID = p.ProductCategoryID"
        " WHERE c.ParentProductCategoryID IS NOT NULL"
    )
    assert products_in_leaf_categories == SAMPLE_ROW_COUNTS["SalesLT.Product"]


def test_views_return_rows(db: Session) -> None:
    descriptions = db.scalar("SELECT COUNT(*) FROM SalesLT.vProductAndDescription")
    assert descriptions == SAMPLE_ROW_COUNTS["SalesLT.Product"] * 6
    categories = db.rows(
        "SELECT ParentProductCategoryName, ProductCategoryName FROM SalesLT.vGetAllCategories"
        " WHERE ProductCategoryName = N'Gloves'"
    )
    assert categories == [("Clothing", "Gloves")]
    description = db.scalar(
        "SELECT value FROM sys.extended_properties WHERE class = 1 AND minor_id = 0"
        " AND major_id = OBJECT_ID('SalesLT.vGetAllCategories') AND name = 'MS_Description'"
    )
    assert description == VIEW_DESCRIPTIONS["vGetAllCategories"]


def test_non_ascii_text_round_trips(db: Session, generated: list[TableRows]) -> None:
    cultures = db.rows(
        "SELECT DISTINCT Culture FROM SalesLT.ProductModelProductDescription ORDER BY Culture"
    )
    assert [culture for (culture,) in cultures] == [
        "ar    ",
        "en    ",
        "fr    ",
        "he    ",
        "th    ",
        "zh-cht",
    ]
    descriptions = next(t for t in generated if t.table == "SalesLT.ProductDescription")
    expected = next(text for _, text, *_ in descriptions.rows if "自行車" in text)
    found = db.scalar(
        f"SELECT COUNT(*) FROM SalesLT.ProductDescription WHERE Description = N'{expected}'"
    )
    assert found >= 1


def test_engine_holds_exactly_the_generated_values(db: Session, generated: list[TableRows]) -> None:
    details = next(t for t in generated if t.table == "SalesLT.SalesOrderDetail")
    quantity, last_id = db.rows(
        "SELECT SUM(CAST(OrderQty AS int)), MAX(SalesOrderDetailID) FROM SalesLT.SalesOrderDetail"
    )[0]
    assert quantity == sum(row[2] for row in details.rows)
    assert last_id == len(details.rows)
    expected: dict[int, Decimal] = {}
    for row in details.rows:
        if row[0] <= 5:
            expected[row[0]] = expected.get(row[0], Decimal(0)) + row[6]
    totals = db.rows(
        "SELECT SalesOrderID, SUM(LineTotal) FROM SalesLT.SalesOrderDetail"
        " WHERE SalesOrderID <= 5 GROUP BY SalesOrderID"
    )
    assert dict(totals) == expected
    first = db.rows(
        "SELECT TOP 1 SalesOrderID, SalesOrderDetailID, OrderQty, ProductID, UnitPrice,"
        " UnitPriceDiscount, LineTotal, rowguid, ModifiedDate FROM SalesLT.SalesOrderDetail"
        " ORDER BY SalesOrderDetailID"
    )
    assert first == [details.rows[0]]


# -- The built sample: cached, copied, named AdventureWorksLT ------------------------------


def test_each_engine_starts_from_its_own_copy_of_the_cached_sample(tmp_path: Any) -> None:
    from tds_test_server.sample import _cached_sample

    cached = _cached_sample()
    size = os.path.getsize(cached)
    with Engine(seed=SAMPLE) as first, Engine(seed=SAMPLE) as second:
        a, b = Session(first), Session(second)
        try:
            a.rows("DELETE FROM SalesLT.SalesOrderDetail; SELECT 1")
            assert a.scalar("SELECT COUNT(*) FROM SalesLT.SalesOrderDetail") == 0
            count = SAMPLE_ROW_COUNTS["SalesLT.SalesOrderDetail"]
            assert b.scalar("SELECT COUNT(*) FROM SalesLT.SalesOrderDetail") == count
            b.rows("INSERT SalesLT.ProductCategory (Name) VALUES ('New'); SELECT 1")
            expected = SAMPLE_ROW_COUNTS["SalesLT.ProductCategory"] + 1
            assert b.scalar("SELECT IDENT_CURRENT('SalesLT.ProductCategory')") == expected
        finally:
            a.close()
            b.close()
    assert os.path.getsize(cached) == size  # the cached build itself is never written to
    path = str(tmp_path / "kept.sqlite")
    with Engine(path, seed=SAMPLE):
        pass
    with Engine(path, seed=SAMPLE) as reopened:  # an existing sample file is not loaded again
        session = Session(reopened)
        assert (
            session.scalar("SELECT COUNT(*) FROM SalesLT.Customer")
            == SAMPLE_ROW_COUNTS["SalesLT.Customer"]
        )
        session.close()


def test_the_sample_is_the_database_adventureworkslt(db: Session) -> None:
    assert db.rows("SELECT name, database_id FROM sys.databases ORDER BY database_id") == [
        ("master", 1),
        (SAMPLE_DATABASE, 5),
    ]
    assert db.rows("SELECT DB_NAME(), DB_ID(), DB_NAME(5), DB_ID('adventureworkslt')") == [
        ("master", 1, SAMPLE_DATABASE, 5)
    ]


def test_the_login_database_must_exist() -> None:
    with Engine(seed=SAMPLE) as engine:
        session = engine.session(SessionInfo(spid=60, user="sa", database="adventureworksLT"))
        assert session.info.database == SAMPLE_DATABASE  # spelled as the server spells it
        session.close()
        with pytest.raises(TdsError) as info:
            engine.session(SessionInfo(spid=61, user="sa", database="Northwind"))
        assert (info.value.number, info.value.severity) == (4060, 11)
        assert info.value.message == (
            'Cannot open database "Northwind" requested by the login. The login failed.'
        )
