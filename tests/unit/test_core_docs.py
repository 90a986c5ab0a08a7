"""Docs keep up with the code: every hook (with its arguments), every setting (with the
default the model has) and declared-tool key, every audit error kind, every system object
the guard refuses and every module is documented; every link between the pages hits a
heading, every page (and heading or table) the code cites exists, every command, flag and
make target the docs give exists, every TOML sample parses, and every JSON sample parses
and starts azsql-mcp with a command and flags it has."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from azsql_mcp.core import hookspecs
from azsql_mcp.core.configsources import SEED_SERVER_ENV, SEED_SOURCE_ENV
from azsql_mcp.core.settings import Settings

DOCS = Path(__file__).parents[2] / "docs"
# The configuration reference: how it is read and most tables, then the pages of the
# tables that outgrew it.
CONFIG_PAGES = ("configuration.md", "server-configuration.md", "declared-tools.md")


def config_text() -> str:
    return "".join((DOCS / page).read_text() for page in CONFIG_PAGES)


def config_sections() -> dict[str, str]:
    """`##` sections of every configuration page, by heading."""
    found: dict[str, str] = {}
    for page in CONFIG_PAGES:
        found |= sections(DOCS / page, "##")
    return found


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
    arguments = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    heading = f"`{hook}({arguments})`"
    assert heading in sections(DOCS / "plugins.md", "###"), f"docs/plugins.md lacks ### {heading}"


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
def test_every_setting_is_in_the_configuration_pages(table: str, model: type[BaseModel]) -> None:
    docs = config_sections()
    body = docs.get(f"`{table}`")
    assert body is not None, f"no configuration page ({CONFIG_PAGES}) has a section ## `{table}`"
    missing = [key for key in keys_of(model) if f"| `{key}` |" not in body]
    assert not missing, f"docs, {table}: undocumented {missing}"


def test_top_level_settings_and_seed_names_are_documented() -> None:
    text = config_text()
    top = [
        name for name, field in Settings.model_fields.items() if model_of(field.annotation) is None
    ]
    # (none today: every setting sits in a table)
    assert all(f"| `{name}` |" in text for name in top)
    for variable in [*SEED_SOURCE_ENV, *SEED_SERVER_ENV, "AZSQL_MCP_PLUGINS__ENABLED"]:
        assert f"`{variable}`" in text, variable
    assert "| `disabled_tools` |" in config_sections()["`[plugins.NAME]`"]


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


def test_every_tool_context_member_is_documented() -> None:
    from azsql_mcp import ToolContext

    text = sections(DOCS / "plugins.md", "###")["The context: `ctx: ToolContext`"]
    members = [n for n in ToolContext.__annotations__ if not n.startswith("_")]
    missing = [m for m in members if f"`ctx.{m}" not in text]
    assert len(members) >= 6
    assert not missing, f"docs/plugins.md, the context: undocumented {missing}"


def stated_defaults() -> list[tuple[str, str, str, type[BaseModel]]]:
    """(table, key, default as the doc writes it, model) for each default in backticks
    that is a TOML value (`30`, `"auto"`, `[]`); words such as none or `[security]` are
    prose, and rows of other tables in a section (its metadata fields) are no keys."""
    docs = config_sections()
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
        f"docs, {table} {key}: the table says {stated}, the model {default!r}"
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

    body = config_sections()["`[audit]`"]
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


CITED = re.compile(
    r"""(?:docs/|\bdoc\(['"])([\w-]+\.md)(?:['"]\)\}?)?(?:</code>)?"""
    r"""(?:,? \(?(?:"([^"]+)"|(?:<code>)?(\[[\w.]+\])))?"""
)


def cited_pages() -> list[tuple[str, str, str]]:
    """(where, page, heading or "") for each docs page that the code, the Makefile and
    the example plugin name (`docs/x.md`, `doc("x.md")`), with the heading a message
    quotes after it (`docs/x.md, "Heading"`) or the table it names (`, [server.auth]`)."""
    root = DOCS.parent
    files = [*sorted((root / "src").rglob("*.py")), root / "Makefile"]
    files += sorted(p for p in (root / "examples").rglob("*") if p.suffix in {".py", ".md"})
    found = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        where = str(file.relative_to(root))
        for m in CITED.finditer(text):
            heading = f"`{m[3]}`" if m[3] else re.sub(r"\s*\n\s*(?:#\s*)?", " ", m[2] or "")
            found.append((where, m[1], heading))
    return found


def test_there_are_cited_pages() -> None:
    assert len(cited_pages()) > 30


@pytest.mark.parametrize(("where", "page", "heading"), cited_pages())
def test_a_page_the_code_cites_exists(where: str, page: str, heading: str) -> None:
    """A message or comment that sends a reader to a page, a heading or a table's
    section moved or renamed since is caught here, not by the reader."""
    assert (DOCS / page).is_file(), f"{where} cites docs/{page}, which does not exist"
    if heading:
        headings = re.findall(r"^#{1,6} (.+)$", (DOCS / page).read_text(), re.M)
        assert any(heading in h for h in headings), f"{where}: docs/{page} has no {heading!r}"


def test_the_seed_spellings_of_auth_and_encrypt_are_all_documented() -> None:
    from azsql_mcp.core.configsources import AUTH_ALIASES, ENCRYPT_ALIASES

    rows = dict(re.findall(r"^\| `(AZURE_SQL_\w+)` \| (.+) \|$", config_text(), re.M))
    auth = {name.lower() for name in re.findall(r"`(\w+)`", rows["AZURE_SQL_AUTH_TYPE"])}
    assert auth == set(AUTH_ALIASES)
    encrypt = set(re.findall(r"`(\w+)`", rows["AZURE_SQL_ENCRYPT"]))
    assert set(ENCRYPT_ALIASES) | {"yes", "no", "strict", "optional"} == encrypt


def test_every_key_of_a_declared_tool_and_its_parameters_is_documented() -> None:
    from azsql_mcp.plugins.builtin_declared.model import ParameterDecl, ToolDecl

    body = config_sections()["`[tools.NAME]`"]
    parameters = body.index("`[tools.NAME.parameters.PARAM]` describes")
    for model, text in ((ToolDecl, body[:parameters]), (ParameterDecl, body[parameters:])):
        start = text.index("| key | default | meaning |")
        rows = text[start : text.index("\n\n", start)]  # that table only
        keyed = {
            k
            for cell in re.findall(r"^\| (.+?) \|", rows, re.M)
            for k in re.findall(r"`(\w+)`", cell)
        }
        missing = set(model.model_fields) - keyed
        assert not missing, f"docs/declared-tools.md: {model.__name__} keys {missing} undocumented"


def test_every_module_is_in_the_layout_of_architecture_md() -> None:
    """The layout is where a newcomer looks for a module: one missing from it is a room
    nobody finds."""
    layout = (DOCS / "architecture.md").read_text().split("```")[1]
    listed = set(re.findall(r"\b(\w+\.py)\b", layout))
    package = DOCS.parent / "src" / "azsql_mcp"
    modules = [
        f"{path.relative_to(package)}"
        for folder in ("", "core", "db", "serving", "diagnostics")
        for path in sorted((package / folder).glob("*.py"))
        if path.name != "__init__.py"
    ]
    assert len(modules) > 100
    missing = [m for m in modules if m.rsplit("/", 1)[-1] not in listed]
    assert not missing, f"docs/architecture.md's layout lacks {missing}"


def command_lines() -> list[str]:
    """Each backtick span and each line of a code block in README and the docs."""
    lines = []
    for page in [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = page.read_text()
        for block in re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S):
            lines += block.splitlines()
        prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
        lines += re.findall(r"`([^`\n]+)`", prose)
    return lines


def subcommand_options() -> dict[str, set[str]]:
    """Command ("serve", "plugin new") -> its long options, from the CLI's own parser."""
    import argparse

    from azsql_mcp.core.cli import _parser

    def commands(parser: argparse.ArgumentParser, prefix: str) -> dict[str, set[str]]:
        found = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[prefix + name] = {o for o in sub._option_string_actions if o[:2] == "--"}
                    found |= commands(sub, f"{prefix}{name} ")
        return found

    return commands(_parser(), "")


def test_every_command_and_flag_the_docs_give_exists() -> None:
    commands = subcommand_options()
    used = []
    for line in command_lines():
        for m in re.finditer(r"\bazsql-mcp (plugin \w+|[a-z]+)((?: +[^\s#|;&`]+)*)", line):
            if m[1] not in commands:  # a command line that starts so names a command
                assert not re.match(r"\s*(\$ )?[\w~./-]*azsql-mcp ", line), line
                continue
            flags = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", m[2])
            unknown = [f for f in flags if f not in commands[m[1]]]
            assert not unknown, f"azsql-mcp {m[1]} has no {unknown}: {line}"
            used.append(m[1])
    assert len(used) > 30 and set(commands) <= set(used) | {"plugin"}


def json_samples() -> list[tuple[str, str]]:
    """(page:line, sample) for each ```json block of README and the docs."""
    found = []
    for page in [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = page.read_text()
        for m in re.finditer(r"^```json\n(.*?)^```", text, re.M | re.S):
            line = text.count("\n", 0, m.start()) + 1
            found.append((f"{page.relative_to(DOCS.parent)}:{line}", m[1]))
    return found


@pytest.mark.parametrize(("where", "sample"), json_samples())
def test_a_json_sample_parses_and_its_server_command_exists(where: str, sample: str) -> None:
    """Client configs are pasted as they stand: each parses, and an entry that starts
    azsql-mcp (`"command"` naming it, or an interpreter with `-m azsql_mcp`) gives a
    command and flags the CLI has."""
    import json

    config = json.loads(sample)
    commands = subcommand_options()
    servers = config.get("mcpServers") or config.get("servers") or {}
    for entry in servers.values():
        args = list(entry.get("args", []))
        if args[:2] == ["-m", "azsql_mcp"]:
            args = args[2:]
        elif not entry.get("command", "").endswith("/azsql-mcp"):
            continue
        command = " ".join(args[:2]) if args[:1] == ["plugin"] else args[0]
        assert command in commands, f"{where}: azsql-mcp has no command {command!r}"
        unknown = [a for a in args if a.startswith("--") and a not in commands[command]]
        assert not unknown, f"{where}: azsql-mcp {command} has no {unknown}"


def test_every_make_target_the_docs_name_exists() -> None:
    makefile = (DOCS.parent / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    named = {
        m for line in command_lines() for m in re.findall(r"(?:^|[\s(])make ([a-z][\w-]*)", line)
    }
    assert len(named) > 5
    assert named <= targets, f"the docs name make targets the Makefile lacks: {named - targets}"


def test_the_test_servers_flag_table_is_its_cli() -> None:
    from tds_test_server.cli import build_parser

    flags = {o for o in build_parser()._option_string_actions if o[:2] == "--"} - {"--help"}
    body = sections(DOCS / "testing.md", "##")["Running it"]
    documented = set(re.findall(r"^\| `(--[a-z-]+)", body, re.M))
    assert documented == flags, "docs/testing.md's table of flags against python -m tds_test_server"


def test_every_key_of_an_audit_line_is_named_in_the_audit_table() -> None:
    from azsql_mcp import ClientIdentity
    from azsql_mcp.serving.auditlog import audit_entry
    from azsql_mcp.serving.callrecord import CallRecord

    record = CallRecord(client=ClientIdentity())
    keys = audit_entry("tool", "t", "p", record, 0.1, "ok", None, None).keys()
    body = config_sections()["`[audit]`"]
    missing = [k for k in [*keys, "prompt", "resource", "pid"] if f"`{k}`" not in body]
    assert not missing, f"docs/configuration.md, [audit]: the line's keys {missing} are not named"


def test_every_key_of_health_is_named_in_operations_md() -> None:
    from azsql_mcp.core.assembly import build_app
    from azsql_mcp.core.config import settings_from_mapping
    from azsql_mcp.serving.routes import health_report

    source = {"server": "db.example.net", "database": "d", "username": "u", "password": "p"}
    body, _ = health_report(
        build_app(settings_from_mapping({"sources": {"s": source}})), details=True
    )
    keys = {*body, *body["plugins"], *body["sources"]["s"]}
    row = next(
        line
        for line in (DOCS / "operations.md").read_text().splitlines()
        if line.startswith("| `/health` |")
    )
    missing = sorted(k for k in keys if f"`{k}`" not in row)
    assert not missing, f"docs/operations.md, /health: the body's keys {missing} are not named"
