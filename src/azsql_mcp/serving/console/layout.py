"""The console's page shell: one stylesheet, the navigation, and HTML escaping helpers.

Pages are rendered on the server from these strings (no template engine is installed
and none is needed for a handful of pages); every value goes through `esc`, every
text the server wrote that may hold advice (an error, a reason) through `said`."""

from __future__ import annotations

import html
from collections.abc import Iterable
from string import Template

from azsql_mcp.api import plain_advice
from azsql_mcp.version import __version__

NAV = (
    ("/", "Overview"),
    ("/console/tools", "Tools, resources, prompts"),
    ("/console/schema", "Schema"),
    ("/console/activity", "Activity"),
    ("/console/query", "Query runner"),
)

CURRENT = ' aria-current="page"'  # the page a link leads to is the one shown

STYLE = """
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#f6f7f9;--panel:#fff;--line:#d8dde3;
--head:#eef1f4;--ok:#17703a;--bad:#b42318;--muted:#5d6676;--focus:#1d5fbf}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--bg:#14171c;--panel:#1d2128;
--line:#3a414c;--head:#262c35;--ok:#5fd08a;--bad:#ff8b80;--muted:#a3acb9;--focus:#8ab8ff}}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{background:#16324f;color:#fff;padding:10px 20px;display:flex;flex-wrap:wrap;gap:8px 24px;
align-items:center}
header b{font-size:16px}
header nav a{color:#cfe3ff;margin-right:16px;text-decoration:none;display:inline-block;
padding:3px 0}
header nav a[aria-current]{color:#fff;font-weight:600;border-bottom:2px solid #fff}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
header :focus-visible{outline-color:#fff}
main{padding:16px 20px;max-width:1200px}
h1{font-size:20px;margin:4px 0 12px} h2{font-size:16px;margin:18px 0 8px}
.scroll{overflow:auto;max-width:100%;margin-bottom:12px}
table{border-collapse:collapse;background:var(--panel)}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
td{overflow-wrap:break-word} td,td .long{unicode-bidi:plaintext}
th{background:var(--head)} code,pre,textarea{font:13px ui-monospace,monospace}
pre{background:var(--panel);border:1px solid var(--line);padding:8px;overflow:auto;max-height:320px}
.ok{color:var(--ok);font-weight:600} .bad{color:var(--bad);font-weight:600}
.muted,.null{color:var(--muted)} .null{font-style:italic} .long{width:60ch;overflow-wrap:anywhere}
textarea{width:100%;height:110px;box-sizing:border-box}
.card{background:var(--panel);border:1px solid var(--line);padding:10px}
details{margin:4px 0} svg{background:#fff;border:1px solid var(--line)}
"""

SHELL = Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · azsql-mcp</title><style>$style</style></head>
<body><header><b>azsql-mcp $version</b><nav aria-label="Console">$nav</nav></header>
<main><h1>$title</h1>
$body
</main></body></html>
"""
)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def said(text: object) -> str:
    """A text the server wrote (an error, a reason) as HTML, its advice (azsql_mcp.advice)
    as the operator reads it: every tool offered, the advice's own words, as the server
    log and `azsql-mcp check` show it (the console calls no tool but read_data, whose
    texts come rendered for its caller). A value the database holds goes through `esc`
    as it is: never rendered, so it is never changed."""
    return esc(plain_advice(str(text), lambda tool: True))


def page(title: str, current: str, body: str) -> str:
    nav = "".join(
        f'<a href="{href}"{CURRENT if href == current else ""}>{esc(label)}</a>'
        for href, label in NAV
    )
    return SHELL.substitute(
        title=esc(title), style=STYLE, version=esc(__version__), nav=nav, body=body
    )


def table(
    label: str, headers: Iterable[str], rows: Iterable[Iterable[str]], row_id: str = ""
) -> str:
    """An HTML table in a box that scrolls sideways when it is wider than the screen
    (not the whole page); cells are HTML already (escape values with `esc`)."""
    head = header_cells(headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    tbody_id = f' id="{row_id}"' if row_id else ""
    return scroll_box(
        label, f"<table><thead><tr>{head}</tr></thead><tbody{tbody_id}>{body}</tbody></table>"
    )


def scroll_box(label: str, inner: str) -> str:
    """`inner` in a box that scrolls when it is wider than the screen: a named region
    that takes keyboard focus, so a keyboard alone can scroll it (WCAG 2.1.1)."""
    return f'<div class="scroll" role="region" aria-label="{esc(label)}" tabindex="0">{inner}</div>'


def header_cells(headers: Iterable[str]) -> str:
    return "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)


def state(ok: bool, text: str) -> str:
    return f'<span class="{"ok" if ok else "bad"}">{esc(text)}</span>'
