"""The pages messages name are paths this machine has: a checkout's docs/ here (the
installed wheel's share/doc/azsql-mcp is tests/e2e/test_packaging.py's)."""

from pathlib import Path

from azsql_mcp.core.docpaths import doc

ROOT = Path(__file__).resolve().parents[2]


def test_a_page_is_the_checkouts_file() -> None:
    assert doc("configuration.md") == str(ROOT / "docs" / "configuration.md")


def test_a_page_no_installation_holds_is_named_as_in_the_source() -> None:
    assert doc("no-such-page.md") == "docs/no-such-page.md"
