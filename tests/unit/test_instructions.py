"""The built-in instructions' line on dates, for sources whose session language is not
us_english ("datetime (Transact-SQL)": a dmy language reads '2024-02-01' as 2 January)."""

from __future__ import annotations

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.serving.instructions import server_instructions

TOOLS = ("list_tables", "describe_table", "read_data")


def _instructions(languages: dict[str, str], *, sources: bool = True) -> str:
    settings = settings_from_mapping(
        {"sources": {name: {"server": "h", "language": lang} for name, lang in languages.items()}}
    )
    return server_instructions(settings, TOOLS, sources=sources) or ""


def test_only_sources_of_another_language_are_named() -> None:
    text = _instructions({"sales": "us_english", "uk": "British", "de": "Deutsch"})
    assert "write 'yyyymmdd' or 'yyyy-mm-ddThh:mm:ss', as uk, de may read" in text
    assert "yyyymmdd" not in _instructions({"sales": "us_english", "other": "English"})


def test_a_caller_not_told_of_the_sources_is_not_told_their_languages() -> None:
    assert "yyyymmdd" not in _instructions({"uk": "British"}, sources=False)
