"""A declared statement's string parameter declared with `sql_type` (the column's
character type): checked when the config is loaded, each problem naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from azsql_mcp import string_sql_type
from azsql_mcp.core.cli import main

WHERE = "SELECT CustomerID FROM SalesLT.Customer WHERE LastName = @s"
TOOLS = f"""
[tools.fine]
description = "sql_type alone declares a string, bounded by the type"
statement = "{WHERE}"
parameters.s = {{ sql_type = "varchar(50)" }}
[tools.max]
description = "x"
statement = "{WHERE}"
parameters.s = {{ sql_type = "varchar(max)" }}
[tools.number]
description = "x"
statement = "{WHERE}"
parameters.s = {{ type = "integer", sql_type = "varchar(5)" }}
[tools.longer]
description = "x"
statement = "{WHERE}"
parameters.s = {{ type = "string", sql_type = "varchar(5)", max_length = 50 }}
[tools.default]
description = "x"
statement = "{WHERE}"
parameters.s = {{ sql_type = "nchar(3)", default = "abcd" }}
[tools.proc]
description = "x"
procedure = "dbo.uspLookup"
parameters.s = {{ sql_type = "varchar(5)" }}
"""

pytestmark = pytest.mark.usefixtures("clean_env")


def test_sql_type_problems_are_reported_at_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "tools.toml"
    config.write_text(TOOLS)
    assert main(["config", "--demo", "--config", str(config)]) == 2
    problems = [
        line.split(" (got ")[0]
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("  - ")
    ]
    assert len(problems) == 5, problems
    assert problems[0].startswith(
        "  - tools.max.parameters.s: 'varchar(max)' is not a SQL type a string parameter"
    )
    assert problems[1].startswith(
        "  - tools.number.parameters.s: sql_type applies to string parameters only"
    )
    assert problems[2] == (
        "  - tools.longer.parameters.s: max_length 50 allows values that do not fit: @s is"
        " declared sql_type = 'varchar(5)'; set max_length = 5 or less"
    )
    assert problems[3].startswith("  - tools.default.parameters.s: default 'abcd' is longer")
    assert problems[4].startswith(
        "  - tools.proc.parameters.s.sql_type: a procedure's parameter has the type"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("varchar(50)", ("varchar", 50)),
        (" NVarChar ( 4000 ) ", ("nvarchar", 4000)),
        ("char(8000)", ("char", 8000)),
        ("nchar(1)", ("nchar", 1)),
    ],
)
def test_string_sql_types(text: str, expected: tuple[str, int]) -> None:
    assert string_sql_type(text) == expected


@pytest.mark.parametrize(
    "text", ["nvarchar(4001)", "varchar(0)", "varchar(max)", "int", "varchar", "text(10)"]
)
def test_other_types_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="char\\(n\\) or varchar\\(n\\)"):
        string_sql_type(text)
