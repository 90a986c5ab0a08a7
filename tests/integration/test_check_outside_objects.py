"""`azsql-mcp check`'s step on the objects that reach outside the database, as both
logins through both drivers. The sample database has no synonym and no module that
names another database (test_synonyms.py makes some), and the test server has no
sys.external_tables: it answers 208, as a SQL Server before 2016 does, which means none;
what a list says is in tests/unit/test_outside_objects.py."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS, READER
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]


@pytest.fixture(autouse=True)
def no_faults(tds_server: ThreadedTdsServer) -> Iterator[None]:
    tds_server.clear_faults()
    yield
    tds_server.clear_faults()


async def check(config: dict[str, Any]) -> tuple[int, str]:
    out = io.StringIO()
    code = await run_check(settings_from_mapping(copy.deepcopy(config)), None, out)
    return code, out.getvalue()


async def test_none_found_says_whether_the_list_is_whole(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    code, text = await check(azsql_config)
    assert code == 0, text
    assert "ok    reach outside: no synonym, view, function or external table" in text
    partial = "of those this login can see" in text
    assert partial == (azsql_principal == READER)  # a reader holds no VIEW DEFINITION


async def test_a_refused_list_is_a_note_not_a_failure(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer
) -> None:
    with tds_server.faulted("error:229@query~sys.synonyms"):
        code, text = await check(azsql_config)
    assert code == 0, text
    assert "warn  reach outside: could not list the synonyms for an object of another" in text
    assert "all checks passed" in text
