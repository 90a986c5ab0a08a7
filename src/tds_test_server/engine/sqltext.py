"""T-SQL text as the catalog keeps it: multi-part names, and definitions as SQL Server
shows them."""

from __future__ import annotations

import re


def split_name(text: str) -> list[str]:
    """'[SalesLT].[Customer]' -> ['SalesLT', 'Customer']; 'db..t' keeps the empty part."""
    parts: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            while end != -1 and text[end + 1 : end + 2] == "]":
                end = text.find("]", end + 2)
            if end == -1:
                return []
            current += text[i + 1 : end].replace("]]", "]")
            i = end + 1
            continue
        if ch == '"':
            end = text.find('"', i + 1)
            if end == -1:
                return []
            current += text[i + 1 : end]
            i = end + 1
            continue
        if ch == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current.strip())
    return parts


def default_definition(expr_text: str) -> str:
    """How SQL Server shows a DEFAULT/CHECK definition: ((0)), (getdate()), (N'x')."""
    text = expr_text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    if re.fullmatch(r"[-+]?\d+(\.\d*)?", text):
        return f"(({text}))"
    return f"({text})"


def split_top_level(text: str) -> list[str]:
    """The comma-separated parts of `text` outside parentheses, blank ones left out:
    'a, f(b, c), d' -> ['a', ' f(b, c)', ' d']."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0
