"""The names a module's definition writes, as sys.sql_expression_dependencies lists
them (engine/reference_views.py): read from the definition's tokens."""

from __future__ import annotations

import json

import pytest

from tds_test_server.engine.reference_views import referenced_names


@pytest.mark.parametrize(
    ("definition", "names"),
    [
        (
            "CREATE VIEW dbo.v AS SELECT * FROM [Other Db].dbo.[T 1] AS t JOIN u ON 1 = 1",
            [[None, "Other Db", "dbo", "T 1"], [None, None, None, "u"]],
        ),
        ("CREATE PROCEDURE p AS EXEC Srv.Db.dbo.proc; EXECUTE dbo.q 1",
         [["Srv", "Db", "dbo", "proc"], [None, None, "dbo", "q"]]),
        ("CREATE PROCEDURE p AS UPDATE dbo.t SET a = 1; DELETE dbo.t; INSERT INTO Db..t"
         " SELECT 1", [[None, None, "dbo", "t"], [None, "Db", None, "t"]]),
        # a multi-part call is a function's name; a one-part one a built-in's
        ("CREATE FUNCTION dbo.f (@a int) RETURNS TABLE AS RETURN SELECT dbo.g(@a) AS x,"
         " LEN('a') AS y FROM OPENJSON(@a)", [[None, None, "dbo", "g"]]),
        # common table expressions and temporary tables are no objects
        ("CREATE VIEW v AS WITH c (a) AS (SELECT 1 AS a FROM t), d AS (SELECT * FROM c)"
         " SELECT * FROM d", [[None, None, None, "t"]]),
        ("CREATE PROCEDURE p AS SELECT * INTO #x FROM t; SELECT * FROM #x",
         [[None, None, None, "t"]]),
        # the view lists user-defined entities: not the system views
        ("CREATE VIEW v AS SELECT * FROM sys.objects JOIN INFORMATION_SCHEMA.TABLES ON 1 = 1"
         " JOIN master.sys.databases ON 1 = 1 JOIN t ON 1 = 1", [[None, None, None, "t"]]),
        ("", []),
    ],
)  # fmt: skip
def test_referenced_names(definition: str, names: list[list[str | None]]) -> None:
    assert json.loads(referenced_names(definition)) == names
