"""The system procedures a session answers itself: sp_describe_undeclared_parameters,
sp_describe_first_result_set, sp_datatype_info and the extended-property procedures.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlglot import exp
from sqlglot.tokens import TokenType

from ..results import (
    ColumnType,
    ResultColumn,
    ResultSet,
    TdsError,
)
from . import errors
from .batches import word
from .catalog import COLLATION, Catalog, Table
from .clr_types import CLR_TYPES, TYPE_DATABASE
from .select_into import SelectInto
from .session_state import Variable
from .sql_types import TYPE_IDS, UnknownType, parse_type, storage, type_text
from .sqltext import split_name, split_top_level
from .temp_tables import table_named
from .token_stream import Tokens

# Positional parameters of sp_addextendedproperty and its siblings, as documented.
_LEVELS = ["@level0type", "@level0name", "@level1type", "@level1name", "@level2type", "@level2name"]


_PROC_PARAMS: dict[str, list[str]] = {
    "sp_datatype_info_100": ["@data_type", "@odbcver"],
    "sp_datatype_info": ["@data_type", "@odbcver"],
    "sp_describe_undeclared_parameters": ["@tsql", "@params"],
    "sp_describe_first_result_set": ["@tsql", "@params", "@browse_information_mode"],
    "sp_executesql": ["@stmt", "@params"],
    "sp_set_session_context": ["@key", "@value", "@read_only"],
    "sp_addextendedproperty": ["@name", "@value", *_LEVELS],
    "sp_updateextendedproperty": ["@name", "@value", *_LEVELS],
    "sp_dropextendedproperty": ["@name", *_LEVELS],
}


def _number(text: str) -> int | float | Decimal:
    if re.fullmatch(r"\d+", text):
        return int(text)
    return Decimal(text) if "e" not in text.lower() else float(text)


def _proc_name(name: str) -> str:
    parts = split_name(name)
    return (parts[-1] if parts else name).lower()


def _bind_positional(proc: str, positional: list[Any], named: dict[str, Any]) -> dict[str, Any]:
    order = _PROC_PARAMS.get(proc, [])
    args = {k.lower(): v for k, v in named.items()}
    for name, value in zip(order, positional, strict=False):
        args.setdefault(name, value)
    if proc == "sp_executesql":  # later values go to the parameters @params declares
        declared = [f"@{name}" for name in _parse_param_declarations(args.get("@params") or "")]
        for name, value in zip(declared, positional[len(order) :], strict=False):
            args.setdefault(name, value)
    return args


def _parse_param_declarations(text: str) -> dict[str, ColumnType]:
    """'@P1 int, @name nvarchar(50) OUTPUT' -> {'p1': int, 'name': nvarchar(50)}."""
    result: dict[str, ColumnType] = {}
    for part in split_top_level(str(text)):
        m = re.match(r"\s*@(\w+)\s+(.+?)(?:\s+(?:OUTPUT|OUT))?\s*$", part, re.IGNORECASE)
        if not m:
            continue
        if m.group(1).lower() in result:
            raise errors.already_declared(m.group(1))
        try:
            result[m.group(1).lower()] = parse_type(m.group(2))
        except (UnknownType, ValueError):
            result[m.group(1).lower()] = ColumnType("nvarchar", 4000)
    return result


def _parameter_hints(tree: exp.Expression, catalog: Catalog) -> dict[str, ColumnType]:
    """Types for @parameters from the column they are compared with, inserted or assigned to."""
    tables: dict[str, Table] = {}
    for t in tree.find_all(exp.Table):
        meta = table_named(t, catalog)
        if meta is not None:
            tables[(t.alias or t.name).casefold()] = meta
            tables.setdefault("", meta)

    def column_type(col: exp.Expression) -> ColumnType | None:
        if not isinstance(col, exp.Column):
            return None
        candidates = (
            [tables[col.table.casefold()]]
            if col.table.casefold() in tables
            else list(tables.values())
        )
        for meta in candidates:
            found = meta.column(col.name)
            if found is not None:
                return found.type
        return None

    hints: dict[str, ColumnType] = {}
    for node in tree.find_all(exp.Binary):
        left, right = node.this, node.expression
        for a, b in ((left, right), (right, left)):
            if isinstance(a, exp.Parameter) and not isinstance(a.this, exp.Parameter):
                ctype = column_type(b)
                if ctype is not None:
                    hints.setdefault(a.name.lower(), ctype)
    if isinstance(tree, exp.Insert) and isinstance(tree.this, exp.Schema):
        meta = table_named(tree.this.this, catalog)
        values = tree.expression
        if meta is not None and isinstance(values, exp.Values):
            names = [i.name for i in tree.this.expressions]
            for row in values.expressions:
                for name, value in zip(names, row.expressions, strict=False):
                    col = meta.column(name)
                    if isinstance(value, exp.Parameter) and col is not None:
                        hints.setdefault(value.name.lower(), col.type)
    return hints


_TDS_TYPE_IDS = {
    "tinyint": 38,
    "smallint": 38,
    "int": 38,
    "bigint": 38,
    "bit": 104,
    "decimal": 106,
    "numeric": 108,
    "float": 109,
    "real": 109,
    "money": 110,
    "smallmoney": 110,
    "datetime": 111,
    "smalldatetime": 111,
    "date": 40,
    "time": 41,
    "datetime2": 42,
    "datetimeoffset": 43,
    "uniqueidentifier": 36,
    "char": 175,
    "varchar": 167,
    "nchar": 239,
    "nvarchar": 231,
    "binary": 173,
    "varbinary": 165,
    "xml": 241,
}


_DESCRIBE_COLUMNS: list[tuple[str, ColumnType]] = [
    ("parameter_ordinal", ColumnType("int", nullable=False)),
    ("name", ColumnType("nvarchar", 128, nullable=False)),
    ("suggested_system_type_id", ColumnType("int", nullable=False)),
    ("suggested_system_type_name", ColumnType("nvarchar", 256)),
    ("suggested_max_length", ColumnType("smallint", nullable=False)),
    ("suggested_precision", ColumnType("tinyint", nullable=False)),
    ("suggested_scale", ColumnType("tinyint", nullable=False)),
    ("suggested_user_type_id", ColumnType("int")),
    ("suggested_user_type_database", ColumnType("nvarchar", 128)),
    ("suggested_user_type_schema", ColumnType("nvarchar", 128)),
    ("suggested_user_type_name", ColumnType("nvarchar", 128)),
    ("suggested_assembly_qualified_type_name", ColumnType("nvarchar", 4000)),
    ("suggested_xml_collection_id", ColumnType("int")),
    ("suggested_xml_collection_database", ColumnType("nvarchar", 128)),
    ("suggested_xml_collection_schema", ColumnType("nvarchar", 128)),
    ("suggested_xml_collection_name", ColumnType("nvarchar", 128)),
    ("suggested_is_xml_document", ColumnType("bit", nullable=False)),
    ("suggested_is_case_sensitive", ColumnType("bit", nullable=False)),
    ("suggested_is_fixed_length_type", ColumnType("bit", nullable=False)),
    ("suggested_is_input", ColumnType("bit", nullable=False)),
    ("suggested_is_output", ColumnType("bit", nullable=False)),
    ("formal_parameter_name", ColumnType("nvarchar", 128)),
    ("suggested_tds_type_id", ColumnType("int", nullable=False)),
    ("suggested_tds_length", ColumnType("int", nullable=False)),
]


def _describe_row(ordinal: int, name: str, ctype: ColumnType) -> tuple[Any, ...]:
    max_length, precision, scale = storage(ctype)
    fixed = ctype.name not in ("varchar", "nvarchar", "varbinary", "xml")
    tds_length = {"tinyint": 1, "smallint": 2, "int": 4, "bigint": 8}.get(
        ctype.name, 8000 if max_length == -1 else max_length
    )
    return (
        ordinal,
        f"@{name}",
        TYPE_IDS.get(ctype.name, 231),
        type_text(ctype),
        max_length,
        precision,
        scale,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        False,
        False,
        fixed,
        True,
        False,
        "",
        _TDS_TYPE_IDS.get(ctype.name, 231),
        tds_length,
    )


# sp_describe_first_result_set's result, as documented (learn.microsoft.com).
_SYSNAME = ColumnType("nvarchar", 128)
_FIRST_RESULT_COLUMNS: list[tuple[str, ColumnType]] = [
    ("is_hidden", ColumnType("bit", nullable=False)),
    ("column_ordinal", ColumnType("int", nullable=False)),
    ("name", _SYSNAME),
    ("is_nullable", ColumnType("bit", nullable=False)),
    ("system_type_id", ColumnType("int", nullable=False)),
    ("system_type_name", ColumnType("nvarchar", 256)),
    ("max_length", ColumnType("smallint", nullable=False)),
    ("precision", ColumnType("tinyint", nullable=False)),
    ("scale", ColumnType("tinyint", nullable=False)),
    ("collation_name", _SYSNAME),
    ("user_type_id", ColumnType("int")),
    ("user_type_database", _SYSNAME),
    ("user_type_schema", _SYSNAME),
    ("user_type_name", _SYSNAME),
    ("assembly_qualified_type_name", ColumnType("nvarchar", 4000)),
    ("xml_collection_id", ColumnType("int")),
    ("xml_collection_database", _SYSNAME),
    ("xml_collection_schema", _SYSNAME),
    ("xml_collection_name", _SYSNAME),
    ("is_xml_document", ColumnType("bit", nullable=False)),
    ("is_case_sensitive", ColumnType("bit", nullable=False)),
    ("is_fixed_length_clr_type", ColumnType("bit", nullable=False)),
    ("source_server", _SYSNAME),
    ("source_database", _SYSNAME),
    ("source_schema", _SYSNAME),
    ("source_table", _SYSNAME),
    ("source_column", _SYSNAME),
    ("is_identity_column", ColumnType("bit")),
    ("is_part_of_unique_key", ColumnType("bit")),
    ("is_updateable", ColumnType("bit")),
    ("is_computed_column", ColumnType("bit")),
    ("is_sparse_column_set", ColumnType("bit")),
    ("ordinal_in_order_by_list", ColumnType("smallint")),
    ("order_by_is_descending", ColumnType("smallint")),
    ("order_by_list_length", ColumnType("smallint")),
    ("tds_type_id", ColumnType("int", nullable=False)),
    ("tds_length", ColumnType("int", nullable=False)),
    ("tds_collation_id", ColumnType("int")),
    ("tds_collation_sort_id", ColumnType("tinyint")),
]
_CHARACTER = ("char", "varchar", "nchar", "nvarchar")


def _first_result_row(ordinal: int, column: ResultColumn) -> tuple[Any, ...]:
    ctype = column.type
    clr = CLR_TYPES.get(ctype.name)
    if clr is not None:
        max_length, precision, scale = clr.max_length, 0, 0
        user: tuple[Any, ...] = (
            clr.user_type_id,
            TYPE_DATABASE,
            "sys",
            ctype.name,
            clr.assembly_qualified_name,
        )
    else:
        max_length, precision, scale = storage(ctype)
        user = (None, None, None, None, None)  # for CLR and alias types only
    return (
        False,
        ordinal,
        column.name or None,
        ctype.nullable,
        TYPE_IDS.get(ctype.name, 231),
        type_text(ctype),
        max_length,
        precision,
        scale,
        COLLATION if ctype.name in _CHARACTER else None,
        *user,
        None,
        None,
        None,
        None,
        ctype.name == "xml",
        False,
        clr is not None and clr.max_length > 0,
        *(None,) * 13,  # source_server ... order_by_list_length
        0xF0 if clr is not None else _TDS_TYPE_IDS.get(ctype.name, 231),
        max_length if max_length > 0 else 0xFFFF,
        None,
        None,
    )


_DATATYPE_COLUMNS: list[tuple[str, ColumnType]] = [
    ("TYPE_NAME", ColumnType("nvarchar", 128, nullable=False)),
    ("DATA_TYPE", ColumnType("smallint", nullable=False)),
    ("PRECISION", ColumnType("int")),
    ("LITERAL_PREFIX", ColumnType("varchar", 32)),
    ("LITERAL_SUFFIX", ColumnType("varchar", 32)),
    ("CREATE_PARAMS", ColumnType("varchar", 32)),
    ("NULLABLE", ColumnType("smallint", nullable=False)),
    ("CASE_SENSITIVE", ColumnType("smallint", nullable=False)),
    ("SEARCHABLE", ColumnType("smallint", nullable=False)),
    ("UNSIGNED_ATTRIBUTE", ColumnType("smallint")),
    ("MONEY", ColumnType("smallint", nullable=False)),
    ("AUTO_INCREMENT", ColumnType("smallint")),
    ("LOCAL_TYPE_NAME", ColumnType("nvarchar", 128)),
    ("MINIMUM_SCALE", ColumnType("smallint")),
    ("MAXIMUM_SCALE", ColumnType("smallint")),
    ("SQL_DATA_TYPE", ColumnType("smallint", nullable=False)),
    ("SQL_DATETIME_SUB", ColumnType("smallint")),
    ("NUM_PREC_RADIX", ColumnType("int")),
    ("INTERVAL_PRECISION", ColumnType("smallint")),
    ("USERTYPE_ID", ColumnType("int")),
]


# (name, ODBC 3 type, precision, prefix, suffix, create params, searchable, unsigned, money,
#  auto increment, min scale, max scale, datetime sub, radix, usertype)
_DATATYPES: list[tuple[Any, ...]] = [
    ("sql_variant", -150, 8000, None, None, None, 2, None, 0, None, 0, 0, None, 10, 0),
    ("uniqueidentifier", -11, 36, "'", "'", None, 2, None, 0, None, None, None, None, None, 0),
    ("ntext", -10, 1073741823, "N'", "'", None, 1, None, 0, None, None, None, None, None, 0),
    ("xml", -152, 0, "N'", "'", None, 0, None, 0, None, None, None, None, None, 0),
    ("nvarchar", -9, 4000, "N'", "'", "max length", 3, None, 0, None, None, None, None, None, 0),
    ("sysname", -9, 128, "N'", "'", None, 3, None, 0, None, None, None, None, None, 18),
    ("nchar", -8, 4000, "N'", "'", "length", 3, None, 0, None, None, None, None, None, 0),
    ("bit", -7, 1, None, None, None, 2, None, 0, None, 0, 0, None, None, 16),
    ("tinyint", -6, 3, None, None, None, 2, 1, 0, 0, 0, 0, None, 10, 5),
    ("tinyint identity", -6, 3, None, None, None, 2, 1, 0, 1, 0, 0, None, 10, 5),
    ("bigint", -5, 19, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 0),
    ("bigint identity", -5, 19, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 0),
    ("image", -4, 2147483647, "0x", None, None, 0, None, 0, None, None, None, None, None, 20),
    ("varbinary", -3, 8000, "0x", None, "max length", 2, None, 0, None, None, None, None, None, 4),
    ("binary", -2, 8000, "0x", None, "length", 2, None, 0, None, None, None, None, None, 3),
    ("timestamp", -2, 8, "0x", None, None, 2, None, 0, None, None, None, None, None, 80),
    ("text", -1, 2147483647, "'", "'", None, 1, None, 0, None, None, None, None, None, 19),
    ("char", 1, 8000, "'", "'", "length", 3, None, 0, None, None, None, None, None, 1),
    ("numeric", 2, 38, None, None, "precision,scale", 2, 0, 0, 0, 0, 38, None, 10, 10),
    ("numeric() identity", 2, 38, None, None, "precision", 2, 0, 0, 1, 0, 0, None, 10, 10),
    ("decimal", 3, 38, None, None, "precision,scale", 2, 0, 0, 0, 0, 38, None, 10, 24),
    ("money", 3, 19, "$", None, None, 2, 0, 1, 0, 4, 4, None, 10, 11),
    ("smallmoney", 3, 10, "$", None, None, 2, 0, 1, 0, 4, 4, None, 10, 21),
    ("decimal() identity", 3, 38, None, None, "precision", 2, 0, 0, 1, 0, 0, None, 10, 24),
    ("int", 4, 10, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 7),
    ("int identity", 4, 10, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 7),
    ("smallint", 5, 5, None, None, None, 2, 0, 0, 0, 0, 0, None, 10, 6),
    ("smallint identity", 5, 5, None, None, None, 2, 0, 0, 1, 0, 0, None, 10, 6),
    ("float", 6, 53, None, None, None, 2, 0, 0, 0, None, None, None, 2, 8),
    ("real", 7, 24, None, None, None, 2, 0, 0, 0, None, None, None, 2, 23),
    ("varchar", 12, 8000, "'", "'", "max length", 3, None, 0, None, None, None, None, None, 2),
    ("date", 91, 10, "'", "'", None, 3, None, 0, None, None, None, 1, None, 0),
    ("time", -154, 16, "'", "'", "scale", 3, None, 0, None, 0, 7, 2, None, 0),
    ("datetime2", 93, 27, "'", "'", "scale", 3, None, 0, None, 0, 7, 3, None, 0),
    ("datetimeoffset", -155, 34, "'", "'", "scale", 3, None, 0, None, 0, 7, 4, None, 0),
    ("datetime", 93, 23, "'", "'", None, 3, None, 0, None, 3, 3, 3, None, 12),
    ("smalldatetime", 93, 16, "'", "'", None, 3, None, 0, None, 0, 0, 3, None, 22),
]


_ODBC2_DATES = {91: 9, 92: 10, 93: 11}


def _datatype_info(data_type: Any, odbc_ver: Any) -> ResultSet:
    """sp_datatype_info_100: SQLGetTypeInfo's result set, one row per type (filtered)."""
    wanted = int(data_type) if data_type not in (None, "") else 0
    odbc2 = odbc_ver is not None and int(odbc_ver) == 2
    rows = []
    for (
        name,
        code,
        precision,
        prefix,
        suffix,
        params,
        searchable,
        unsigned,
        money,
        auto,
        min_scale,
        max_scale,
        dt_sub,
        radix,
        usertype,
    ) in _DATATYPES:
        data = _ODBC2_DATES.get(code, code) if odbc2 else code
        if wanted and data != wanted:
            continue
        sql_data_type = 9 if code in (91, 92, 93) else code
        sub = dt_sub if code in (91, 92, 93) else None
        case_sensitive = 0
        rows.append(
            (
                name,
                data,
                precision,
                prefix,
                suffix,
                params,
                1,
                case_sensitive,
                searchable,
                unsigned,
                money,
                auto,
                name,
                min_scale,
                max_scale,
                sql_data_type,
                sub,
                radix,
                None,
                usertype,
            )
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    columns = [ResultColumn(n, t) for n, t in _DATATYPE_COLUMNS]
    return ResultSet(columns, iter(rows))


class Procedures(SelectInto):
    """System procedures answered by the session."""

    def _exec_value(self, ts: Tokens, scope: dict[str, Variable]) -> Any:
        tok = ts.next()
        tt = tok.token_type
        if tt in (TokenType.STRING, TokenType.NATIONAL_STRING):
            return tok.text
        if tt == TokenType.NUMBER:
            return _number(tok.text)
        if tt == TokenType.DASH:
            return -_number(ts.next().text)
        if tt == TokenType.HEX_STRING:
            return bytes.fromhex(tok.text)
        if tt == TokenType.NULL:
            return None
        if tt == TokenType.PARAMETER:
            var = ts.name().lower()
            if var not in scope:
                raise errors.must_declare(var)
            return scope[var].value
        if word(tok) == "DEFAULT":
            return None
        return tok.text  # an unquoted name, as T-SQL allows for procedure arguments

    def _describe_parameters(self, tsql: Any, declared_text: Any) -> ResultSet:
        from .translate import parse_tsql

        columns = [ResultColumn(n, t) for n, t in _DESCRIBE_COLUMNS]
        if not isinstance(tsql, str):
            raise TdsError(
                214, "Procedure expects parameter '@tsql' of type 'ntext/nchar/nvarchar'."
            )
        declared = _parse_param_declarations(declared_text or "")
        statements = self.engine.split(tsql)
        found: list[tuple[str, ColumnType]] = []
        seen: set[str] = set(declared)
        for stmt in statements:
            try:
                tree = parse_tsql(stmt.text)
            except TdsError:
                continue
            hints = _parameter_hints(tree, self.catalog)
            for node in tree.find_all(exp.Parameter):
                if isinstance(node.this, exp.Parameter) or isinstance(node.parent, exp.Parameter):
                    continue
                name = node.name.lower()
                if name in seen:
                    continue
                seen.add(name)
                found.append((node.name, hints.get(name, ColumnType("nvarchar", 4000))))
        rows = [_describe_row(i + 1, name, ctype) for i, (name, ctype) in enumerate(found)]
        return ResultSet(columns, iter(rows))

    def _describe_first_result(self, tsql: Any, declared_text: Any) -> ResultSet:
        """sp_describe_first_result_set: the columns of the batch's first result set, from
        compiling its first statement that returns rows (run under FMTONLY: no rows).
        Dynamic SQL fails it (11513), and so does a temporary table (11525), in the words of
        Microsoft's 11000-12999 message list; 11525's text says a single-statement batch may
        read one, which this server does not model (docs/test-server-limits.md)."""
        columns = [ResultColumn(n, t) for n, t in _FIRST_RESULT_COLUMNS]
        if not isinstance(tsql, str):
            raise TdsError(
                214, "Procedure expects parameter '@tsql' of type 'ntext/nchar/nvarchar'."
            )
        scope = {
            name: Variable(ctype, None)
            for name, ctype in _parse_param_declarations(declared_text or "").items()
        }
        described: list[ResultColumn] = []
        for stmt in self.engine.split(tsql):
            head = (word(stmt.tokens[0]) or "").upper()
            if head in ("EXEC", "EXECUTE") or "sp_executesql" in stmt.text.lower():
                raise TdsError(
                    11513,
                    f"The metadata could not be determined because statement '{stmt.text}'"
                    " contains dynamic SQL. Consider using the WITH RESULT SETS clause to"
                    " explicitly describe the result set.",
                )
            if any(t.text.startswith("#") for t in stmt.tokens):
                raise TdsError(
                    11525,
                    f"The metadata could not be determined because statement '{stmt.text}'"
                    " uses a temp table. Metadata discovery only supports temp tables when"
                    " analyzing a single-statement batch.",
                )
            if head not in ("SELECT", "WITH"):
                continue
            fmtonly, self.fmtonly = self.fmtonly, True
            try:
                results = list(self._query(stmt, scope))
            finally:
                self.fmtonly = fmtonly
            found = [r for r in results if isinstance(r, ResultSet)]
            if found:
                described = found[0].columns
                break
        rows = [_first_result_row(i + 1, c) for i, c in enumerate(described)]
        return ResultSet(columns, iter(rows))

    def _extended_property(self, proc: str, args: dict[str, Any]) -> None:
        name = args.get("@name")
        if not name:
            raise TdsError(
                15600,
                f"An invalid parameter or option was specified for procedure '{proc}'.",
                severity=15,
            )
        levels = [
            (str(args.get(f"@level{i}type") or "").upper(), args.get(f"@level{i}name"))
            for i in range(3)
        ]
        klass, major, minor = 0, 0, 0
        label = self.database
        if levels[0][0] == "SCHEMA":
            sid = self.catalog.schema_id(str(levels[0][1]))
            if sid is None:
                raise errors.schema_missing(str(levels[0][1]))
            klass, major, label = 3, sid, str(levels[0][1])
            if levels[1][0]:
                table = self.catalog.table(str(levels[0][1]), str(levels[1][1]))
                if table is None or table.object_id < 0:
                    raise TdsError(
                        15135,
                        f"Object is invalid. Extended properties are not"
                        f" permitted on '{levels[0][1]}.{levels[1][1]}', or the object"
                        " does not exist.",
                    )
                klass, major, label = 1, table.object_id, table.display_name
                if levels[2][0] == "COLUMN":
                    col = table.column(str(levels[2][1]))
                    if col is None:
                        raise TdsError(
                            15135,
                            f"Object is invalid. Extended properties are not"
                            f" permitted on '{label}.{levels[2][1]}', or the object"
                            " does not exist.",
                        )
                    minor, label = col.column_id, f"{label}.{col.name}"
                elif levels[2][0] in ("CONSTRAINT", "INDEX"):
                    oid = self.catalog.resolve_object_id(f"{table.schema}.{levels[2][1]}")
                    if levels[2][0] == "CONSTRAINT" and oid is not None:
                        major = oid
                    elif levels[2][0] == "INDEX":
                        row = self.conn.execute(
                            "SELECT index_id FROM __azsql_indexes WHERE object_id = ? AND name = ?",
                            (table.object_id, levels[2][1]),
                        ).fetchone()
                        if row is None:
                            raise errors.invalid_object(str(levels[2][1]))
                        klass, minor = 7, row[0]
        key = (klass, major, minor, name)
        exists = self.conn.execute(
            "SELECT 1 FROM __azsql_extended_properties WHERE class = ? AND major_id = ?"
            " AND minor_id = ? AND name = ?",
            key,
        ).fetchone()
        if proc == "sp_addextendedproperty":
            if exists:
                raise TdsError(
                    15233,
                    f"Property cannot be added. Property '{name}' already exists for '{label}'.",
                )
            self.conn.execute(
                "INSERT INTO __azsql_extended_properties VALUES (?, ?, ?, ?, ?)",
                (*key, args.get("@value")),
            )
        elif not exists:
            raise TdsError(
                15217,
                f"Property cannot be updated or deleted. Property '{name}'"
                f" does not exist for '{label}'.",
            )
        elif proc == "sp_updateextendedproperty":
            self.conn.execute(
                "UPDATE __azsql_extended_properties SET value = ? WHERE class = ?"
                " AND major_id = ? AND minor_id = ? AND name = ?",
                (args.get("@value"), *key),
            )
        else:
            self.conn.execute(
                "DELETE FROM __azsql_extended_properties WHERE class = ? AND major_id = ?"
                " AND minor_id = ? AND name = ?",
                key,
            )
