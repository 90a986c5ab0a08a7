"""Tests of tools, resources and prompts run as both logins of the test server.

The privileged login and `azsql_reader`, the db_datareader user that docs/security.md
recommends. A test that expects a difference takes `azsql_principal` and asserts it: a
clear permission message is the right answer for the reader, a crash, a silent "none"
or a wrong answer is not.
"""

from __future__ import annotations

import pytest

from azsql_mcp.testing.pytest_plugin import PRINCIPALS

# The modules whose tests run once per principal.
_PER_PRINCIPAL = ("test_tools_", "test_resources", "test_prompts")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "azsql_principal" in metafunc.fixturenames and module.startswith(_PER_PRINCIPAL):
        metafunc.parametrize("azsql_principal", PRINCIPALS, indirect=True)
