"""azsql_mcp.advice: a piece of advice is its text for a caller that may call its tool,
its `otherwise` for any other; no marker ever reaches a client."""

from __future__ import annotations

from azsql_mcp import advice, plain_advice, render_advice


async def test_each_piece_follows_its_own_tool() -> None:
    text = (
        "Not found."
        + advice("list_tables", " list_tables lists them.", " Name it as schema.table.")
        + advice("describe_table", " describe_table shows columns.")
    )
    asked: list[str] = []

    async def may_call(tool: str) -> bool:
        asked.append(tool)
        return tool == "describe_table"

    said = await render_advice(text + text, may_call)
    assert said == ("Not found. Name it as schema.table. describe_table shows columns.") * 2
    assert sorted(asked) == ["describe_table", "list_tables"]  # each tool asked once
    assert plain_advice(text, lambda tool: True) == (
        "Not found. list_tables lists them. describe_table shows columns."
    )


async def test_text_without_advice_is_not_looked_at() -> None:
    async def may_call(tool: str) -> bool:
        raise AssertionError("not asked")

    assert await render_advice("plain text", may_call) == "plain text"


def test_a_marker_that_breaks_a_frame_is_dropped() -> None:
    # a text holding a marker inside a piece of advice (a plugin's own: the database's
    # texts have theirs escaped)
    broken = advice("describe_table", " describe_table with 'a\ufdd1b'.", " other")
    said = plain_advice("x" + broken, lambda tool: True)
    assert not any("\ufdd0" <= ch <= "\ufdd3" for ch in said)
    assert said.startswith("x")


def test_a_name_holding_a_marker_is_escaped() -> None:
    # names.py escapes every character of category C (noncharacters are Cn)
    from azsql_mcp.catalog import escaped_text

    assert escaped_text("a\ufdd0b\ufdd3") == "a\\ufdd0b\\ufdd3"
