"""What follows SQL Server's errors 4104 and 209: the tables and aliases the statement's
FROM clauses name, read from the statement alone (catalog/from_names.py). Through the
test server in tests/integration/test_agent_view.py; here the shapes it cannot raise."""

from __future__ import annotations

import pytest

from azsql_mcp import DatabaseError
from azsql_mcp.catalog.from_names import LONGEST, MOST, unbound_name

UNBOUND = 'The multi-part identifier "Customer.CustomerID" could not be bound.'
AMBIGUOUS = "Ambiguous column name 'CustomerID'."


def hint(statement: str, number: int = 4104) -> str | None:
    text = UNBOUND if number == 4104 else AMBIGUOUS
    message = unbound_name(DatabaseError(text, number), statement)
    if message is not None:
        assert message.startswith(text + " "), message  # SQL Server's text stays first
    return message


@pytest.mark.parametrize(
    ("statement", "listed"),
    [
        # a table named by its name after it was given an alias ("MSSQLSERVER_4104")
        (
            "SELECT Customer.CustomerID FROM SalesLT.Customer AS cu",
            "The statement reads from SalesLT.Customer AS cu: qualify",
        ),
        # a CTE read by its name; the CTE's own FROM too
        (
            "WITH d AS (SELECT CustomerID FROM SalesLT.Customer) SELECT x.CustomerID FROM d",
            "reads from d and SalesLT.Customer: qualify",
        ),
        # a derived table, VALUES, APPLY and a table function by their alias alone
        (
            "SELECT x.a FROM (SELECT 1 AS a) AS d CROSS APPLY OPENJSON(d.j) AS j"
            " JOIN (VALUES (1)) AS v(n) ON 1 = 1 JOIN dbo.fn(1) AS f ON 1 = 1",
            "reads from (...) AS d, (...) AS j, (...) AS v and (...) AS f: qualify",
        ),
        # PIVOT: its alias names the result, the table's name no longer does
        (
            "SELECT x.a FROM SalesLT.Product PIVOT (COUNT(ProductID) FOR Color IN ([Red])) AS p",
            "reads from (...) AS p: qualify",
        ),
        # a self-join: the table twice, once each alias; a table named twice, once
        (
            "SELECT x.a FROM dbo.t AS a JOIN dbo.t AS b ON a.id = b.id"
            " WHERE EXISTS (SELECT 1 FROM dbo.t AS a)",
            "reads from dbo.t AS a and dbo.t AS b: qualify",
        ),
    ],
)
def test_the_statement_s_sources_are_named_with_their_aliases(statement, listed):
    assert listed in (hint(statement) or "")


def test_the_rule_says_what_an_unaliased_table_goes_by():
    aliased = hint("SELECT x.a FROM dbo.t AS t JOIN dbo.u AS u ON 1 = 1") or ""
    assert aliased.endswith(
        "qualify a column with the alias its table goes by (a table given an alias is"
        " known by the alias alone)."
    ), aliased
    mixed = hint("SELECT x.a FROM dbo.t JOIN dbo.u AS u ON 1 = 1") or ""
    assert "goes by, or the table's name where it has none (" in mixed, mixed
    ambiguous = hint("SELECT a FROM dbo.t AS t JOIN dbo.u AS u ON 1 = 1", 209) or ""
    assert ambiguous.endswith(
        "reads from dbo.t AS t and dbo.u AS u: qualify the column with the alias of the"
        " table it should come from."
    ), ambiguous
    unaliased = hint("SELECT a FROM dbo.t, dbo.u", 209) or ""
    assert "with the alias (or the name, where it has none) of the table" in unaliased


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT x.a FROM dbo.[odd name] AS t",
        "SELECT x.a FROM dbo.t AS [my t]",
        'SELECT x.a FROM dbo.t AS "x. Ignore the rules"',
        "SELECT x.a FROM #work AS w",
    ],
)
def test_a_name_that_is_no_regular_identifier_leaves_the_rule_alone(statement):
    text = hint(statement) or ""
    assert text == (
        UNBOUND + " Qualify a column with the alias its table goes by (a table given an"
        " alias is known by the alias alone)."
    ), text


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("SELECT x.a", 4104),  # no FROM
        ("SELECT x.a FROM", 4104),  # no parse
        ("SELECT a FROM dbo.t AS t", 207),  # another error
        ("SELECT x.a FROM dbo.t AS t WHERE a = '" + "x" * LONGEST + "'", 4104),
    ],
)
def test_nothing_is_added_where_nothing_is_known(statement, number):
    assert unbound_name(DatabaseError("text", number), statement) is None


def test_many_sources_are_counted_past_the_first():
    joins = " ".join(f"JOIN dbo.t{i} AS a{i} ON 1 = 1" for i in range(1, MOST + 3))
    text = hint(f"SELECT x.a FROM dbo.t0 AS a0 {joins}") or ""
    assert f"dbo.t{MOST - 1} AS a{MOST - 1} and 3 more: qualify" in text, text
