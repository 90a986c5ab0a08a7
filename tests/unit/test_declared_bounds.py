"""A declared tool's parameter that no value can satisfy is refused when the config is
loaded, with the tool, parameter and the two bounds, instead of a tool that refuses
every call."""

from __future__ import annotations

from pathlib import Path

import pytest

from azsql_mcp.core.cli import main

TOOLS = """
[tools.top]
description = "x"
statement = "SELECT TOP (@n) CustomerID FROM SalesLT.Customer"
parameters.n = { type = "integer", minimum = 10, maximum = 5 }
[tools.named]
description = "x"
statement = "SELECT CustomerID FROM SalesLT.Customer WHERE LastName = @s"
parameters.s = { type = "string", min_length = 10, max_length = 5 }
[tools.choice]
description = "x"
statement = "SELECT TOP (@n) CustomerID FROM SalesLT.Customer"
parameters.n = { type = "integer", minimum = 10, enum = [5, 20] }
[tools.fraction]
description = "x"
statement = "SELECT TOP (@n) CustomerID FROM SalesLT.Customer"
parameters.n = { type = "integer", minimum = 0.5, maximum = 0.7 }
[tools.one_value]
description = "bounds that meet allow that value"
statement = "SELECT TOP (@n) CustomerID FROM SalesLT.Customer WHERE LastName = @s"
parameters.n = { type = "number", minimum = 1.5, maximum = 1.5 }
parameters.s = { type = "string", min_length = 3, max_length = 3 }
"""


pytestmark = pytest.mark.usefixtures("clean_env")


def test_bounds_no_value_meets_are_refused_at_load(
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
    assert problems == [
        "  - tools.top.parameters.n: minimum 10 is above maximum 5: no value is allowed",
        "  - tools.named.parameters.s: min_length 10 is above max_length 5: no value is allowed",
        "  - tools.choice.parameters.n: enum value 5 is below minimum 10",
        "  - tools.fraction.parameters.n: no integer lies between minimum 0.5 and maximum 0.7",
    ]
