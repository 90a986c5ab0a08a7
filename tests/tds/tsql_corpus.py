# ruff: noqa: E501  (a data file: one case, one line, the SQL as written)
"""The differential corpus: analytic T-SQL as analysts write it, against the sample, with
the result SQL Server gives (values and result column types, from Microsoft's function and
operator pages) or with an equivalent formulation whose result must be the same.

`kind` names the feature; docs/test-server-tsql.md lists every kind (test_tsql_corpus checks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

D = Decimal


@dataclass(frozen=True)
class Case:
    kind: str
    sql: str
    rows: list[tuple[Any, ...]] | None = None
    types: list[str] = field(default_factory=list)  # one per column; [] = not checked
    same_as: str | None = None  # an equivalent query: its rows must be the same
    error: str | None = None  # refused: the message must contain this


P = "SalesLT.Product"
H = "SalesLT.SalesOrderHeader"
OD = "SalesLT.SalesOrderDetail"
V5 = "(VALUES (1), (2), (3), (4), (10)) AS t(v)"
VG = "(VALUES ('a', 1), ('a', 3), ('b', 5), ('b', NULL), ('c', 2)) AS t(g, v)"

CASES: list[Case] = [
    # -- data type precedence and decimal precision/scale
    Case(
        "result types",
        "SELECT CAST(3 AS smallint) * CAST(2.5 AS money)",
        [(D("7.5000"),)],
        ["money"],
    ),
    Case("result types", "SELECT CAST(7 AS tinyint) + CAST(1 AS tinyint)", [(8,)], ["int"]),
    Case("result types", "SELECT CAST(7 AS int) + CAST(1 AS bigint)", [(8,)], ["bigint"]),
    Case(
        "result types",
        "SELECT CAST(1.5 AS decimal(5,2)) * CAST(2 AS decimal(4,1))",
        [(D("3.000"),)],
        ["decimal(10,3)"],
    ),
    Case(
        "result types",
        "SELECT CAST(1.5 AS decimal(5,2)) + CAST(2 AS decimal(4,1))",
        [(D("3.50"),)],
        ["decimal(6,2)"],
    ),
    Case(
        "result types",
        "SELECT CAST(1 AS decimal(5,2)) / CAST(3 AS decimal(4,1))",
        [(D("0.3333333"),)],
        ["decimal(11,7)"],
    ),
    Case("result types", "SELECT CAST(2 AS float) * CAST(3 AS money)", [(6.0,)], ["float"]),
    Case("result types", "SELECT 7 / 2", [(3,)], ["int"]),
    Case("result types", "SELECT 7 % 3", [(1,)], ["int"]),
    # the constant 2 is numeric(1,0) beside a decimal (result_types.constant_operands)
    Case("result types", "SELECT 1.5 * 2", [(D("3.0"),)], ["decimal(4,1)"]),
    Case("result types", "SELECT 'abc'", [("abc",)], ["varchar(3)"]),
    Case("result types", "SELECT N'abc'", [("abc",)], ["nvarchar(3)"]),
    Case("result types", "SELECT 'ab' + 'cde'", [("abcde",)], ["varchar(5)"]),
    Case(
        "result types",
        "SELECT CASE WHEN 1 = 1 THEN 'yes' ELSE 'no' END",
        [("yes",)],
        ["varchar(3)"],
    ),
    Case(
        "result types",
        "SELECT CASE WHEN 1 = 0 THEN 1 ELSE 2.5 END",
        [(D("2.5"),)],
        ["decimal(11,1)"],
    ),
    Case("result types", f"SELECT COUNT(*), COUNT_BIG(*) FROM {V5}", [(5, 5)], ["int", "bigint"]),
    Case("result types", f"SELECT SUM(v), AVG(v) FROM {V5}", [(20, 4)], ["int", "int"]),
    Case("result types", "SELECT N'😀'", [("😀",)], ["nvarchar(2)"]),
    Case("result types", "SELECT CONCAT('a', N'b', 1)", [("ab1",)], ["nvarchar(32)"]),
    Case(
        "result types",
        f"SELECT TOP 1 d.OrderQty * d.UnitPrice FROM {OD} d ORDER BY d.SalesOrderDetailID",
        same_as=f"SELECT TOP 1 CAST(d.OrderQty AS money) * d.UnitPrice FROM {OD} d ORDER BY d.SalesOrderDetailID",
        types=["money"],
    ),
    # -- TOP WITH TIES / PERCENT
    Case(
        "TOP WITH TIES",
        "SELECT TOP 2 WITH TIES v FROM (VALUES (1), (2), (2), (3)) AS t(v) ORDER BY v",
        [(1,), (2,), (2,)],
        ["int"],
    ),
    Case(
        "TOP WITH TIES",
        "SELECT TOP 1 WITH TIES g FROM (VALUES ('a', 1), ('b', 1), ('c', 2)) AS t(g, v) ORDER BY v",
        [("a",), ("b",)],
    ),
    Case(
        "TOP WITH TIES",
        f"SELECT TOP 3 WITH TIES Color, COUNT(*) AS n FROM {P} GROUP BY Color ORDER BY COUNT(*) DESC",
        same_as=f"SELECT Color, n FROM (SELECT Color, COUNT(*) AS n, RANK() OVER (ORDER BY COUNT(*) DESC) AS r FROM {P} GROUP BY Color) x WHERE r <= 3 ORDER BY n DESC",
    ),
    Case("TOP PERCENT", f"SELECT TOP (40) PERCENT v FROM {V5} ORDER BY v", [(1,), (2,)]),
    Case(
        "TOP PERCENT", f"SELECT TOP (50) PERCENT v FROM {V5} ORDER BY v DESC", [(10,), (4,), (3,)]
    ),
    Case(
        "TOP PERCENT",
        f"SELECT COUNT(*) FROM (SELECT TOP (10) PERCENT ProductID FROM {P} ORDER BY ListPrice) x",
        same_as=f"SELECT (COUNT(*) + 9) / 10 FROM {P}",
    ),
    # -- ROLLUP / CUBE / GROUPING SETS
    Case(
        "ROLLUP",
        f"SELECT g, SUM(v) AS s, GROUPING(g) AS gg FROM {VG} GROUP BY ROLLUP (g) ORDER BY gg, g",
        [("a", 4, 0), ("b", 5, 0), ("c", 2, 0), (None, 11, 1)],
        ["varchar", "int", "tinyint"],
    ),
    Case(
        "ROLLUP",
        f"SELECT g, SUM(v) AS s FROM {VG} GROUP BY g WITH ROLLUP ORDER BY s",
        [("c", 2), ("a", 4), ("b", 5), (None, 11)],
    ),
    Case(
        "ROLLUP",
        f"SELECT COUNT(*) FROM (SELECT Color, Size, COUNT(*) AS n FROM {P} GROUP BY ROLLUP (Color, Size)) x",
        same_as=f"SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT Color, Size FROM {P}) a) + (SELECT COUNT(*) FROM (SELECT DISTINCT Color FROM {P}) b) + 1",
    ),
    Case(
        "CUBE",
        "SELECT a, b, COUNT(*) AS n, GROUPING_ID(a, b) AS gid FROM (VALUES (1, 'x'), (1, 'y'), (2, 'x')) AS t(a, b) GROUP BY CUBE (a, b) ORDER BY gid, a, b",
        [
            (1, "x", 1, 0),
            (1, "y", 1, 0),
            (2, "x", 1, 0),
            (1, None, 2, 1),
            (2, None, 1, 1),
            (None, "x", 2, 2),
            (None, "y", 1, 2),
            (None, None, 3, 3),
        ],
        ["int", "varchar", "int", "int"],
    ),
    Case(
        "GROUPING SETS",
        "SELECT a, b, COUNT(*) AS n FROM (VALUES (1, 'x'), (1, 'y'), (2, 'x')) AS t(a, b) GROUP BY GROUPING SETS ((a), (b)) ORDER BY a, b",
        [(None, "x", 2), (None, "y", 1), (1, None, 2), (2, None, 1)],
    ),
    Case(
        "GROUPING SETS",
        "SELECT a, COUNT(*) AS n FROM (VALUES (1), (1), (2)) AS t(a) GROUP BY GROUPING SETS ((a), ()) HAVING COUNT(*) > 1 ORDER BY n",
        [(1, 2), (None, 3)],
    ),
    Case(
        "GROUPING SETS",
        f"SELECT SUM(ListPrice) FROM (SELECT Color, SUM(ListPrice) AS ListPrice FROM {P} GROUP BY GROUPING SETS ((Color))) x",
        same_as=f"SELECT SUM(ListPrice) FROM {P}",
    ),
    # -- PIVOT / UNPIVOT
    Case(
        "PIVOT",
        f"SELECT * FROM (SELECT g, v FROM {VG}) s PIVOT (SUM(v) FOR g IN ([a], [b], [z])) AS p",
        [(4, 5, None)],
        ["int", "int", "int"],
    ),
    Case(
        "PIVOT",
        "SELECT k, [1] AS one, [2] AS two FROM (SELECT k, y, v FROM (VALUES ('p', 1, 10), ('p', 2, 20), ('q', 1, 5)) AS t(k, y, v)) s PIVOT (MAX(v) FOR y IN ([1], [2])) p ORDER BY k",
        [("p", 10, 20), ("q", 5, None)],
    ),
    Case(
        "PIVOT",
        f"SELECT [Red] FROM (SELECT Color, ProductID FROM {P}) s PIVOT (COUNT(ProductID) FOR Color IN ([Red])) p",
        same_as=f"SELECT COUNT(*) FROM {P} WHERE Color = 'Red'",
    ),
    Case(
        "UNPIVOT",
        "SELECT id, q, qty FROM (SELECT id, q1, q2 FROM (VALUES (1, 5, 6), (2, 7, NULL)) AS t(id, q1, q2)) s UNPIVOT (qty FOR q IN (q1, q2)) AS u ORDER BY id, q",
        [(1, "q1", 5), (1, "q2", 6), (2, "q1", 7)],
    ),
    # -- APPLY
    Case(
        "APPLY STRING_SPLIT",
        "SELECT t.id, s.value FROM (VALUES (1, 'a b'), (2, 'c')) AS t(id, txt) CROSS APPLY STRING_SPLIT(t.txt, ' ') s ORDER BY t.id, s.value",
        [(1, "a"), (1, "b"), (2, "c")],
    ),
    Case(
        "APPLY OPENJSON",
        """SELECT t.id, j.value FROM (VALUES (1, '["10","20"]'), (2, '[]')) AS t(id, js) OUTER APPLY OPENJSON(t.js) j ORDER BY t.id, j.value""",
        [(1, "10"), (1, "20"), (2, None)],
    ),
    Case(
        "APPLY subquery",
        f"SELECT c.CustomerID, o.SalesOrderID FROM SalesLT.Customer c CROSS APPLY (SELECT TOP 2 h.SalesOrderID FROM {H} h WHERE h.CustomerID = c.CustomerID ORDER BY h.SalesOrderID DESC) o WHERE c.CustomerID <= 4 ORDER BY 1, 2",
        [(1, 241), (2, 246), (3, 27), (3, 358), (4, 24), (4, 224)],
        ["int", "int"],
    ),
    Case(
        "APPLY subquery",
        f"SELECT c.CustomerID, o.SalesOrderID FROM SalesLT.Customer c OUTER APPLY (SELECT TOP (1) WITH TIES h.SalesOrderID FROM {H} h WHERE h.CustomerID = c.CustomerID ORDER BY h.SalesOrderID) o WHERE c.CustomerID IN (1, 850) ORDER BY 1",
        [(1, 241), (850, None)],
    ),
    Case(
        "APPLY correlated aggregate",
        f"SELECT c.CustomerID, o.n, o.m FROM SalesLT.Customer c CROSS APPLY (SELECT COUNT(*) AS n, MAX(h.SalesOrderID) AS m FROM {H} h WHERE h.CustomerID = c.CustomerID) o WHERE c.CustomerID IN (3, 21) ORDER BY 1",
        [(3, 2, 358), (21, 0, None)],
        ["int", "int", "int"],
    ),
    Case(
        "APPLY correlated aggregate",
        f"SELECT c.CustomerID, o.n FROM SalesLT.Customer c CROSS APPLY (SELECT COUNT(*) AS n FROM {H} h WHERE h.CustomerID = c.CustomerID AND FirstName IS NOT NULL) o WHERE c.CustomerID IN (3, 21) ORDER BY 1",
        [(3, 2), (21, 0)],
    ),
    Case(
        "APPLY non-equality correlation",
        f"SELECT c.CustomerID, o.SalesOrderID FROM SalesLT.Customer c CROSS APPLY (SELECT TOP 1 h.SalesOrderID FROM {H} h WHERE h.CustomerID > c.CustomerID) o",
        error="ROW_NUMBER() OVER (PARTITION BY",
    ),
    # -- PERCENTILE_* and ALL / ANY / SOME
    Case(
        "PERCENTILE_CONT",
        f"SELECT DISTINCT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) OVER () FROM {V5}",
        [(3.0,)],
        ["float"],
    ),
    Case(
        "PERCENTILE_CONT",
        f"SELECT DISTINCT PERCENTILE_CONT(0.75) WITHIN GROUP (ORDER BY v) OVER () FROM {V5}",
        [(4.0,)],
    ),
    Case(
        "PERCENTILE_CONT",
        f"SELECT DISTINCT g, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) OVER (PARTITION BY g) FROM {VG} ORDER BY g",
        [("a", 2.0), ("b", 5.0), ("c", 2.0)],
    ),
    Case(
        "PERCENTILE_DISC",
        f"SELECT DISTINCT PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY v) OVER () FROM {V5}",
        [(3,)],
        ["int"],
    ),
    Case(
        "PERCENTILE_DISC",
        f"SELECT DISTINCT PERCENTILE_DISC(0.25) WITHIN GROUP (ORDER BY v DESC) OVER () FROM {V5}",
        [(4,)],
    ),
    Case(
        "ALL/ANY/SOME",
        f"SELECT v FROM {V5} WHERE v > ALL (SELECT v FROM (VALUES (1), (3)) AS u(v)) ORDER BY v",
        [(4,), (10,)],
    ),
    Case(
        "ALL/ANY/SOME",
        f"SELECT v FROM {V5} WHERE v < ANY (SELECT v FROM (VALUES (2), (3)) AS u(v)) ORDER BY v",
        [(1,), (2,)],
    ),
    Case(
        "ALL/ANY/SOME",
        f"SELECT v FROM {V5} WHERE v = SOME (SELECT v FROM (VALUES (2), (10)) AS u(v)) ORDER BY v",
        [(2,), (10,)],
    ),
    Case("ALL/ANY/SOME", f"SELECT COUNT(*) FROM {V5} WHERE v > ALL (SELECT 1 WHERE 1 = 0)", [(5,)]),
    Case(
        "ALL/ANY/SOME",
        f"SELECT COUNT(*) FROM {V5} WHERE v > ALL (SELECT v FROM (VALUES (1), (NULL)) AS u(v))",
        [(0,)],
    ),
    Case(
        "ALL/ANY/SOME",
        f"SELECT COUNT(*) FROM {P} WHERE ListPrice >= ALL (SELECT ListPrice FROM {P} WHERE Color = 'Red')",
        same_as=f"SELECT COUNT(*) FROM {P} WHERE ListPrice >= (SELECT MAX(ListPrice) FROM {P} WHERE Color = 'Red')",
    ),
    Case(
        "ALL/ANY/SOME",
        f"SELECT COUNT(*) FROM {P} WHERE ListPrice > ANY (SELECT ListPrice FROM {P} WHERE Color = 'Black')",
        same_as=f"SELECT COUNT(*) FROM {P} WHERE ListPrice > (SELECT MIN(ListPrice) FROM {P} WHERE Color = 'Black')",
    ),
    # -- CHECKSUM / BINARY_CHECKSUM: int; equal lists hash alike (the values are not SQL Server's)
    Case(
        "CHECKSUM",
        "SELECT CASE WHEN CHECKSUM(N'McCavity', 1) = CHECKSUM(N'Mccavity ', 1) THEN 1 ELSE 0 END, CASE WHEN BINARY_CHECKSUM('McCavity') = BINARY_CHECKSUM('Mccavity') THEN 1 ELSE 0 END, CASE WHEN CHECKSUM(NULL, 1) = CHECKSUM(NULL, 1) THEN 1 ELSE 0 END, CASE WHEN CHECKSUM(1, 2) = CHECKSUM(2, 1) THEN 1 ELSE 0 END",
        [(1, 0, 1, 0)],
        ["int", "int", "int", "int"],
    ),
    Case(
        "CHECKSUM",
        f"SELECT TOP 1 CHECKSUM(Name, ListPrice) - CHECKSUM(UPPER(Name), ListPrice), BINARY_CHECKSUM(NULL) - BINARY_CHECKSUM(NULL), CHECKSUM(NEWID()) * 0 FROM {P} ORDER BY ProductID",
        [(0, 0, 0)],
        ["int", "int", "int"],
    ),
    Case(
        "CHECKSUM",
        f"SELECT COUNT(*) FROM {P} WHERE ABS(CHECKSUM(NEWID())) % 100 < 100",
        same_as=f"SELECT COUNT(*) FROM {P}",
    ),
    Case(
        "CHECKSUM",
        f"SELECT COUNT(*) FROM (SELECT TOP 5 ProductID FROM {P} ORDER BY CHECKSUM(NEWID())) AS s",
        [(5,)],
    ),
    Case(  # CHECKSUM(*): the table's columns in their order
        "CHECKSUM",
        "SELECT COUNT(*) FROM SalesLT.ProductCategory AS c WHERE CHECKSUM(*) = CHECKSUM(c.ProductCategoryID, c.ParentProductCategoryID, c.Name, c.rowguid, c.ModifiedDate)",
        same_as="SELECT COUNT(*) FROM SalesLT.ProductCategory",
    ),
    Case(  # BINARY_CHECKSUM(*) leaves out the xml column; CHECKSUM(*) refuses it
        "CHECKSUM",
        "SELECT COUNT(*) FROM SalesLT.ProductModel WHERE BINARY_CHECKSUM(*) = BINARY_CHECKSUM(ProductModelID, Name, rowguid, ModifiedDate)",
        same_as="SELECT COUNT(*) FROM SalesLT.ProductModel",
    ),
    Case(
        "CHECKSUM",
        "SELECT CHECKSUM(*) FROM SalesLT.ProductModel",
        error="CHECKSUM(*) over the xml column CatalogDescription",
    ),
    Case(
        "CHECKSUM(*) over a subquery",
        f"SELECT CHECKSUM(*) FROM (SELECT ProductID FROM {P}) AS s",
        error="name the columns: CHECKSUM(a, b, ...)",
    ),
    # -- FOR JSON and FOR XML: one document (in a subquery: refused)
    Case(
        "FOR JSON",
        f"SELECT TOP 2 ProductID AS id FROM {P} ORDER BY ProductID FOR JSON PATH",
        [('[{"id":1},{"id":2}]',)],
    ),
    Case(
        "FOR JSON subquery",
        f"SELECT (SELECT TOP 2 Name FROM {P} FOR JSON PATH) AS j",
        error="FOR JSON in a subquery",
    ),
    Case(
        "FOR XML",
        f"SELECT TOP 2 ProductID AS [@id] FROM {P} ORDER BY ProductID FOR XML PATH('p'), ROOT",
        [('<root><p id="1"/><p id="2"/></root>',)],
    ),
    Case(
        "FOR XML subquery",
        f"SELECT (SELECT TOP 2 Name FROM {P} FOR XML PATH) AS x",
        error="FOR XML in a subquery",
    ),
    # -- hints
    Case(
        "query hints",
        f"SELECT COUNT(*) FROM {P} OPTION (RECOMPILE)",
        same_as=f"SELECT COUNT(*) FROM {P}",
    ),
    Case(
        "query hints",
        f"SELECT COUNT(*) FROM {P} WHERE Color = 'Red' OPTION (OPTIMIZE FOR UNKNOWN)",
        same_as=f"SELECT COUNT(*) FROM {P} WHERE Color = 'Red'",
    ),
    Case(
        "query hints",
        f"SELECT COUNT(*) FROM {P} OPTION (MAXDOP 1, RECOMPILE);",
        same_as=f"SELECT COUNT(*) FROM {P}",
    ),
    Case(
        "query hints",
        f"SELECT COUNT(*) FROM {P} WITH (NOLOCK)",
        same_as=f"SELECT COUNT(*) FROM {P}",
    ),
    # -- date functions
    Case("EOMONTH", "SELECT EOMONTH('2024-02-10')", [(dt.date(2024, 2, 29),)], ["date"]),
    Case("EOMONTH", "SELECT EOMONTH('2024-01-31', 1)", [(dt.date(2024, 2, 29),)]),
    Case("EOMONTH", "SELECT EOMONTH('2024-03-15', -1)", [(dt.date(2024, 2, 29),)]),
    Case("DATEFROMPARTS", "SELECT DATEFROMPARTS(2024, 2, 9)", [(dt.date(2024, 2, 9),)], ["date"]),
    Case(
        "DATETRUNC",
        "SELECT DATETRUNC(month, CAST('2024-02-09 10:11:12' AS datetime2(0)))",
        [(dt.datetime(2024, 2, 1),)],
    ),
    Case(
        "DATETRUNC",
        "SELECT DATETRUNC(quarter, CAST('2024-05-09' AS date))",
        [(dt.date(2024, 4, 1),)],
        ["date"],
    ),
    Case(
        "DATETRUNC",
        "SELECT DATETRUNC(year, CAST('2024-05-09 01:02:03' AS datetime))",
        [(dt.datetime(2024, 1, 1),)],
        ["datetime"],
    ),
    Case(
        "DATEADD/DATEDIFF",
        "SELECT DATEADD(month, 1, CAST('2024-01-31' AS date))",
        [(dt.date(2024, 2, 29),)],
    ),
    Case("DATEADD/DATEDIFF", "SELECT DATEDIFF(day, '2024-01-01', '2024-03-01')", [(60,)], ["int"]),
    Case("DATEADD/DATEDIFF", "SELECT DATEDIFF(month, '2024-01-31', '2024-02-01')", [(1,)]),
    Case("DATEADD/DATEDIFF", "SELECT DATEDIFF(year, '2023-12-31', '2024-01-01')", [(1,)]),
    Case(
        "datetime arithmetic",
        "SELECT CAST('2024-12-16' AS datetime) + 1, CAST('2024-12-16 06:00' AS datetime) - 0.25, CAST('2024-12-16' AS smalldatetime) + 1.5",
        [(dt.datetime(2024, 12, 17), dt.datetime(2024, 12, 16), dt.datetime(2024, 12, 17, 12))],
    ),
    Case(
        "datetime arithmetic",
        f"SELECT DATEDIFF(day, 0, MAX(OrderDate) - MIN(OrderDate)), MAX(OrderDate) - MIN(OrderDate) FROM {H}",
        same_as=f"SELECT DATEDIFF(day, MIN(OrderDate), MAX(OrderDate)), DATEADD(day, DATEDIFF(day, MIN(OrderDate), MAX(OrderDate)), CAST(0 AS datetime)) FROM {H}",
    ),
    Case(
        "datetime arithmetic",
        f"SELECT COUNT(*) FROM {H} WHERE OrderDate >= CAST('2024-12-16' AS datetime) - 30",
        same_as=f"SELECT COUNT(*) FROM {H} WHERE OrderDate >= DATEADD(day, -30, CAST('2024-12-16' AS datetime))",
    ),
    Case(
        "datetime arithmetic",
        "SELECT CAST('2024-01-01' AS date) + 1",
        error="Operand type clash: date is incompatible with int",
    ),
    Case(
        "DATEADD/DATEDIFF",
        "SELECT DATEDIFF_BIG(millisecond, '2000-01-01', '2024-01-01')",
        [(757382400000,)],
        ["bigint"],
    ),
    Case(
        "DATEPART/DATENAME",
        "SELECT DATEPART(quarter, '2024-08-09'), DATEPART(weekday, '2024-02-09')",
        [(3, 6)],
    ),
    Case("DATEPART/DATENAME", "SELECT DATENAME(month, '2024-02-09')", [("February",)]),
    Case(
        "DATEPART/DATENAME",
        "SELECT YEAR('2024-02-09'), MONTH('2024-02-09'), DAY('2024-02-09')",
        [(2024, 2, 9)],
    ),
    Case("ISDATE", "SELECT ISDATE('2024-02-29'), ISDATE('2023-02-29'), ISDATE('x')", [(1, 0, 0)]),
    # -- conditional and choice
    Case("IIF", "SELECT IIF(2 > 1, 'yes', 'no')", [("yes",)], ["varchar(3)"]),
    Case("IIF", "SELECT IIF(NULL > 1, 1, 2)", [(2,)]),
    Case("CHOOSE", "SELECT CHOOSE(2, 'a', 'b', 'c'), CHOOSE(4, 'a', 'b', 'c')", [("b", None)]),
    Case(
        "CHOOSE",
        "SELECT CHOOSE(2, 'a', N'bb'), CHOOSE(1, 1, 2.5)",
        [("bb", D("1.0"))],
        ["nvarchar(2)", "decimal"],
    ),
    Case(
        "NULLIF/COALESCE/ISNULL",
        "SELECT NULLIF(1, 1), COALESCE(NULL, NULL, 3), ISNULL(NULL, 'x')",
        [(None, 3, "x")],
    ),
    Case("GREATEST/LEAST", "SELECT GREATEST(1, 5, 3), LEAST(4, 2, 8)", [(5, 2)]),
    Case("GREATEST/LEAST", "SELECT GREATEST('apple', 'pear', 'fig')", [("pear",)]),
    Case(  # the type of highest precedence among the arguments
        "GREATEST/LEAST",
        "SELECT GREATEST(1, 2.5), LEAST(N'a', 'b'), GREATEST('apple', 'pear')",
        [(D("2.5"), "a", "pear")],
        ["decimal", "nvarchar(1)", "varchar(5)"],
    ),
    # -- string functions
    Case("TRIM", "SELECT TRIM('  a b  '), LTRIM('  x'), RTRIM('y  ')", [("a b", "x", "y")]),
    Case("CONCAT_WS", "SELECT CONCAT_WS('-', 'a', NULL, 'b')", [("a-b",)]),
    Case("CONCAT_WS", "SELECT CONCAT_WS(', ', 'x', 1, 2.5)", [("x, 1, 2.5",)]),
    Case("CONCAT", "SELECT CONCAT('a', NULL, 'b', 1)", [("ab1",)]),
    Case("TRANSLATE", "SELECT TRANSLATE('2*[3+4]/{7-2}', '[]{}', '()()')", [("2*(3+4)/(7-2)",)]),
    Case(  # "of the same data type as inputString"
        "TRANSLATE",
        "SELECT TRANSLATE(N'日本', N'日', N'月'), TRANSLATE('abc', 'a', 'x')",
        [("月本", "xbc")],
        ["nvarchar(2)", "varchar(3)"],
    ),
    Case("TRANSLATE", "SELECT TRANSLATE('abc', 'ab', 'x')", error="equal number of characters"),
    Case(
        "STRING_AGG",
        "SELECT STRING_AGG(g, ',') WITHIN GROUP (ORDER BY g DESC) FROM (VALUES ('a'), ('c'), ('b')) AS t(g)",
        [("c,b,a",)],
    ),
    Case(
        "STRING_AGG",
        f"SELECT g, STRING_AGG(CAST(v AS varchar(5)), '+') WITHIN GROUP (ORDER BY v) FROM {VG} GROUP BY g ORDER BY g",
        [("a", "1+3"), ("b", "5"), ("c", "2")],
    ),
    Case(
        "STRING_AGG",
        f"SELECT STRING_AGG(Color, ', ') WITHIN GROUP (ORDER BY Color) FROM (SELECT DISTINCT Color FROM {P} WHERE Color IN (N'Red', N'Black')) x",
        [("Black, Red",)],
        ["nvarchar(4000)"],
    ),
    Case(
        "STRING_AGG",
        f"SELECT STRING_AGG(CAST(v AS varchar(5)), '-') WITHIN GROUP (ORDER BY v), STRING_AGG(v, '-') WITHIN GROUP (ORDER BY v) FROM {V5}",
        [("1-2-3-4-10", "1-2-3-4-10")],
        ["varchar(8000)", "nvarchar(4000)"],
    ),
    Case("STUFF", "SELECT STUFF('abcdef', 2, 3, 'ijklmn')", [("aijklmnef",)]),
    Case("STUFF", "SELECT STUFF('abc', 5, 1, 'x')", [(None,)]),
    Case("STUFF", "SELECT STUFF(N'日本語', 1, 1, N'x')", [("x本語",)], ["nvarchar(4000)"]),
    Case(
        "PATINDEX",
        "SELECT PATINDEX('%ter%', 'interesting data'), PATINDEX('%[0-9]%', 'ab3c'), PATINDEX('zz%', 'abc')",
        [(3, 3, 0)],
    ),
    Case(
        "CHARINDEX",
        "SELECT CHARINDEX('c', 'abcabc'), CHARINDEX('c', 'abcabc', 4), CHARINDEX('z', 'abc')",
        [(3, 6, 0)],
    ),
    Case(
        "SUBSTRING/LEFT/RIGHT",
        "SELECT SUBSTRING('abcdef', 2, 3), LEFT('abcdef', 2), RIGHT('abcdef', 2)",
        [("bcd", "ab", "ef")],
    ),
    Case(
        "REPLACE/REPLICATE/REVERSE",
        "SELECT REPLACE('aXbX', 'X', '-'), REPLICATE('ab', 3), REVERSE('abc')",
        [("a-b-", "ababab", "cba")],
    ),
    Case(
        "UPPER/LOWER/LEN",
        "SELECT UPPER('ab'), LOWER('CD'), LEN('ab  '), DATALENGTH(N'ab  ')",
        [("AB", "cd", 2, 8)],
    ),
    Case(
        "UPPER/LOWER/LEN",
        "SELECT DATALENGTH('ab  '), DATALENGTH(CAST(N'ab' AS varchar(5))), DATALENGTH(CAST('ab' AS char(5))), DATALENGTH(CAST('ab' AS nchar(3)))",
        [(4, 2, 5, 6)],
    ),
    Case(
        "SOUNDEX/DIFFERENCE",
        "SELECT SOUNDEX('Robert'), SOUNDEX('Rupert'), DIFFERENCE('Smith', 'Smyth')",
        [("R163", "R163", 4)],
        ["varchar(4)", "varchar(4)", "int"],
    ),
    Case("STR", "SELECT STR(123.45, 6, 1), STR(12345, 3)", [(" 123.5", "***")]),
    Case(
        "ASCII/CHAR/UNICODE/NCHAR",
        "SELECT ASCII('A'), CHAR(66), UNICODE(N'😀'), NCHAR(67)",
        [(65, "B", 128512, "C")],
    ),
    Case("QUOTENAME", "SELECT QUOTENAME('a]b'), QUOTENAME('x', '''')", [("[a]]b]", "'x'")]),
    Case(
        "FORMAT",
        "SELECT FORMAT(1234.5, 'N2'), FORMAT(0.256, 'P1'), FORMAT(1234.5, 'C', 'en-US'), FORMAT(42, 'D5')",
        [("1,234.50", "25.6%", "$1,234.50", "00042")],
    ),
    Case(  # "nvarchar or null", of a date as of a number
        "FORMAT",
        "SELECT FORMAT(CAST('2024-05-17' AS date), 'dddd, MMMM d, yyyy'), FORMAT(12.5, 'N1')",
        [("Friday, May 17, 2024", "12.5")],
        ["nvarchar(max)", "nvarchar(max)"],
    ),
    Case(
        "FORMAT",
        "SELECT FORMAT(1234.5, '#,##0.00'), FORMAT(3.14159, '0.##')",
        [("1,234.50", "3.14")],
    ),
    Case(
        "FORMAT",
        "SELECT FORMAT(CAST('2024-02-09' AS date), 'yyyy-MM'), FORMAT(CAST('2024-02-09' AS date), 'dd/MM/yyyy')",
        [("2024-02", "09/02/2024")],
    ),
    # -- math and aggregates
    Case("math", "SELECT ABS(-2), CEILING(1.2), FLOOR(1.8), SIGN(-3)", [(2, D("2"), D("1"), -1)]),
    Case(
        "math",
        "SELECT ROUND(1.255, 2), ROUND(-1.5, 0), ROUND(1234.5, -2)",
        [(D("1.260"), D("-2.0"), D("1200.0"))],
    ),
    Case(
        "math",
        "SELECT POWER(2, 10), SQUARE(3), SQRT(16.0)",
        [(1024, 9.0, 4.0)],
        ["int", "float", "float"],
    ),
    Case(  # POWER keeps its first argument's type, so 2.5 squared is 6.3
        "math",
        "SELECT POWER(2, 10), POWER(2.5, 2), POWER(2, -100.0), POWER(2.0, -100.0), POWER(CAST(2.0 AS float), 3)",
        [(1024, D("6.3"), 0, D("0.0"), 8.0)],
        ["int", "decimal(38,1)", "int", "decimal(38,1)", "float"],
    ),
    Case(
        "STDEV/VAR",
        "SELECT STDEV(v), VAR(v), STDEVP(v), VARP(v) FROM (VALUES (2), (4), (4), (4), (5), (5), (7), (9)) AS t(v)",
        [(2.138089935299395, 4.571428571428571, 2.0, 4.0)],
        ["float", "float", "float", "float"],
    ),
    Case(
        "STDEV/VAR",
        f"SELECT v, STDEV(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), VARP(v) OVER () FROM {V5} ORDER BY v",
        [
            (1, None, 10.0),
            (2, 0.7071067811865476, 10.0),
            (3, 0.7071067811865476, 10.0),
            (4, 0.7071067811865476, 10.0),
            (10, 4.242640687119285, 10.0),
        ],
    ),
    Case(
        "aggregates",
        f"SELECT MIN(v), MAX(v), SUM(v), COUNT(v), COUNT(DISTINCT g) FROM {VG}",
        [(1, 5, 11, 4, 3)],
    ),
    Case("aggregates", f"SELECT g, AVG(v) FROM {VG} GROUP BY g HAVING COUNT(v) > 1", [("a", 2)]),
    Case(
        "aggregates",
        f"SELECT SUM(ListPrice) FROM {P}",
        same_as=f"SELECT SUM(s) FROM (SELECT Color, SUM(ListPrice) AS s FROM {P} GROUP BY Color) x",
    ),
    Case("aggregates", f"SELECT APPROX_COUNT_DISTINCT(g) FROM {VG}", [(3,)], ["bigint"]),
    Case(  # of arithmetic's type (int * numeric(2,1) is numeric(13,1)), not sqlglot's float
        "aggregates",
        f"SELECT AVG(v * 1.0), SUM(v * 1.5), AVG(CAST(v AS bigint)) FROM {V5}",
        [(D("4.000000"), D("30.0"), 4)],
        ["decimal(38,6)", "decimal(38,1)", "bigint"],
    ),
    Case(
        "aggregates",
        f"SELECT SUM(Name) FROM {P}",
        error="Operand data type nvarchar is invalid for sum operator.",
    ),
    Case(
        "aggregates",
        f"SELECT Size, AVG(DISTINCT Color) FROM {P} GROUP BY Size",
        error="Operand data type nvarchar is invalid for avg operator.",
    ),
    Case(
        "aggregates",
        f"SELECT SUM(OnlineOrderFlag) FROM {H}",
        error="Operand data type bit is invalid for sum operator.",
    ),
    Case(  # no FILTER clause in T-SQL: FILTER is read as an alias, and the '(' is wrong
        "aggregates",
        f"SELECT AVG(v) FILTER (WHERE v > 1) FROM {V5}",
        error="Incorrect syntax near '('.",
    ),
    Case(
        "aggregates",
        f"SELECT v FILTER FROM {V5} ORDER BY FILTER DESC",
        [(10,), (4,), (3,), (2,), (1,)],
    ),
    Case(
        "aggregates",
        f"SELECT SUM(CAST(OnlineOrderFlag AS int)) FROM {H}",
        same_as=f"SELECT COUNT(*) FROM {H} WHERE OnlineOrderFlag = 1",
    ),
    # -- windows
    Case(  # an integer AVG truncates OVER (...) too
        "window functions",
        f"SELECT v, AVG(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), SUM(CAST(v AS money)) OVER (ORDER BY v) FROM {V5} ORDER BY v",
        [
            (1, 1, D("1.0000")),
            (2, 1, D("3.0000")),
            (3, 2, D("6.0000")),
            (4, 3, D("10.0000")),
            (10, 7, D("20.0000")),
        ],
        ["int", "int", "money"],
    ),
    Case(
        "window functions",
        f"SELECT v, ROW_NUMBER() OVER (ORDER BY v DESC) FROM {V5} ORDER BY v",
        [(1, 5), (2, 4), (3, 3), (4, 2), (10, 1)],
        ["int", "bigint"],
    ),
    Case(
        "window functions",
        "SELECT v, RANK() OVER (ORDER BY v), DENSE_RANK() OVER (ORDER BY v) FROM (VALUES (1), (1), (2)) AS t(v) ORDER BY v",
        [(1, 1, 1), (1, 1, 1), (2, 3, 2)],
    ),
    Case(
        "window functions",
        f"SELECT v, NTILE(2) OVER (ORDER BY v) FROM {V5} ORDER BY v",
        [(1, 1), (2, 1), (3, 1), (4, 2), (10, 2)],
    ),
    Case(
        "window functions",
        f"SELECT v, LAG(v) OVER (ORDER BY v), LEAD(v, 1, 0) OVER (ORDER BY v) FROM {V5} ORDER BY v",
        [(1, None, 2), (2, 1, 3), (3, 2, 4), (4, 3, 10), (10, 4, 0)],
    ),
    Case(
        "window functions",
        f"SELECT v, SUM(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM {V5} ORDER BY v",
        [(1, 1), (2, 3), (3, 6), (4, 10), (10, 20)],
    ),
    Case(
        "window functions",
        f"SELECT g, v, FIRST_VALUE(v) OVER (PARTITION BY g ORDER BY v DESC) FROM {VG} WHERE v IS NOT NULL ORDER BY g, v",
        [("a", 1, 3), ("a", 3, 3), ("b", 5, 5), ("c", 2, 2)],
    ),
    Case(
        "window functions",
        f"SELECT TOP 5 ProductID, SUM(ListPrice) OVER (PARTITION BY Color) FROM {P} ORDER BY ProductID",
        same_as=f"SELECT TOP 5 p.ProductID, (SELECT SUM(q.ListPrice) FROM {P} q WHERE q.Color = p.Color OR (q.Color IS NULL AND p.Color IS NULL)) FROM {P} p ORDER BY p.ProductID",
    ),
    # -- conversions
    Case(
        "CONVERT styles",
        "SELECT CONVERT(varchar(10), CAST('2024-01-02' AS date), 120)",
        [("2024-01-02",)],
        ["varchar(10)"],
    ),
    Case(
        "CONVERT styles",
        "SELECT CONVERT(varchar, CAST('2024-02-09 13:05:07.123' AS datetime), 121)",
        [("2024-02-09 13:05:07.123",)],
        ["varchar(30)"],
    ),
    Case(
        "CONVERT styles",
        "SELECT CONVERT(char(8), CAST('2024-02-09' AS date), 112)",
        [("20240209",)],
    ),
    Case(
        "CONVERT styles",
        "SELECT CONVERT(varchar(11), CAST('2024-02-09' AS date), 106)",
        [("09 Feb 2024",)],
    ),
    Case(
        "CONVERT styles", "SELECT CONVERT(varchar(20), CAST(1234.5 AS money), 1)", [("1,234.50",)]
    ),
    Case(
        "CONVERT styles",
        "SELECT CONVERT(date, '09/02/2024', 103), CONVERT(date, '02/09/2024', 101)",
        [(dt.date(2024, 2, 9), dt.date(2024, 2, 9))],
    ),
    Case(
        "TRY_CONVERT/TRY_CAST",
        "SELECT TRY_CONVERT(int, 'x'), TRY_CONVERT(int, '12'), TRY_CONVERT(date, '2024-02-30')",
        [(None, 12, None)],
    ),
    Case("ISNUMERIC", "SELECT ISNUMERIC('1.5'), ISNUMERIC('$12'), ISNUMERIC('abc')", [(1, 1, 0)]),
    Case(
        "CAST",
        "SELECT CAST(1.5 AS varchar), CAST('12' AS int) + 1, CAST(2.675 AS decimal(5,2))",
        [("1.5", 13, D("2.68"))],
    ),
    # -- joins, subqueries, sets, CTEs on the sample
    Case(
        "joins",
        f"SELECT COUNT(*) FROM {OD} d JOIN {P} p ON p.ProductID = d.ProductID",
        same_as=f"SELECT COUNT(*) FROM {OD}",
    ),
    Case(
        "joins",
        f"SELECT COUNT(*) FROM {P} p LEFT JOIN {OD} d ON d.ProductID = p.ProductID WHERE d.ProductID IS NULL",
        same_as=f"SELECT COUNT(*) FROM {P} p WHERE NOT EXISTS (SELECT 1 FROM {OD} d WHERE d.ProductID = p.ProductID)",
    ),
    Case(
        "subqueries",
        f"SELECT COUNT(*) FROM {P} WHERE ProductID IN (SELECT ProductID FROM {OD})",
        same_as=f"SELECT COUNT(DISTINCT ProductID) FROM {OD}",
    ),
    Case(
        "subqueries",
        f"SELECT COUNT(*) FROM {P} WHERE ProductID IN (SELECT ProductID, OrderQty FROM {OD})",
        error="Only one expression can be specified in the select list when the subquery is not introduced with EXISTS.",
    ),
    Case(
        "CTE",
        f"WITH c AS (SELECT Color, COUNT(*) AS n FROM {P} GROUP BY Color) SELECT SUM(n) FROM c",
        same_as=f"SELECT COUNT(*) FROM {P}",
    ),
    Case(
        "CTE",
        "WITH r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT SUM(n) FROM r",
        [(15,)],
    ),
    Case(
        "set operators",
        "SELECT v FROM (VALUES (1), (2)) AS a(v) UNION SELECT v FROM (VALUES (2), (3)) AS b(v) ORDER BY v",
        [(1,), (2,), (3,)],
    ),
    Case(
        "set operators",
        "SELECT v FROM (VALUES (1), (2)) AS a(v) INTERSECT SELECT v FROM (VALUES (2), (3)) AS b(v)",
        [(2,)],
    ),
    Case(
        "set operators",
        "SELECT v FROM (VALUES (1), (2)) AS a(v) EXCEPT SELECT v FROM (VALUES (2), (3)) AS b(v)",
        [(1,)],
    ),
    Case(
        "set operators",
        f"SELECT Name FROM {P} UNION SELECT Name, Color FROM {P}",
        error="All queries combined using a UNION, INTERSECT or EXCEPT operator must have an equal number of expressions in their target lists.",
    ),
    Case(
        "OFFSET/FETCH",
        f"SELECT v FROM {V5} ORDER BY v OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY",
        [(2,), (3,)],
    ),
    Case(
        "VALUES column lists",
        "SELECT a + b FROM (VALUES (1, 2), (3, 4)) AS t(a, b) ORDER BY 1",
        [(3,), (7,)],
    ),
    Case(
        "VALUES column lists",
        "SELECT n, s FROM (VALUES (1, 'x'), (2, 'yz')) AS t(n, s) ORDER BY n",
        [(1, "x"), (2, "yz")],
        ["int", "varchar(2)"],
    ),
    Case(
        "derived table column lists",
        f"SELECT o.id, o.n FROM (SELECT TOP (2) ProductID, LEN(Name) FROM {P} ORDER BY ProductID) AS o(id, n)",
        same_as=f"SELECT TOP (2) ProductID, LEN(Name) FROM {P} ORDER BY ProductID",
        types=["int", "int"],
    ),
    Case(
        "derived table column lists",
        "SELECT * FROM (SELECT 1, 2) AS o(a)",
        error="'o' has more columns than were specified in the column list.",
    ),
    Case(
        "TOP WITH TIES",
        "SELECT TOP (1) WITH TIES a, b FROM (VALUES (1, 'x'), (1, 'y'), (2, 'z')) AS t(a, b) ORDER BY a",
        [(1, "x"), (1, "y")],
    ),
    Case(
        "TOP PERCENT",
        f"SELECT TOP (100) PERCENT v FROM {V5} ORDER BY v",
        [(1,), (2,), (3,), (4,), (10,)],
    ),
    Case(
        "ROLLUP",
        "SELECT a, b, SUM(c) AS s FROM (VALUES (1, 1, 10), (1, 2, 20), (2, 1, 5)) AS t(a, b, c) GROUP BY ROLLUP (a, b) ORDER BY GROUPING_ID(a, b), a, b",
        error="order by a column of the select list",
    ),
    Case(
        "ROLLUP",
        "SELECT a, b, SUM(c) AS s, GROUPING_ID(a, b) AS gid FROM (VALUES (1, 1, 10), (1, 2, 20), (2, 1, 5)) AS t(a, b, c) GROUP BY ROLLUP (a, b) ORDER BY gid, a, b",
        [
            (1, 1, 10, 0),
            (1, 2, 20, 0),
            (2, 1, 5, 0),
            (1, None, 30, 1),
            (2, None, 5, 1),
            (None, None, 35, 3),
        ],
    ),
    Case(
        "PIVOT",
        "SELECT * FROM (SELECT k, v FROM (VALUES ('x', 1), ('x', 2), ('y', 3)) AS t(k, v)) s PIVOT (AVG(v) FOR k IN ([x], [y])) p",
        [(1, 3)],
    ),
    Case(
        "STRING_SPLIT",
        f"SELECT COUNT(*) FROM {P} p CROSS APPLY STRING_SPLIT(p.Name, ' ') s",
        same_as=f"SELECT SUM(LEN(Name) - LEN(REPLACE(Name, ' ', '')) + 1) FROM {P}",
    ),
    Case(
        "EOMONTH",
        f"SELECT COUNT(*) FROM {H} WHERE DATEDIFF(day, OrderDate, EOMONTH(OrderDate)) BETWEEN 0 AND 30",
        same_as=f"SELECT COUNT(*) FROM {H}",
    ),
    Case(
        "DATEFROMPARTS",
        "SELECT DATEFROMPARTS(2024, 2, 30)",
        error="Cannot construct data type date",
    ),
    Case("CONCAT_WS", "SELECT CONCAT_WS(',', NULL, NULL)", [("",)]),
    Case("CHOOSE", "SELECT CHOOSE(1, 10, 20)", [(10,)]),
    Case(
        "IIF",
        f"SELECT SUM(IIF(Color = 'Red', 1, 0)) FROM {P}",
        same_as=f"SELECT COUNT(*) FROM {P} WHERE Color = 'Red'",
    ),
    Case("GREATEST/LEAST", "SELECT GREATEST(1.5, 2), LEAST('b', 'a')", [(D("2.0"), "a")]),
]
