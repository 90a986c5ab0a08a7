"""read_data cursors: opaque, and bound to the query, params and source they came from."""

import pytest
from fastmcp.exceptions import ToolError

from azsql_mcp.values import call_fingerprint, decode_cursor, encode_cursor


def test_round_trip():
    fp = call_fingerprint("default", "SELECT 1", {"a": 1})
    assert decode_cursor(encode_cursor(500, fp), fp) == 500


def test_fingerprint_depends_on_query_params_and_source():
    base = call_fingerprint("default", "SELECT @a", {"a": 1})
    assert base == call_fingerprint("default", "SELECT @a", {"a": 1})
    assert base != call_fingerprint("default", "SELECT @a", {"a": 2})
    assert base != call_fingerprint("default", "SELECT @a ", {"a": 1})
    assert base != call_fingerprint("staging", "SELECT @a", {"a": 1})


def test_cursor_of_another_query_is_refused():
    cursor = encode_cursor(100, call_fingerprint("default", "SELECT 1", {}))
    with pytest.raises(ToolError, match="different query"):
        decode_cursor(cursor, call_fingerprint("default", "SELECT 2", {}))


@pytest.mark.parametrize("cursor", ["!!!", "e30", "bm90IGpzb24"])  # junk, {}, "not json"
def test_junk_cursor_is_refused(cursor):
    with pytest.raises(ToolError, match="not one this server issued"):
        decode_cursor(cursor, "x")


@pytest.mark.parametrize("offset", [-5, 1.5, True, "3"])
def test_a_cursor_with_an_offset_this_server_never_issues_is_refused(offset: object) -> None:
    import base64
    import json

    fp = call_fingerprint("default", "SELECT 1", {})
    forged = base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fp}).encode()).decode()
    with pytest.raises(ToolError, match="not one this server issued"):
        decode_cursor(forged.rstrip("="), fp)
