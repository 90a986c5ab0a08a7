"""The console's page shell: one stylesheet, the navigation, and HTML escaping helpers.

Pages are rendered on the server from these strings (no template engine is installed
and none is needed for a handful of pages); every value goes through `esc`."""

from __future__ import annotations

import html
from collections.abc import Iterable
from string import Template

from azsql_mcp.version import __version__

NAV = (
    ("/", "Overview"),
    ("/console/tools", "Tools, resources, prompts"),
    ("/console/schema", "Schema"),
    ("/console/activity", "Activity"),
    ("/console/query", "Query runner"),
)

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#16324f;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center}
header b{font-size:16px} header nav a{color:#cfe3ff;margin-right:16px;text-decoration:none}
header nav a.on{color:#fff;font-weight:600;border-bottom:2px solid #fff}
main{padding:16px 20px;max-width:1200px}
h1{font-size:20px;margin:4px 0 12px} h2{font-size:16px;margin:18px 0 8px}
table{border-collapse:collapse;background:#fff;margin-bottom:12px}
th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4} code,pre,textarea{font:13px ui-monospace,monospace}
pre{background:#fff;border:1px solid #d8dde3;padding:8px;overflow:auto;max-height:320px}
.ok{color:#17703a;font-weight:600} .bad{color:#b42318;font-weight:600} .muted{color:#667085}
textarea{width:100%;height:110px} .card{background:#fff;border:1px solid #d8dde3;padding:10px}
details{margin:4px 0} svg{background:#fff;border:1px solid #d8dde3}
"""

SHELL = Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · azsql-mcp</title><style>$style</style></head>
<body><header><b>azsql-mcp $version</b><nav>$nav</nav></header>
<main><h1>$title</h1>
$body
</main></body></html>
"""
)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, current: str, body: str) -> str:
    nav = "".join(
        f'<a href="{href}"{" class=on" if href == current else ""}>{esc(label)}</a>'
        for href, label in NAV
    )
    return SHELL.substitute(
        title=esc(title), style=STYLE, version=esc(__version__), nav=nav, body=body
    )


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], row_id: str = "") -> str:
    """An HTML table; cells are HTML already (escape values with `esc`)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    tbody_id = f' id="{row_id}"' if row_id else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody{tbody_id}>{body}</tbody></table>"


def state(ok: bool, text: str) -> str:
    return f'<span class="{"ok" if ok else "bad"}">{esc(text)}</span>'
