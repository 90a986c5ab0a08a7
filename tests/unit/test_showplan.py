"""Summaries of ShowPlanXML: operators, costs, warnings, missing indexes."""

from pathlib import Path

import pytest

from azsql_mcp.catalog import CatalogError, render_plan, summarize_plan

HEADER_PK = "PK_SalesOrderHeader_SalesOrderID"
PLAN = (Path(__file__).parent / "data" / "showplan_join.xml").read_text()


def test_operators_in_tree_order_with_costs_and_objects():
    plan = summarize_plan(PLAN)
    assert plan.estimated_cost == 0.5
    assert plan.estimated_rows == 120
    assert plan.statement is not None and plan.statement.startswith("SELECT c.LastName")
    ops = [(o.node_id, o.depth, o.physical_op, o.object, o.own_cost_pct) for o in plan.operators]
    assert ops == [
        (0, 0, "Hash Match", None, 20.0),
        (
            1,
            1,
            "Clustered Index Scan",
            "SalesLT.SalesOrderHeader.PK_SalesOrderHeader_SalesOrderID",
            30.0,
        ),
        (2, 1, "Clustered Index Scan", "SalesLT.Customer.PK_Customer_CustomerID", 50.0),
    ]
    assert plan.operators[0].logical_op == "Inner Join"
    assert plan.operators[2].estimated_rows == 847


def test_warnings_of_plan_and_operators():
    plan = summarize_plan(PLAN)
    assert plan.warnings == [
        "PlanAffectingConvert: ConvertIssue=Seek Plan, Expression=CONVERT_IMPLICIT(money,[@p],0)"
    ]
    assert plan.operators[0].warnings == ["SpillToTempDb: SpillLevel=1"]
    assert plan.operators[2].warnings == ["ColumnsWithNoStatistics: Customer.LastName"]


def test_missing_index_suggestion():
    (index,) = summarize_plan(PLAN).missing_indexes
    assert index.impact_pct == 81.25
    assert index.table == "SalesLT.SalesOrderHeader"
    assert (index.equality, index.inequality, index.include) == ([], ["TotalDue"], ["CustomerID"])
    assert index.create_statement == (
        "CREATE NONCLUSTERED INDEX [IX_SalesOrderHeader_TotalDue] ON [SalesLT].[SalesOrderHeader]"
        " ([TotalDue]) INCLUDE ([CustomerID])"
    )


def test_render_plan_is_compact():
    text = render_plan(summarize_plan(PLAN))
    assert "[2] Clustered Index Scan on SalesLT.Customer.PK_Customer_CustomerID" in text
    assert "Missing index (impact 81.25%)" in text
    assert len(text) < 1000


@pytest.mark.parametrize("bad", ["not xml", "<ShowPlanXML/>"])
def test_bad_plans_are_clear_errors(bad):
    with pytest.raises(CatalogError):
        summarize_plan(bad)
