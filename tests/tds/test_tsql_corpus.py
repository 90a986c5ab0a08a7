"""The differential corpus (tsql_corpus.py, tsql_corpus_json.py) through both ODBC drivers
against the sample: values and result column types, equivalent formulations agreeing,
refusals that say what to do; and docs/test-server-tsql.md naming every feature the
corpus covers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyodbc
import pytest
from tsql_corpus import CASES as SAMPLE_CASES
from tsql_corpus import Case
from tsql_corpus_json import JSON_CASES

from tds_test_server import ThreadedTdsServer

DOCS = Path(__file__).resolve().parents[2] / "docs" / "test-server-tsql.md"

_PYTHON_TYPES: dict[str, type] = {
    "int": int,
    "bigint": int,
    "smallint": int,
    "tinyint": int,
    "bit": bool,
    "money": Decimal,
    "decimal": Decimal,
    "numeric": Decimal,
    "float": float,
    "real": float,
    "varchar": str,
    "nvarchar": str,
    "char": str,
    "nchar": str,
}


@pytest.fixture(scope="module", params=["msodbc", "freetds"])
def cursor(
    request: pytest.FixtureRequest, wire_sample_server: ThreadedTdsServer
) -> Iterator[pyodbc.Cursor]:
    from tds_test_server import find_msodbc_driver

    if request.param == "msodbc" and find_msodbc_driver() is None:
        pytest.skip("Microsoft ODBC Driver 18 is not installed")
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=request.param),
        autocommit=True,
        timeout=10,
    )
    with closing(cnxn), closing(cnxn.cursor()) as cur:
        yield cur


def _rows(cur: pyodbc.Cursor, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def _check_type(description: tuple[Any, ...], expected: str) -> None:
    name, _, params = expected.partition("(")
    assert description[1] is _PYTHON_TYPES.get(name, description[1]), (description, expected)
    if name == "money":
        assert description[4:6] == (19, 4)
    elif name in ("decimal", "numeric") and params:
        precision, scale = (int(x) for x in params.rstrip(")").split(","))
        assert description[4:6] == (precision, scale)
    elif name in ("varchar", "nvarchar", "char", "nchar") and params:
        size = params.rstrip(")")
        assert description[3] == (0 if size == "max" else int(size)), (description, expected)


CASES = SAMPLE_CASES + JSON_CASES


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c.kind}" for i, c in enumerate(CASES)])
def test_corpus(cursor: pyodbc.Cursor, case: Case) -> None:
    if case.error is not None:
        with pytest.raises(pyodbc.Error) as info:
            _rows(cursor, case.sql)
        assert case.error in str(info.value)
        assert _rows(cursor, "SELECT 1") == [(1,)]  # the session survives
        return
    got = _rows(cursor, case.sql)
    if case.types:
        assert len(case.types) == len(cursor.description)
        for description, expected in zip(cursor.description, case.types, strict=True):
            _check_type(description, expected)
    if case.same_as is not None:
        assert got == _rows(cursor, case.same_as)
        assert got, "an equivalence over no rows proves nothing"
    else:
        assert got == case.rows


def _documented_kinds(section: str) -> set[str]:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"<!-- corpus:{section} -->")
    end = text.index(f"<!-- /corpus:{section} -->")
    return {m.strip() for m in re.findall(r"^\| ([^|]+?) \|", text[start:end], re.M)} - {
        "Feature",
        "---",
    }


def test_docs_list_what_the_corpus_covers() -> None:
    supported = _documented_kinds("supported")
    refused = _documented_kinds("refused")
    covered = {c.kind for c in CASES if c.error is None}
    refused_in_corpus = {c.kind for c in CASES if c.error is not None}
    assert covered - supported == set(), "supported in the corpus, not listed in the docs"
    assert supported - covered == set(), "listed as supported in the docs, no corpus case"
    assert refused_in_corpus <= refused | supported
    assert refused - refused_in_corpus == set(), "listed as refused, no corpus case showing it"
