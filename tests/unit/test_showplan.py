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


NS = 'xmlns="http://schemas.microsoft.com/sqlserver/2004/07/showplan"'
SCAN = '<IndexScan><Object Database="[db]" Schema="[dbo]" Table="[t]" Index="[pk]"/></IndexScan>'


def relop(node: int, cost: float, op: str, inner: str = "") -> str:
    return (
        f'<RelOp NodeId="{node}" PhysicalOp="{op}" LogicalOp="{op}" EstimateRows="1"'
        f' EstimatedTotalSubtreeCost="{cost}"><OutputList/>{inner}</RelOp>'
    )


# A statement calling a scalar function, whose own statement's plan showplanxml.xsd puts
# inside the caller (StmtSimple/UDF/Statements/StmtSimple), and a missing index on a
# column named a]b (bracketed by SQL Server as [a]]b]).
UDF_PLAN = f"""<ShowPlanXML {NS} Version="1.6"><BatchSequence><Batch><Statements>
<StmtSimple StatementText="SELECT dbo.f(x) FROM t" StatementSubTreeCost="1.0"
 StatementEstRows="10"><QueryPlan>
  <MissingIndexes><MissingIndexGroup Impact="90">
   <MissingIndex Database="[db]" Schema="[dbo]" Table="[t]">
    <ColumnGroup Usage="EQUALITY"><Column Name="[a]]b]" ColumnId="2"/></ColumnGroup>
   </MissingIndex></MissingIndexGroup></MissingIndexes>
  {relop(0, 1.0, "Compute Scalar", relop(1, 1.0, "Clustered Index Scan", SCAN))}
 </QueryPlan>
 <UDF ProcName="[db].[dbo].[f]"><Statements>
  <StmtSimple StatementText="RETURN (SELECT ...)" StatementSubTreeCost="3.0"
   StatementEstRows="1"><QueryPlan>{relop(0, 3.0, "Table Scan", SCAN)}</QueryPlan></StmtSimple>
 </Statements></UDF>
</StmtSimple></Statements></Batch></BatchSequence></ShowPlanXML>"""


def test_a_called_functions_statements_are_not_counted_again():
    plan = summarize_plan(UDF_PLAN)
    assert plan.estimated_cost == 1.0
    assert [(o.node_id, o.physical_op) for o in plan.operators] == [
        (0, "Compute Scalar"),
        (1, "Clustered Index Scan"),
    ]


def test_a_suggested_index_name_is_quoted_as_t_sql_needs():
    (index,) = summarize_plan(UDF_PLAN).missing_indexes
    assert index.create_statement == "CREATE NONCLUSTERED INDEX [IX_t_a]]b] ON [dbo].[t] ([a]]b])"
