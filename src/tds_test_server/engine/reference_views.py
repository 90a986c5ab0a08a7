"""sys.synonyms and sys.sql_expression_dependencies, written from their pages in
Microsoft's docs (synonyms.py makes and resolves the synonyms).

- sys.synonyms: sys.objects' columns of each synonym (type SN) and base_object_name,
  kept quoted in __azsql_objects.definition.
- sys.sql_expression_dependencies: a row per object a view, procedure or function names
  in its definition, with the name's parts as written (server, database and schema NULL
  where not written). referenced_id is the object's id for a name in this database that
  names one (an unwritten schema read as dbo); NULL across databases and servers, for an
  object that does not exist, and for a procedure's one-part name, which is resolved in
  the caller's schema at run time (is_caller_dependent 1). Every reference here is
  schema-unbound and on a whole object (minor ids 0, is_ambiguous 0). The names are
  found by `referenced_names` reading the definition's tokens, not by binding it: a
  name after FROM, JOIN, UPDATE, DELETE, INTO, MERGE, APPLY or EXEC[UTE], and a
  multi-part name called as a function. The page asks VIEW DEFINITION on the database
  and SELECT on the view (db_owner's alone by default); without VIEW DEFINITION the view
  here has no row (a choice: the page does not say whether SQL Server refuses the
  SELECT or answers without rows; the rows would show what the definitions, NULL to
  such a user, name).
"""

from __future__ import annotations

import functools
import json

from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from .tsql_dialect import EngineTSQL

REFERENCES_FUNCTION = "AZSQL_REFERENCED_NAMES"
_MODULE_TYPES = "('V', 'P', 'IF', 'FN', 'TF', 'TR')"
# The words a table's (or a procedure's) name follows.
_NAME_FOLLOWS = {"FROM", "JOIN", "UPDATE", "DELETE", "INTO", "MERGE", "APPLY", "EXEC", "EXECUTE"}
# The words a module's own name follows (CREATE FUNCTION name (...), ...).
_MODULE_KINDS = {"FUNCTION", "PROCEDURE", "PROC", "VIEW", "TRIGGER"}
# The words that start a clause; a name after a comma of a FROM list is a table's.
_CLAUSES = {"FROM", "JOIN", "ON", "SELECT", "WHERE", "SET", "GROUP BY", "ORDER BY", "HAVING"}
_CLAUSES |= {"VALUES", "INTO", "UPDATE", "DELETE", "INSERT", "OUTPUT", "APPLY", "WITH"}
_FROM_LIST = {"FROM", "JOIN", "ON"}
_NAME_TYPES = {TokenType.VAR, TokenType.IDENTIFIER}
# The view lists "by-name dependencies on user-defined entities": not the system views.
_SYSTEM_SCHEMAS = {"sys", "information_schema"}


def synonyms_view(object_columns: str, object_select: str, objects: str) -> tuple[str, str]:
    """sys.synonyms' columns and SELECT: sys.objects' (`object_columns`, `object_select`
    over `objects`, aliased o) and base_object_name."""
    return object_columns + ", base_object_name nvarchar(1035)", (
        f"SELECT {object_select}, o.definition FROM {objects} WHERE o.type = 'SN'"
    )


def dependencies_view(objects: str, database: str, sees_definitions: str) -> tuple[str, str]:
    """sys.sql_expression_dependencies' columns and SELECT over the visible `objects`;
    `database` the SQL of the current database's name, `sees_definitions` 1 when the
    session holds VIEW DEFINITION."""
    part = "json_extract(j.value, '$[{0}]')"
    server, db, schema, entity = (part.format(i) for i in range(4))
    local = f"{server} IS NULL AND ({db} IS NULL OR {db} = {database} COLLATE NOCASE)"
    caller = f"(o.type = 'P' AND {schema} IS NULL AND {db} IS NULL AND {server} IS NULL)"
    found = (
        "(SELECT r.object_id FROM __azsql_objects r JOIN __azsql_schemas s"
        f" ON s.schema_id = r.schema_id WHERE r.parent_object_id = 0 AND r.name = {entity}"
        f" AND s.name = coalesce({schema}, 'dbo'))"
    )
    return (
        "referencing_id int, referencing_minor_id int, referencing_class tinyint,"
        " referencing_class_desc nvarchar(60), is_schema_bound_reference bit,"
        " referenced_class tinyint, referenced_class_desc nvarchar(60),"
        " referenced_server_name sysname, referenced_database_name sysname,"
        " referenced_schema_name sysname, referenced_entity_name sysname,"
        " referenced_id int, referenced_minor_id int, is_caller_dependent bit,"
        " is_ambiguous bit",
        "SELECT o.object_id, 0, 1, 'OBJECT_OR_COLUMN', 0, 1, 'OBJECT_OR_COLUMN',"
        f" {server}, {db}, {schema}, {entity},"
        f" CASE WHEN {local} AND NOT {caller} THEN {found} END, 0, {caller}, 0"
        f" FROM {objects} o, json_each({REFERENCES_FUNCTION}(o.definition)) j"
        f" WHERE o.type IN {_MODULE_TYPES} AND {sees_definitions}",
    )


@functools.lru_cache(maxsize=256)
def referenced_names(definition: str | None) -> str:
    """A JSON list of the distinct [server, database, schema, entity] names (null where
    not written) a module's definition names, in the order first written. Not names:
    the module's own (after CREATE or ALTER), a common table expression's, a temporary
    table's, a system view's, and a one-part name called as a function (a built-in)."""
    try:
        tokens = EngineTSQL().tokenize(definition or "")
    except TokenError:  # a definition the tokenizer cannot read names nothing it can tell
        return "[]"
    ctes = _cte_names(tokens)
    found: list[list[str | None]] = []
    clauses: list[str | None] = [None]  # the last clause word at each depth of parentheses
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            clauses.append(None)
        elif tok.token_type == TokenType.R_PAREN and len(clauses) > 1:
            clauses.pop()
        elif tok.text.upper() in _CLAUSES:
            clauses[-1] = tok.text.upper()
        if tok.token_type not in _NAME_TYPES or (i and tokens[i - 1].token_type == TokenType.DOT):
            continue
        parts, end = _name_at(tokens, i)
        called = end < len(tokens) and tokens[end].token_type == TokenType.L_PAREN
        before = tokens[i - 1].text.upper() if i else ""
        if before in _MODULE_KINDS or not parts or (called and len(parts) == 1):
            continue
        listed = before == "," and clauses[-1] in _FROM_LIST  # FROM a, b
        if before not in _NAME_FOLLOWS and not called and not listed:
            continue
        if tok.text.startswith("#") or (len(parts) == 1 and tok.text.casefold() in ctes):
            continue
        padded: list[str | None] = [None, None, None, *parts][-4:]
        if (padded[2] or "").casefold() in _SYSTEM_SCHEMAS:  # not user-defined entities
            continue
        if padded not in found:
            found.append(padded)
    return json.dumps(found)


def _cte_names(tokens: list[Token]) -> set[str]:
    """The folded names `WITH name [(columns)] AS (` and `, name ... AS (` define."""
    names = set()
    for i in range(1, len(tokens) - 2):
        if tokens[i - 1].token_type not in (TokenType.WITH, TokenType.COMMA):
            continue
        j = i + 1
        if tokens[j].token_type == TokenType.L_PAREN:  # a column list
            while j < len(tokens) and tokens[j].token_type != TokenType.R_PAREN:
                j += 1
            j += 1
        after = tokens[j : j + 2]
        if [t.token_type for t in after] == [TokenType.ALIAS, TokenType.L_PAREN]:
            names.add(tokens[i].text.casefold())
    return names


def _name_at(tokens: list[Token], i: int) -> tuple[list[str | None], int]:
    """The dotted name starting at tokens[i] (an omitted part None; a part after a dot
    may be a keyword: `dbo.proc`) and the index past it; no parts past four."""
    parts: list[str | None] = [tokens[i].text]
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].token_type == TokenType.DOT:
        nxt = tokens[j + 1]
        if nxt.token_type == TokenType.DOT:
            parts.append(None)
            j += 1
        elif nxt.token_type in _NAME_TYPES or nxt.text.isidentifier():
            parts.append(nxt.text)
            j += 2
        else:
            break
    return (parts if len(parts) <= 4 else []), j
