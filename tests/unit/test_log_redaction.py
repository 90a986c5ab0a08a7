"""`azsql_mcp.LogRedaction` on a record: what it masks (message, arguments, exception and
stack text, `extra=` values, uvicorn's access-log query) and renders (advice), what it
keeps (a record with nothing to mask, the caller's objects), and what a filter changing
the shared record means for the handlers around it."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.logging import AccessFormatter

from azsql_mcp import LogRedaction, advice

SECRET = "Pa55-w0rd-x"
CONNECTION = f"Server=db;UID=app;PWD={SECRET};Encrypt=yes"
MASKED = "Server=db;UID=app;PWD=***;Encrypt=yes"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ"
ADVICE = advice("list_tables", "list_tables lists them", "ask the operator")


def record(
    msg: object,
    *args: Any,
    name: str = "acme",
    exc_info: Any = None,
    stack_info: str | None = None,
    **extra: Any,
) -> logging.LogRecord:
    """A record as `logging.getLogger(name).error(msg, *args, extra=extra)` makes it."""
    return logging.getLogger(name).makeRecord(
        name, logging.ERROR, __file__, 1, msg, args, exc_info, extra=extra, sinfo=stack_info
    )


def redacted(rec: logging.LogRecord) -> logging.LogRecord:
    assert LogRedaction().filter(rec) is True  # never drops a record
    return rec


def test_a_record_with_nothing_to_mask_is_left_as_it_is() -> None:
    rec = record("table %s: %d rows", "orders", 3)
    args = rec.args
    assert redacted(rec).msg == "table %s: %d rows" and rec.args is args


def test_a_credential_whole_in_an_argument_is_masked_there_keeping_the_template() -> None:
    caller = [CONNECTION]
    rec = redacted(record("connect with %s failed (%s)", CONNECTION, caller))
    assert rec.msg == "connect with %s failed (%s)"  # an error tracker still groups it
    assert rec.getMessage() == f"connect with {MASKED} failed (['{MASKED}'])"
    assert caller == [CONNECTION]  # the caller's list: masked in a copy


def test_a_credential_across_template_and_argument_masks_the_whole_message() -> None:
    rec = redacted(record("Server=db;PWD=%s;", SECRET))
    assert (rec.msg, rec.args) == ("Server=db;PWD=***;", None)
    rec = redacted(record("login %(user)s: %(error)s", {"user": "u", "error": CONNECTION}))
    assert rec.args == {"user": "u", "error": MASKED}
    rec = redacted(record("login %(user)s: PWD=%(password)s;", {"user": "u", "password": "x"}))
    assert (rec.msg, rec.args) == ("login u: PWD=***;", None)


def test_advice_is_rendered_for_the_operator() -> None:
    rec = redacted(record(f"no table here; {ADVICE}"))
    assert rec.getMessage() == "no table here; list_tables lists them"
    rec = redacted(record("no table here; %s", ADVICE))
    assert rec.getMessage() == "no table here; list_tables lists them"


def test_exception_and_stack_text_are_masked_and_exc_info_kept() -> None:
    try:
        raise RuntimeError(f"cannot open {CONNECTION} {ADVICE}")
    except RuntimeError:
        exc_info = sys.exc_info()
    rec = redacted(record("failed", exc_info=exc_info, stack_info=f"Stack: token={JWT}"))
    assert rec.exc_info is exc_info
    assert rec.exc_text is not None and rec.exc_text.startswith("Traceback")
    assert rec.exc_text.endswith(f"RuntimeError: cannot open {MASKED} list_tables lists them")
    assert rec.stack_info == "Stack: token=***"
    line = logging.Formatter().format(rec)  # what any standard formatter writes
    assert SECRET not in line and JWT not in line and "\ufdd0" not in line


def test_a_traceback_another_handler_formatted_first_is_masked_too() -> None:
    try:
        raise ValueError(f"PWD={SECRET}")
    except ValueError:
        rec = record("failed", exc_info=sys.exc_info())
    logging.Formatter().format(rec)  # caches exc_text as the first handler writes it
    assert SECRET in (rec.exc_text or "")
    assert SECRET not in (redacted(rec).exc_text or "")


def test_extra_values_are_masked_without_changing_the_callers() -> None:
    sources = [{"name": "main", "conn": CONNECTION, "port": 1433}]
    rec = redacted(record("started", token=f"Bearer {JWT}", sources=sources, workers=2))
    assert rec.token == "Bearer ***"
    assert rec.sources == [{"name": "main", "conn": MASKED, "port": 1433}]
    assert sources[0]["conn"] == CONNECTION and rec.workers == 2


def test_uvicorns_access_log_keeps_its_arguments_without_the_query() -> None:
    args = ("127.0.0.1:5000", "POST", f"/mcp?access_token={SECRET}&x=1", "1.1", 200)
    rec = redacted(record('%s - "%s %s HTTP/%s" %d', *args, name="uvicorn.access"))
    assert rec.args == ("127.0.0.1:5000", "POST", "/mcp?***", "1.1", 200)
    # uvicorn's own formatter reads the five arguments: an application may use it
    line = AccessFormatter("%(request_line)s %(status_code)s", use_colors=False).format(rec)
    assert line == "POST /mcp?*** HTTP/1.1 200 OK"


def test_uvicorns_coloured_template_goes_with_a_rewritten_message() -> None:
    rec = redacted(record("PWD=%s", SECRET, color_message="PWD=\x1b[1m%s\x1b[0m"))
    assert rec.args is None and not hasattr(rec, "color_message")


def test_arguments_that_do_not_fit_are_masked_for_loggings_own_report() -> None:
    rec = redacted(record(f"PWD={SECRET} %s %s", "one"))
    assert rec.msg == "PWD=*** %s %s" and rec.args == ("one",)


def test_twice_changes_nothing_more() -> None:
    rec = redacted(record("connect %s; %s", CONNECTION, ADVICE, extra_field=JWT))
    once = dict(vars(rec))
    assert vars(redacted(rec)) == once


@pytest.fixture
def three_handlers() -> Iterator[list[io.StringIO]]:
    """A logger's handlers in order: without the filter, with it, without it."""
    logger = logging.getLogger("acme.three_handlers")
    written = [io.StringIO() for _ in range(3)]
    handlers = [logging.StreamHandler(stream) for stream in written]
    handlers[1].addFilter(LogRedaction())
    for handler in handlers:
        logger.addHandler(handler)
    logger.propagate = False
    yield written
    for handler in handlers:
        logger.removeHandler(handler)
    logger.propagate = True


def test_the_filter_changes_the_record_the_handlers_after_it_get(
    three_handlers: list[io.StringIO],
) -> None:
    """As documented: one record goes to every handler, so the handler before the
    filtering one writes it as logged, and every handler after it the masked record."""
    logging.getLogger("acme.three_handlers").error("open %s", CONNECTION)
    assert [w.getvalue() for w in three_handlers] == [
        f"open {CONNECTION}\n",
        f"open {MASKED}\n",
        f"open {MASKED}\n",
    ]
