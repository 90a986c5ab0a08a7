"""What to do about tomllib's terse messages, for the mistakes people make most in a
config file: a value without quotes, a key given twice, a backslash in a double-quoted
string (a Windows user name or path)."""

from __future__ import annotations

BACKSLASH_HINT = (
    "; in double quotes a backslash starts an escape: write \\\\, or use single quotes"
    " ('DOMAIN\\user')"
)

TOML_HINTS = {
    "Invalid value": '; text goes in double quotes (server = "myhost,1433"), true and false'
    ' are lower case, a list is ["a", "b"]',
    "Cannot overwrite": "; a key or table is given twice: keep one",
    "Cannot declare": "; a table is given twice: keep one header, with all its keys below it",
    "Unescaped '\\'": BACKSLASH_HINT,
    "Invalid hex value": BACKSLASH_HINT,  # "\user" read as a \u escape
    "Unterminated string": "; a closing quote is missing",
    "Illegal character '\\n'": '; a closing quote is missing (a "string" ends on its line)',
    "Expected '=' after a key": "; each setting is key = value on a line of its own",
}


def explain_toml_error(exc: ValueError) -> str:
    """The parser's message with what to do, when the mistake is a common one."""
    message = str(exc)
    return message + next((h for s, h in TOML_HINTS.items() if message.startswith(s)), "")
