"""SELECT ... FOR XML RAW / AUTO / PATH, by Microsoft's "FOR XML (SQL Server)", "Basic
Syntax of the FOR XML Clause", "Use RAW / AUTO / PATH Mode with FOR XML", "Columns with
a Name", "Columns without a Name", "TYPE Directive in FOR XML Queries", "Use the BINARY
BASE64 Option" and "Invalid Characters and Escape Rules":

- RAW: one <row> (or RAW('name')) element a row, each non-NULL value an attribute, or a
  child element with ELEMENTS; AUTO over one table: the same, the element named for the
  table's alias or its name as written (a join nests by table: refused, as for FOR JSON);
  PATH: element-centric, '@name' an attribute, 'a/b' nesting (consecutive columns that
  share a prefix share its element), a column without a name (or 'text()', '*') text
  content; PATH('') drops the row element;
- a NULL is left out; ELEMENTS XSINIL writes <name xsi:nil="true"/> and declares the xsi
  namespace on the root (ROOT) or on the top-level elements of a row that holds one (the
  RAW example's second row, without NULLs, has no declaration); ROOT adds one top-level
  element, 'root' unless named;
- names in RAW and AUTO are escaped as _xHHHH_ (a character that is not an XML name
  character, '_' before 'x'); a PATH name that is not one is Msg 6850;
- values: bit 0/1, numbers bare, dates ISO 8601 (CONVERT style 126), binary base64 (RAW
  needs BINARY BASE64: else Msg 6829; AUTO's default, a dbobject URL, is not modelled:
  refused); text escapes & < > (and " in attributes), a carriage return as &#x0D; (tab and
  line feed too in attributes), and the characters XML cannot hold as &#xHH; (entitized
  "within FOR XML queries that do not use the TYPE directive"; with TYPE too here, where
  SQL Server's xml type would refuse them);
- on the wire: without TYPE the document is "a string type" (TYPE Directive page) that
  SQL Server sends "in multiple rows of 2,033 characters each" (SqlCommand.ExecuteXmlReader,
  KB 310378) in one column named XML_F52E2B61-18A1-11d1-B105-00805F49916B, no row for no
  rows; with TYPE one xml value.

Assumed, from what is published outside Microsoft's reference pages (a FreeTDS issue's
TDSDUMP, sys.dm_exec_describe_first_result_set output, another project's captures): the
untyped column is ntext (not nvarchar(max) as for FOR JSON); the TYPE column has no name
and no rows give one NULL row; float and real are written as CONVERT style 2
(1.500000000000000e+000, 1.5000000e+000); an invalid character is &#x01; (two hex
digits, as &#x0D;); Msg 6809, 6810, 6829, 6849, 6850, 6852, 6861 and 6864 are
Microsoft's texts ("Database engine events and errors"), but which statement raises
which is taken from those captures. EXPLICIT, XMLDATA, XMLSCHEMA, WITH XMLNAMESPACES,
data() and the other XPath node tests are refused.
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ..results import ColumnType, ResultColumn, ResultSet, TdsError
from . import errors
from .convert import tsql_convert
from .sql_types import DECIMAL_TYPES, INTEGER_TYPES

COLUMN = "XML_F52E2B61-18A1-11d1-B105-00805F49916B"
ROW_CHARS = 2033
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'

_DATES = ("date", "time", "datetime", "datetime2", "smalldatetime", "datetimeoffset")
_BINARY = ("binary", "varbinary")
_TEXT_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#x0D;"})
_TEXT_TABLE |= {c: f"&#x{c:02X};" for c in range(32) if c not in (9, 10, 13)}
_TEXT_TABLE |= {0xFFFE: "&#xFFFE;", 0xFFFF: "&#xFFFF;"}
_ATTR_TABLE = _TEXT_TABLE | str.maketrans({'"': "&quot;", "\t": "&#x09;", "\n": "&#x0A;"})
_OPTIONS = {"RAW", "AUTO", "PATH", "ELEMENTS", "ROOT", "TYPE", "BINARY"}
_NODE_TESTS = ("text()", "*")


@dataclass(frozen=True)
class XmlShape:
    """A statement's FOR XML options."""

    mode: str  # RAW, AUTO, PATH
    row: str | None  # the row element; None: PATH('') / RAW('')
    root: str | None
    elements: bool  # ELEMENTS (PATH always)
    xsinil: bool
    base64: bool  # BINARY BASE64
    typed: bool  # TYPE: one xml value


def take_for_xml(tree: exp.Expression) -> XmlShape | None:
    """The top-level SELECT's FOR XML options, its clause removed; None when it has none
    (a FOR XML in a subquery stays, for the translator to refuse)."""
    clause = tree.args.get("for_") if isinstance(tree, exp.Select) else None
    if not isinstance(clause, exp.ForClause) or str(clause.args.get("kind")).upper() != "XML":
        return None
    options: dict[str, str | None] = {}
    for option in clause.expressions:
        inner = option.this
        named = isinstance(inner, exp.XMLKeyValueOption)
        words = (inner.this.name if named else inner.name).upper().split()
        if not words or words[0] not in _OPTIONS:
            raise errors.unsupported(f"FOR XML {' '.join(words)}")
        value = inner.expression if named else None
        options[words[0]] = value.name if value is not None else None
        if words[0] == "ELEMENTS" and words[1:] == ["XSINIL"]:
            options["XSINIL"] = None
    modes = [m for m in ("RAW", "AUTO", "PATH") if m in options]
    if len(modes) != 1:
        raise errors.unsupported("FOR XML without RAW, AUTO or PATH (EXPLICIT)")
    mode = modes[0]
    if mode == "AUTO" and not tree.args.get("from_"):
        raise TdsError(
            6800,
            "FOR XML AUTO requires at least one table for generating XML tags. Use FOR XML"
            " RAW or add a FROM clause with a table name.",
        )
    if mode == "AUTO" and tree.args.get("joins"):
        raise errors.unsupported(
            "FOR XML AUTO over joined tables (it nests by table); use FOR XML PATH with"
            " 'table/column' aliases"
        )
    if options.get("ROOT") == "":
        raise TdsError(6861, "Empty root tag name can't be specified with FOR XML.")
    row = options.get(mode)
    if mode == "AUTO":
        row = _auto_name(tree.args["from_"].this)
    elif row is None:
        row = "row"
    root = (options.get("ROOT") or "root") if "ROOT" in options else None
    clause.pop()
    return XmlShape(
        mode=mode,
        row=row or None,
        root=root,
        elements="ELEMENTS" in options or mode == "PATH",
        xsinil="XSINIL" in options,
        base64="BINARY" in options,
        typed="TYPE" in options,
    )


def _auto_name(source: exp.Expression) -> str:
    """AUTO's element: the table's alias, else its name as written (dbo.t -> <dbo.t>)."""
    if source.alias:
        return escape_name(source.alias)
    if isinstance(source, exp.Table):
        return escape_name(".".join(part.name for part in source.parts))
    raise TdsError(
        6809,
        "Unnamed tables cannot be used as XML identifiers as well as unnamed columns cannot"
        " be used for attribute names. Name unnamed columns/tables using AS in the SELECT"
        " statement.",
    )


def xml_result(
    rows: Iterable[tuple[Any, ...]],
    columns: list[tuple[str, ColumnType | None]],
    shape: XmlShape,
) -> ResultSet:
    """The XML of `rows` (stored values of `columns`: name, type) as SQL Server sends it:
    ntext in rows of 2,033 characters (no row for no rows), or with TYPE one xml value."""
    writer = _PathWriter(columns, shape) if shape.mode == "PATH" else _RowWriter(columns, shape)
    parts = [writer.row(row) for row in rows]
    if shape.typed:
        column = ResultColumn("", ColumnType("xml", -1))
        return ResultSet([column], iter([(_document(parts, shape) if parts else None,)]))
    column = ResultColumn(COLUMN, ColumnType("ntext", -1))
    return ResultSet([column], _chunks(_document(parts, shape)) if parts else iter([]))


def _document(parts: list[str], shape: XmlShape) -> str:
    text = "".join(parts)
    if shape.root is None:
        return text
    xsi = f" {XSI}" if shape.xsinil else ""
    return f"<{shape.root}{xsi}>{text}</{shape.root}>"


def _chunks(text: str) -> Iterator[tuple[str]]:
    for start in range(0, len(text), ROW_CHARS):
        yield (text[start : start + ROW_CHARS],)


class _RowWriter:
    """RAW and AUTO: one element a row, the values as attributes or child elements."""

    def __init__(self, columns: list[tuple[str, ColumnType | None]], shape: XmlShape):
        self.shape = shape
        self.types = [ctype for _, ctype in columns]
        if any(not name for name, _ in columns):
            raise _unnamed()
        self.names = [escape_name(name) for name, _ in columns]
        if not shape.elements:
            if shape.row is None:
                raise TdsError(
                    6864,
                    "Row tag omission (empty row tag name) cannot be used with"
                    " attribute-centric FOR XML serialization.",
                )
            seen: set[str] = set()
            for name in self.names:
                if name in seen:
                    raise TdsError(
                        6810,
                        f"Column name '{name}' is repeated. The same attribute cannot be"
                        " generated more than once on the same XML tag.",
                    )
                seen.add(name)
        for name, ctype in columns:
            if ctype is not None and ctype.name in _BINARY and not shape.base64:
                raise _binary_refusal(shape.mode, name)

    def row(self, values: tuple[Any, ...]) -> str:
        shape = self.shape
        if not shape.elements:
            attrs = "".join(
                f' {name}="{_attr(_value(v, t, name, shape))}"'
                for name, v, t in zip(self.names, values, self.types, strict=True)
                if v is not None
            )
            return f"<{shape.row}{attrs}/>"
        starts: list[str] = []  # each child's start tag up to its name, and the rest
        rests: list[str] = []
        for name, v, t in zip(self.names, values, self.types, strict=True):
            if v is not None:
                starts.append(f"<{name}")
                rests.append(f">{_text(_value(v, t, name, shape))}</{name}>")
            elif shape.xsinil:
                starts.append(f"<{name}")
                rests.append(' xsi:nil="true"/>')
        xsi = _xsi(shape, rests)
        if shape.row is None:
            return "".join(start + xsi + rest for start, rest in zip(starts, rests, strict=True))
        children = "".join(start + rest for start, rest in zip(starts, rests, strict=True))
        if not children:
            return f"<{shape.row}{xsi}/>"
        return f"<{shape.row}{xsi}>{children}</{shape.row}>"


def _xsi(shape: XmlShape, parts: list[str]) -> str:
    """The xsi declaration a row's top-level elements carry: when it holds a nil and no
    root element declares it."""
    nil = shape.xsinil and shape.root is None and any("xsi:nil" in p for p in parts)
    return f" {XSI}" if nil else ""


@dataclass(frozen=True)
class _Step:
    """One PATH column: the elements it sits in, and what it writes there."""

    elements: tuple[str, ...]  # the element path; an element column's own name last
    kind: str  # element, attribute, text
    name: str  # the attribute's name; the column name as written for messages


class _PathWriter:
    """PATH: each column an element, attribute or text by its name, nesting on '/'."""

    def __init__(self, columns: list[tuple[str, ColumnType | None]], shape: XmlShape):
        self.shape = shape
        self.types = [ctype for _, ctype in columns]
        self.steps = [_path_step(name) for name, _ in columns]
        previous: _Step | None = None
        for (column, _), step in zip(columns, self.steps, strict=True):
            if step.kind == "attribute":
                if not step.elements and shape.row is None:
                    raise TdsError(
                        6864,
                        "Row tag omission (empty row tag name) cannot be used with"
                        " attribute-centric FOR XML serialization.",
                    )
                depth = len(step.elements)
                if (
                    previous is not None
                    and previous.elements[:depth] == step.elements
                    and (len(previous.elements) > depth or previous.kind == "text")
                ):
                    raise TdsError(
                        6852,
                        f"Attribute-centric column '{column}' must not come after a"
                        " non-attribute-centric sibling in XML hierarchy in FOR XML PATH.",
                    )
            previous = step

    def row(self, values: tuple[Any, ...]) -> str:
        """The row's XML: elements open along each column's path and stay open while the
        next column shares their prefix ("Several Columns Share the Same Path Prefix")."""
        shape = self.shape
        row = () if shape.row is None else (shape.row,)
        out: list[str] = [f"<{shape.row}"] if shape.row is not None else []
        open_: list[str] = list(row)  # the open elements, the row element first
        tag_open = bool(row)  # the innermost start tag still takes attributes
        tops: list[int] = [0] if row else []  # where top-level start tags end in `out`

        def end_tag() -> None:
            nonlocal tag_open
            if tag_open:
                out.append(">")
                tag_open = False

        def close_to(keep: int) -> None:
            nonlocal tag_open
            while len(open_) > keep:
                name = open_.pop()
                out.append("/>" if tag_open else f"</{name}>")
                tag_open = False

        for step, value, ctype in zip(self.steps, values, self.types, strict=True):
            nil = value is None
            if nil and not (shape.xsinil and step.kind == "element"):
                continue
            target = row + (step.elements[:-1] if nil else step.elements)
            keep = 0
            while keep < min(len(open_), len(target)) and open_[keep] == target[keep]:
                keep += 1
            if (
                step.kind == "attribute"
                and keep == len(target)
                and (len(open_) > keep or not tag_open)  # its element already has content
            ):
                keep = max(keep - 1, len(row))
            close_to(keep)
            for name in target[keep:]:
                end_tag()
                if not open_:
                    tops.append(len(out))
                out.append(f"<{name}")
                open_.append(name)
                tag_open = True
            if step.kind == "attribute":
                out.append(f' {step.name}="{_attr(_value(value, ctype, step.name, shape))}"')
                continue
            end_tag()
            if nil:
                if len(open_) == 0:
                    tops.append(len(out))
                out.append(f"<{step.elements[-1]}")
                out.append(' xsi:nil="true"/>')
                continue
            out.append(_text(_value(value, ctype, step.name, shape)))
        close_to(0)
        xsi = _xsi(shape, out)
        if xsi:
            for top in tops:
                out[top] += xsi
        return "".join(out)


def _path_step(name: str) -> _Step:
    if not name or name in _NODE_TESTS:
        return _Step((), "text", name)
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise TdsError(
            6849,
            f"FOR XML PATH error in column '{name}' - '//' and leading and trailing '/' are"
            " not allowed in simple path expressions.",
        )
    *parents, last = name.split("/")
    for part in parents:
        _check_path_name(name, part)
    if last in _NODE_TESTS:
        return _Step(tuple(parents), "text", name)
    if last.startswith("@"):
        _check_path_name(name, last[1:] or "@")
        return _Step(tuple(parents), "attribute", last[1:])
    _check_path_name(name, last)
    return _Step((*parents, last), "element", name)


def _check_path_name(column: str, name: str) -> None:
    """A PATH step must be an XML name as written (PATH does not escape: Msg 6850)."""
    if name.endswith("()"):
        raise errors.unsupported(f"the FOR XML PATH node test '{name}'")
    for i, char in enumerate(name):
        if not (_name_char(char, first=i == 0) or (char == ":" and i > 0)):
            raise TdsError(
                6850,
                f"Column name '{column}' contains an invalid XML identifier as required by"
                f" FOR XML; '{char}'(0x{ord(char):04X}) is the first character at fault.",
            )


def escape_name(name: str) -> str:
    """A SQL name as an XML name ("Escape Rules"): a character that is not an XML name
    character as _xHHHH_ (_xHHHHHH_ beyond the BMP), '_' when 'x' follows as _x005F_."""
    out: list[str] = []
    for i, char in enumerate(name):
        if char == "_" and name[i + 1 : i + 2] == "x":
            out.append("_x005F_")
        elif _name_char(char, first=i == 0) or (char == ":" and i > 0):
            out.append(char)
        else:
            code = ord(char)
            out.append(f"_x{code:04X}_" if code <= 0xFFFF else f"_x{code:06X}_")
    return "".join(out)


def _name_char(char: str, *, first: bool) -> bool:
    """XML 1.0's NameStartChar / NameChar (letters and '_'; then digits, '.', '-' and
    combining marks too), the colon left to the callers."""
    if char == "_" or (char.isascii() and char.isalpha()):
        return True
    if char.isascii():
        return not first and (char.isdigit() or char in ".-")
    category = unicodedata.category(char)
    if category in ("Lu", "Ll", "Lt", "Lo", "Nl"):
        return True
    return not first and (category in ("Mc", "Me", "Mn", "Lm", "Nd") or char == "\u00b7")


def _unnamed() -> TdsError:
    return TdsError(
        6809,
        "Unnamed tables cannot be used as XML identifiers as well as unnamed columns cannot"
        " be used for attribute names. Name unnamed columns/tables using AS in the SELECT"
        " statement.",
    )


def _binary_refusal(mode: str, name: str) -> TdsError:
    if mode == "RAW":
        return TdsError(
            6829,
            "FOR XML EXPLICIT and RAW modes currently do not support addressing binary data"
            f" as URLs in column '{name}'. Remove the column, or use the BINARY BASE64 mode,"
            " or create the URL directly using the 'dbobject/TABLE[@PK1=\"V1\"]/@COLUMN'"
            " syntax.",
        )
    return errors.unsupported(
        "FOR XML AUTO's URL references to binary data (dbobject/...); add BINARY BASE64"
    )


def _text(text: str) -> str:
    return text.translate(_TEXT_TABLE)


def _attr(text: str) -> str:
    return text.translate(_ATTR_TABLE)


def _value(value: Any, ctype: ColumnType | None, name: str, shape: XmlShape) -> str:
    """A stored value as XML text by its T-SQL type (by its Python type where unknown)."""
    tname = ctype.name if ctype is not None else ""
    scale, length = (ctype.scale or 0, ctype.length or 0) if ctype is not None else (0, 0)
    if tname == "bit":
        return "1" if value else "0"
    if tname in DECIMAL_TYPES:
        digits = 4 if tname in ("money", "smallmoney") else scale
        return str(tsql_convert(value, "varchar", 0, 0, None, "decimal", digits))
    if tname in _DATES:
        return str(tsql_convert(value, "nvarchar", 0, 0, 126, tname, scale))
    if tname in ("char", "nchar") and length > 0:
        return str(value).ljust(length)  # padded as SQL Server holds it
    if isinstance(value, bytes):
        if shape.mode == "RAW" and not shape.base64:  # a type known only from the value
            raise _binary_refusal("RAW", name)
        return base64.b64encode(value).decode("ascii")
    if tname in INTEGER_TYPES or (not tname and isinstance(value, int)):
        return str(int(value))
    if tname in ("float", "real") or (not tname and isinstance(value, float)):
        return _scientific(float(value), 7 if tname == "real" else 15)
    if tname == "uniqueidentifier":
        return str(value).upper()
    return str(value)


def _scientific(value: float, digits: int) -> str:
    """float and real as CONVERT style 2 writes them: 1.500000000000000e+000."""
    mantissa, _, exponent = f"{value:.{digits}e}".partition("e")
    return f"{mantissa}e{exponent[0]}{int(exponent[1:]):03d}"
