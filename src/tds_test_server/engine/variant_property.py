"""SQL_VARIANT_PROPERTY(expression, property) ("SQL_VARIANT_PROPERTY (Transact-SQL)"):
the base type's name (BaseType), Precision, Scale, MaxLength in bytes and Collation, as
sys.columns would report a column of that type. The engine has no sql_variant values,
so each call becomes the literal for the type the expression has where it is plain to
see (a column, a literal, a CAST, arithmetic); an unknown property is NULL, as on the
page. TotalBytes (which counts the variant's own header) is not modelled."""

from __future__ import annotations

from sqlglot import exp

from ..results import ColumnType
from . import errors
from .catalog import Catalog
from .column_sources import ColumnSources
from .convert_sql import source_type
from .result_types import utf16_length
from .sql_types import CHAR_TYPES, storage

_COLLATION = "SQL_Latin1_General_CP1_CI_AS"  # the server's, which every text column has


def rewrite_variant_properties(tree: exp.Expression, catalog: Catalog) -> None:
    calls = [
        n
        for n in tree.find_all(exp.Anonymous)
        if n.name.upper() == "SQL_VARIANT_PROPERTY" and len(n.expressions) == 2
    ]
    if not calls:
        return
    columns = ColumnSources(tree, catalog)
    typed = [(call, _type_of(call.expressions[0], columns)) for call in calls]
    for call, found in typed:
        prop = call.expressions[1]
        if not (isinstance(prop, exp.Literal) and prop.is_string):
            raise errors.unsupported("SQL_VARIANT_PROPERTY with a property that is no literal")
        if found is None:
            raise errors.unsupported(
                "SQL_VARIANT_PROPERTY of an expression whose type the test server cannot"
                " tell (a variable, a function's result); CAST it to the type first"
            )
        call.replace(_property(found, prop.name.lower()))


def _type_of(node: exp.Expr, columns: ColumnSources) -> ColumnType | None:
    if isinstance(node, exp.National):  # N'abc' is nvarchar(3), 'abc' varchar(3)
        return ColumnType("nvarchar", max(utf16_length(node.name), 1))
    if isinstance(node, exp.Literal) and node.is_string:
        return ColumnType("varchar", max(len(node.name), 1))
    return source_type(node, columns)


def _property(found: ColumnType, name: str) -> exp.Expression:
    max_length, precision, scale = storage(found)
    if name == "basetype":
        return exp.Literal.string(found.name)
    if name == "precision":
        return exp.Literal.number(precision)
    if name == "scale":
        return exp.Literal.number(scale)
    if name == "maxlength":
        return exp.Literal.number(max_length)
    if name == "collation":
        text = found.name in CHAR_TYPES and found.name != "xml"
        return exp.Literal.string(_COLLATION) if text else exp.null()
    if name == "totalbytes":
        raise errors.unsupported("SQL_VARIANT_PROPERTY(..., 'TotalBytes')")
    return exp.null()
