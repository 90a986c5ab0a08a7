"""Docs keep up with the code: every hook, every setting (with the default the model has),
every audit error kind and every system object the guard refuses is documented, every
link between the pages hits a heading, and every TOML sample parses."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from azsql_mcp.core import hookspecs
from azsql_mcp.core.config import SEED_SERVER_ENV, SEED_SOURCE_ENV, Settings

DOCS = Path(__file__).parents[2] / "docs"


def hook_names() -> list[str]:
    return [
        name
        for name, value in vars(hookspecs).items()
        if callable(value) and hasattr(value, f"{hookspecs.PROJECT}_spec")
    ]


def sections(path: Path, level: str) -> dict[str, str]:
    """Heading text -> the text under it, for headings of the given level (`##`, `###`)."""
    parts = re.split(rf"^{level} (.+)$", path.read_text(), flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def test_there_are_hooks() -> None:
    assert len(hook_names()) == 8


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_section_in_plugins_md(hook: str) -> None:
    headings = sections(DOCS / "plugins.md", "###")
    assert any(h.startswith(f"`{hook}(") for h in headings), f"docs/plugins.md lacks ### `{hook}(`"


def keys_of(model: Any) -> list[str]:
    return [name for name in model.model_fields if name != "sections"]


def model_of(annotation: Any) -> type[BaseModel]:
    from azsql_mcp.core.configerrors import _model_of

    found: type[BaseModel] = _model_of(annotation)
    return found


def documented_tables() -> list[tuple[str, type[BaseModel]]]:
    fields = Settings.model_fields
    tables: list[tuple[str, type[BaseModel]]] = [
        ("[sources.NAME]", model_of(fields["sources"].annotation))
    ]
    for name in ("security", "limits", "server", "plugins", "audit", "logging"):
        tables.append((f"[{name}]", model_of(fields[name].annotation)))
    server = model_of(fields["server"].annotation).model_fields
    auth = model_of(server["auth"].annotation)
    tables += [
        ("[server.auth]", auth),
        ("[[server.auth.static_tokens]]", model_of(auth.model_fields["static_tokens"].annotation)),
        ("[server.limits]", model_of(server["limits"].annotation)),
    ]
    return tables


@pytest.mark.parametrize(("table", "model"), documented_tables())
def test_every_setting_is_in_configuration_md(table: str, model: type[BaseModel]) -> None:
    docs = sections(DOCS / "configuration.md", "##")
    body = docs.get(f"`{table}`")
    assert body is not None, f"docs/configuration.md lacks a section ## `{table}`"
    missing = [key for key in keys_of(model) if f"| `{key}` |" not in body]
    assert not missing, f"docs/configuration.md, {table}: undocumented {missing}"


def test_top_level_settings_and_seed_names_are_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    top = [
        name for name, field in Settings.model_fields.items() if model_of(field.annotation) is None
    ]
    # (none today: every setting sits in a table)
    assert all(f"| `{name}` |" in text for name in top)
    for variable in [*SEED_SOURCE_ENV, *SEED_SERVER_ENV, "AZSQL_MCP_PLUGINS__ENABLED"]:
        assert f"`{variable}`" in text, variable
    assert "| `disabled_tools` |" in sections(DOCS / "configuration.md", "##")["`[plugins.NAME]`"]


def public_names() -> list[tuple[str, str]]:
    import azsql_mcp
    from azsql_mcp import catalog, values

    return [
        (module.__name__, name)
        for module in (azsql_mcp, values, catalog)
        for name in module.__all__
    ]


@pytest.mark.parametrize(("module", "name"), public_names())
def test_every_public_name_is_documented_in_plugins_md(module: str, name: str) -> None:
    """As datasette does: an export docs/plugins.md does not mention fails here."""
    text = (DOCS / "plugins.md").read_text()
    if module == "azsql_mcp":
        text = sections(DOCS / "plugins.md", "##")["The public API"]
    assert re.search(rf"`(\w+\.)?{re.escape(name)}\b", text), f"docs/plugins.md: {module}.{name}"


def test_every_server_handle_member_is_documented() -> None:
    from azsql_mcp import ServerHandle

    text = sections(DOCS / "plugins.md", "###")["`startup(app)`"]
    members = [n for n in vars(ServerHandle) if not n.startswith("_")]
    missing = [m for m in members if f"app.{m}" not in text]
    assert len(members) == 6
    assert not missing, f"docs/plugins.md, startup(app): undocumented {missing}"


def stated_defaults() -> list[tuple[str, str, str, type[BaseModel]]]:
    """(table, key, default as the doc writes it, model) for each default in backticks
    that is a TOML value (`30`, `"auto"`, `[]`); words such as none or `[security]` are
    prose, and rows of other tables in a section (its metadata fields) are no keys."""
    docs = sections(DOCS / "configuration.md", "##")
    found = []
    for table, model in documented_tables():
        for key, stated in re.findall(r"^\| `(\w+)` \| `([^`|]+)` \|", docs[f"`{table}`"], re.M):
            if key not in model.model_fields:
                continue
            try:
                tomllib.loads(f"v = {stated}")
            except tomllib.TOMLDecodeError:
                continue
            found.append((table, key, stated, model))
    return found


def test_defaults_are_stated() -> None:
    assert len(stated_defaults()) > 60


@pytest.mark.parametrize(
    ("table", "key", "stated", "model"),
    [pytest.param(*row, id=f"{row[0]} {row[1]}") for row in stated_defaults()],
)
def test_a_stated_default_is_the_models(
    table: str, key: str, stated: str, model: type[BaseModel]
) -> None:
    field = model.model_fields[key]
    default = field.get_default(call_default_factory=True, validated_data={})
    assert tomllib.loads(f"v = {stated}")["v"] == default, (
        f"docs/configuration.md, {table} {key}: the table says {stated}, the model {default!r}"
    )


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose, re.M):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def links() -> list[tuple[str, str]]:
    pages = [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]
    return [
        (f"{page.relative_to(DOCS.parent)}", target)
        for page in pages
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text())
        if not target.startswith(("http://", "https://", "mailto:"))
    ]


def test_there_are_links() -> None:
    assert len(links()) > 50


@pytest.mark.parametrize(("page", "target"), links())
def test_a_link_between_pages_hits_a_file_and_heading(page: str, target: str) -> None:
    source = DOCS.parent / page
    path, _, anchor = target.partition("#")
    linked = (source.parent / path).resolve() if path else source
    assert linked.exists(), f"{page}: {target} names no file"
    if anchor and linked.suffix == ".md":
        assert anchor in anchors(linked.read_text()), f"{page}: {target} names no heading"


def test_every_error_kind_is_in_the_audit_table() -> None:
    from typing import get_args

    from azsql_mcp.serving.auditlog import ErrorKind

    body = sections(DOCS / "configuration.md", "##")["`[audit]`"]
    table = body[body.index("| `error_kind` |") :]
    kinds = re.findall(r"^\| `(\w+)` \|", table, re.M)[1:]  # below the header
    assert sorted(kinds) == sorted(get_args(ErrorKind))


def test_the_refused_system_objects_of_statement_guard_md_are_the_guards() -> None:
    from azsql_mcp.db.sql_objects import DENIED_OBJECTS

    text = (DOCS / "statement-guard.md").read_text()
    table = text[text.index("| object | why it is refused |") :]
    table = table[: table.index("\n\n")]
    named = {
        name.lower()
        for cell in re.findall(r"^\| (.+?) \|", table, re.M)
        for name in re.findall(r"`(?:sys\.)?(\w+)`", cell)
    }
    assert named == {name.lower() for name in DENIED_OBJECTS}


def toml_samples() -> list[tuple[str, str]]:
    """(page:line, sample) for each ```toml block of README and the docs."""
    found = []
    for page in [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = page.read_text()
        for m in re.finditer(r"^```toml\n(.*?)^```", text, re.M | re.S):
            line = text.count("\n", 0, m.start()) + 1
            found.append((f"{page.relative_to(DOCS.parent)}:{line}", m[1]))
    return found


@pytest.mark.parametrize(("where", "sample"), toml_samples())
def test_a_toml_sample_parses(where: str, sample: str) -> None:
    """Samples may be fragments of a file (a source's keys without its table), so they
    are parsed, not validated: `azsql-mcp config --config` judges whole files."""
    tomllib.loads(sample)
