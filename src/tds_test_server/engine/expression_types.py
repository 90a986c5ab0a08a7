"""The SQL Server type of an expression, where the translator can tell it from the
tree: literals, functions, @@globals, arithmetic by data type precedence
(result_types.py), CASE, aggregates. translate.py types a query's projections with it.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import SqlglotError

from ..results import ColumnType
from .clr_sql import CLR_FUNCTION_TYPES, clr_expression_type
from .convert_sql import convert_target
from .culture_parse import PARSE_FUNCTIONS, result_type
from .function_types import function_type
from .json_read import json_read_type
from .newer_builtins import newer_type
from .result_types import (
    ARITHMETIC_OPERATORS,
    arithmetic,
    concatenation,
    constant_operands,
    number_literal_type,
    power_type,
    replace_type,
    replicate_type,
    result_of_branches,
    string_agg_type,
    string_result_type,
    utf16_length,
)
from .sql_types import UnknownType, parse_type, type_text
from .text_numbers import MONEY_TYPES, NUMBER_TYPES


def variable_name(node: exp.Expression) -> str | None:
    """'x' for a T-SQL @x (not @@x), else None."""
    if isinstance(node, exp.Parameter) and isinstance(node.this, (exp.Var, exp.Identifier)):
        return node.this.name.lower()
    return None


def unwrap_text(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.TEXT:
        return node.this
    return node


_FUNCTION_TYPES: dict[str, ColumnType] = {
    "SCOPE_IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "IDENT_CURRENT": ColumnType("numeric", precision=38, scale=0),
    "GETDATE": ColumnType("datetime"),
    "GETUTCDATE": ColumnType("datetime"),
    "CURRENT_TIMESTAMP": ColumnType("datetime"),
    "SYSDATETIME": ColumnType("datetime2", scale=7),
    "SYSUTCDATETIME": ColumnType("datetime2", scale=7),
    "SYSDATETIMEOFFSET": ColumnType("datetimeoffset", scale=7),
    "NEWID": ColumnType("uniqueidentifier"),
    "DB_NAME": ColumnType("nvarchar", 128),
    "SCHEMA_NAME": ColumnType("nvarchar", 128),
    "OBJECT_NAME": ColumnType("nvarchar", 128),
    "OBJECT_SCHEMA_NAME": ColumnType("nvarchar", 128),
    "PARSENAME": ColumnType("nvarchar", 128),
    "OBJECT_DEFINITION": ColumnType("nvarchar", -1),
    "COL_NAME": ColumnType("nvarchar", 128),
    "TYPE_NAME": ColumnType("nvarchar", 128),
    "SUSER_SNAME": ColumnType("nvarchar", 128),
    "SUSER_NAME": ColumnType("nvarchar", 128),
    "USER_NAME": ColumnType("nvarchar", 128),
    "ORIGINAL_LOGIN": ColumnType("nvarchar", 128),
    "CURRENT_USER": ColumnType("nvarchar", 128),
    "SYSTEM_USER": ColumnType("nvarchar", 128),
    "HOST_NAME": ColumnType("nvarchar", 128),
    "APP_NAME": ColumnType("nvarchar", 128),
    "DB_ID": ColumnType("smallint"),
    "SCHEMA_ID": ColumnType("int"),
    "OBJECT_ID": ColumnType("int"),
    "TYPE_ID": ColumnType("int"),
    "HAS_PERMS_BY_NAME": ColumnType("int"),
    "IS_SRVROLEMEMBER": ColumnType("int"),
    "IS_MEMBER": ColumnType("int"),
    "DATALENGTH": ColumnType("int"),
    "LEN": ColumnType("int"),
    "DATEDIFF": ColumnType("int"),
    "DATEPART": ColumnType("int"),
    "DATENAME": ColumnType("nvarchar", 30),
    "OBJECTPROPERTY": ColumnType("int"),
    "COLUMNPROPERTY": ColumnType("int"),
    "QUOTENAME": ColumnType("nvarchar", 258),
    "CONCAT": ColumnType("nvarchar", -1),
    # TRY...CATCH (try_catch.py): the types their pages give
    "ERROR_NUMBER": ColumnType("int"),
    "ERROR_MESSAGE": ColumnType("nvarchar", 4000),
    "ERROR_SEVERITY": ColumnType("int"),
    "ERROR_STATE": ColumnType("int"),
    "ERROR_LINE": ColumnType("int"),
    "ERROR_PROCEDURE": ColumnType("nvarchar", 128),
    "XACT_STATE": ColumnType("smallint"),
    **CLR_FUNCTION_TYPES,
}


_GLOBAL_TYPES: dict[str, ColumnType] = {
    "VERSION": ColumnType("nvarchar", 300),
    "SPID": ColumnType("smallint"),
    "ROWCOUNT": ColumnType("int"),
    "TRANCOUNT": ColumnType("int"),
    "SERVERNAME": ColumnType("nvarchar", 128),
    "SERVICENAME": ColumnType("nvarchar", 128),
    "IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "SCOPE_IDENTITY": ColumnType("numeric", precision=38, scale=0),
    "ERROR": ColumnType("int"),
    "LANGUAGE": ColumnType("nvarchar", 128),
    "LOCK_TIMEOUT": ColumnType("int"),
    "MAX_CONNECTIONS": ColumnType("int"),
    "OPTIONS": ColumnType("int"),
    "DATEFIRST": ColumnType("tinyint"),
    "TEXTSIZE": ColumnType("int"),
    "FETCH_STATUS": ColumnType("int"),
    "MICROSOFTVERSION": ColumnType("int"),
    "DBTS": ColumnType("varbinary", 8),
}


_STRING_FUNCTIONS = (exp.Upper, exp.Lower, exp.Trim, exp.Left, exp.Right, exp.Substring)


def expression_type(node: exp.Expr) -> ColumnType | None:
    """The SQL Server type of a projection, where it can be told from the tree."""
    if (clr := clr_expression_type(node)) is not None:
        return clr
    if (newer := newer_type(node, expression_type)) is not None:
        return newer
    if (typed := function_type(node, expression_type)) is not None:
        return typed
    if (json_text := json_read_type(node)) is not None:
        return json_text
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Parameter):
        return _GLOBAL_TYPES.get(node.this.name.upper())
    if isinstance(node, exp.Anonymous) and node.name.upper() in PARSE_FUNCTIONS:
        return result_type(node)
    if isinstance(node, exp.Anonymous):
        return _FUNCTION_TYPES.get(node.name.upper())
    if isinstance(node, exp.CurrentTimestamp):
        return ColumnType("datetime")
    if isinstance(node, exp.Uuid):
        return ColumnType("uniqueidentifier")
    if isinstance(node, exp.Length):
        return ColumnType("int")
    if isinstance(node, exp.National):
        return ColumnType("nvarchar", max(utf16_length(node.name), 1))
    if isinstance(node, exp.HexString):  # 0xabcdef: varbinary of its bytes (odd digits pad)
        return ColumnType("varbinary", max((len(node.name) + 1) // 2, 1))
    if isinstance(node, exp.Literal):
        if node.is_string:
            return ColumnType("varchar", max(len(node.name), 1))
        return number_literal_type(node.name)
    operator = ARITHMETIC_OPERATORS.get(type(node))
    if operator is not None:
        left, right = expression_type(node.this), expression_type(node.expression)
        if left is not None and right is not None:
            return arithmetic(operator, *constant_operands(node, left, right))
    if isinstance(node, exp.Paren):
        return expression_type(node.this)
    if isinstance(node, (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor)):
        # a binary operand is read as a number of the other's type (bitwise.py)
        left, right = expression_type(node.this), expression_type(node.expression)
        if left is not None and left.name in ("binary", "varbinary"):
            return right
        if right is not None and right.name in ("binary", "varbinary"):
            return left
    if isinstance(node, (exp.Concat, exp.ConcatWs, exp.DPipe)):
        concat = isinstance(node, (exp.Concat, exp.ConcatWs))
        parts = node.expressions if concat else [node.this, node.expression]
        return concatenation([expression_type(p) for p in parts])
    if isinstance(node, (exp.Cast, exp.TryCast, exp.Convert)):
        to = node.to if isinstance(node, (exp.Cast, exp.TryCast)) else node.this
        try:
            return convert_target(to)
        except (UnknownType, ValueError):
            return None
    if isinstance(node, exp.Window) and isinstance(node.this, exp.WithinGroup):
        func, order = node.this.this, node.this.expression
        if isinstance(func, exp.PercentileCont):
            return ColumnType("float")
        if isinstance(func, exp.PercentileDisc) and isinstance(order, exp.Order):
            return expression_type(order.expressions[0].this)
    if isinstance(node, exp.Window) and isinstance(node.this, (exp.Avg, exp.Sum)):
        return expression_type(node.this)  # OVER (...) keeps the aggregate's type
    if isinstance(node, exp.Pow):  # POWER(x, y): of x's type
        return power_type(expression_type(node.this))
    if isinstance(node, exp.Stuff):  # STUFF's page names no length: REPLACE's rule
        return replace_type([expression_type(node.this), expression_type(node.expression)])
    if isinstance(node, exp.TimeToStr) and node.args.get("format") is not None:
        return ColumnType("nvarchar", -1)  # FORMAT of a date: "nvarchar or null", as of a number
    if isinstance(node, exp.Translate):  # "of the same data type as inputString"
        return string_result_type(expression_type(node.this))
    if isinstance(node, exp.Repeat):  # REPLICATE
        return replicate_type(expression_type(node.this))
    if isinstance(node, _STRING_FUNCTIONS):  # UPPER, LOWER, (L|R)TRIM, LEFT, RIGHT, SUBSTRING
        return string_result_type(expression_type(unwrap_text(node.this)))
    if isinstance(node, exp.Replace):
        arguments = (node.this, node.expression, node.args.get("replacement"))
        return replace_type([expression_type(a) if a is not None else None for a in arguments])
    if isinstance(node, exp.Round):  # ROUND keeps its argument's type
        return expression_type(node.this)
    if isinstance(node, exp.Grouping):
        return ColumnType("tinyint")
    if isinstance(node, exp.GroupingId):
        return ColumnType("int")
    if isinstance(node, exp.Count):
        return ColumnType("bigint" if node.args.get("big_int") else "int")
    if isinstance(node, exp.ApproxDistinct):  # APPROX_COUNT_DISTINCT
        return ColumnType("bigint")
    if isinstance(node, exp.GroupConcat):  # STRING_AGG, of the values' type
        value = node.this.this if isinstance(node.this, exp.Order) else node.this
        return string_agg_type(expression_type(value))
    if isinstance(node, exp.TimestampTrunc):  # DATETRUNC keeps its argument's type
        return expression_type(node.this)
    if isinstance(node, (exp.If, exp.Case)):  # the branch type that wins by precedence
        branches = (
            [node.args.get("true"), node.args.get("false")]
            if isinstance(node, exp.If)
            else [i.args.get("true") for i in node.args["ifs"]] + [node.args.get("default")]
        )
        return result_of_branches([expression_type(b) for b in branches if b is not None])
    if isinstance(node, exp.CurrentUser):
        return ColumnType("nvarchar", 128)
    if isinstance(node, exp.DateAdd):  # the date argument's type (SYSDATETIME's: a call)
        inner = datatype_to_column(node.this.type) or expression_type(node.this)
        if inner is not None and inner.name in (
            "date",
            "datetime2",
            "datetimeoffset",
            "smalldatetime",
            "time",
        ):
            return inner
        return ColumnType("datetime")
    if isinstance(node, exp.DateDiff):  # DATEDIFF_BIG is bigint
        return ColumnType("bigint" if node.args.get("big_int") else "int")
    if isinstance(node, (exp.Extract, exp.Year, exp.Month, exp.Day)):
        return ColumnType("int")
    if isinstance(node, exp.Avg) and node.this is not None:
        inner = _operand_type(node.this)
        if inner is not None and inner.name in ("tinyint", "smallint", "int", "bigint"):
            # integer AVG truncates, as SQL Server's does; bigint's is bigint
            return ColumnType("bigint" if inner.name == "bigint" else "int")
        if inner is not None and inner.name in ("money", "smallmoney"):
            return ColumnType("money", precision=19, scale=4)
        if inner is not None and inner.name in ("decimal", "numeric"):
            return ColumnType("decimal", precision=38, scale=max(inner.scale or 0, 6))
    if isinstance(node, exp.Sum):
        inner = _operand_type(node.this) if node.this is not None else None
        if inner is not None and inner.name in ("decimal", "numeric"):
            return ColumnType("decimal", precision=38, scale=inner.scale)
        if inner is not None and inner.name in ("money", "smallmoney"):
            return ColumnType("money", precision=19, scale=4)
        if inner is not None and inner.name in ("tinyint", "smallint"):
            return ColumnType("int")
        return inner
    return datatype_to_column(node.type)


def _operand_type(node: exp.Expr) -> ColumnType | None:
    """The type of an aggregate's operand: arithmetic's by T-SQL's rules (`OrderQty * 1.0`
    is numeric(8,1), where sqlglot's annotation says double), else the annotated type."""
    inner = node.this if isinstance(node, exp.Paren) else node
    if type(inner) in ARITHMETIC_OPERATORS and (typed := expression_type(inner)) is not None:
        return typed
    return datatype_to_column(node.type) or expression_type(node)


def is_variable_arithmetic(node: exp.Expr) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    return type(node) in ARITHMETIC_OPERATORS and any(
        variable_name(p) for p in node.find_all(exp.Parameter)
    )


def variable_arithmetic_type(
    node: exp.Expr, variables: dict[str, ColumnType | None]
) -> ColumnType | None:
    """The type of arithmetic on @variables (a statement's parameters among them), once
    their declared types are known: `@p + 1` of a numeric(2,1) @p is numeric(3,1), by
    the same rules as for columns, and `@d + 1.25` of a datetime @d is datetime (days
    added, date_arithmetic.py). None where a variable's type is unknown or the result is
    no number or datetime (the values' type is used then)."""
    typed = node.copy()
    for param in list(typed.find_all(exp.Parameter)):
        name = variable_name(param)
        if name is None:
            continue
        found = variables.get(name)
        if found is None:
            return None
        try:
            as_type = exp.DataType.build(type_text(found), dialect="tsql")
        except (SqlglotError, ValueError):  # a type sqlglot does not know (sql_variant, CLR)
            return None
        param.replace(exp.Cast(this=exp.null(), to=as_type))
    result = expression_type(typed)
    return result if result is not None and result.name in _NUMBER_RESULTS else None


_NUMBER_RESULTS = (*NUMBER_TYPES, *MONEY_TYPES, "datetime", "smalldatetime")


def datatype_to_column(dt: exp.DataType | None) -> ColumnType | None:
    if dt is None or dt.this in (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return None
    if dt.this == exp.DataType.Type.BOOLEAN:
        return ColumnType("bit")
    text = dt.sql("tsql")
    if dt.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR) and not dt.expressions:
        text += "(max)" if dt.this == exp.DataType.Type.NVARCHAR else "(8000)"
    try:
        return parse_type(text)
    except (UnknownType, ValueError):
        return None
