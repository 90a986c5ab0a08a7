"""The type facts INFORMATION_SCHEMA.COLUMNS reports for a column."""

from __future__ import annotations

from typing import Any

from ..results import ColumnType
from .catalog import COLLATION
from .sql_types import (
    BINARY_TYPES,
    CHAR_TYPES,
    DATE_TYPES,
    DECIMAL_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    UNICODE_TYPES,
    storage,
)


def information_schema_facts(t: ColumnType) -> dict[str, Any]:
    """CHARACTER_*/NUMERIC_*/DATETIME_PRECISION for INFORMATION_SCHEMA.COLUMNS."""
    max_length, precision, scale = storage(t)
    facts: dict[str, Any] = {
        "char_length": None,
        "octet_length": None,
        "num_precision": None,
        "num_radix": None,
        "num_scale": None,
        "dt_precision": None,
        "charset": None,
        "collation": None,
    }
    if t.name in CHAR_TYPES or t.name in BINARY_TYPES:
        facts["char_length"] = t.length if t.name != "xml" else -1
        facts["octet_length"] = max_length
        if t.name in CHAR_TYPES and t.name != "xml":
            facts["charset"] = "UNICODE" if t.name in UNICODE_TYPES else "iso_1"
            facts["collation"] = COLLATION
    elif t.name in INTEGER_TYPES or t.name in DECIMAL_TYPES:
        facts.update(num_precision=precision, num_radix=10, num_scale=scale)
    elif t.name in FLOAT_TYPES:
        facts.update(num_precision=precision, num_radix=2)
    elif t.name in DATE_TYPES:
        facts["dt_precision"] = {"date": 0, "smalldatetime": 0, "datetime": 3}.get(t.name, scale)
    return facts
