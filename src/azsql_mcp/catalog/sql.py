"""Catalog and DMV queries, written from Microsoft's documentation of the catalog views.

Each constant is one SELECT with `@name` parameters, as `Database.read` requires.
Row counts come from sys.partitions (index_id 0 = heap, 1 = clustered index), which
every user with metadata visibility can read, unlike sys.dm_db_partition_stats
(VIEW DATABASE STATE). The counts are approximate by design.
"""

# sys.objects.type of the table-valued functions ("sys.objects"): SQL inline (IF), SQL
# multi-statement (TF) and CLR (FT) ones, each 'table function' (functions.TABLE_FUNCTION).
_TABLE_FUNCTIONS = "'IF', 'TF', 'FT'"


def _type_name(alias: str) -> str:
    """A column's or parameter's type by name (sys.columns and sys.parameters name it
    alike, sys.types joined as `t`): an alias or table type by its own name."""
    return (
        f"COALESCE(t.name, TYPE_NAME({alias}.user_type_id),"
        f" TYPE_NAME({alias}.system_type_id)) AS type_name"
    )


def _base_type(alias: str) -> str:
    """The system type under an alias type, else the type itself (240: a CLR type such
    as geography, its own base)."""
    return f"""CASE WHEN {alias}.user_type_id <> {alias}.system_type_id
                 AND {alias}.system_type_id <> 240
            THEN TYPE_NAME({alias}.system_type_id)
            ELSE COALESCE(t.name, TYPE_NAME({alias}.user_type_id)) END AS base_type"""


# How many parameters a table-valued function takes (sys.parameters), NULL for another
# object: LIST_PARAMETERS is asked only of a page with a function that takes some.
_PARAMETER_COUNT = f"""CASE WHEN o.type IN ({_TABLE_FUNCTIONS})
            THEN (SELECT COUNT(*) FROM sys.parameters AS fp
                   WHERE fp.object_id = o.object_id AND fp.parameter_id > 0) END"""

# An object with a column whose name is LIKE @column_pattern, or any when it is NULL.
# sys.columns holds a row for each column of the user tables (U), views (V) and
# table-valued functions (IF, TF, FT: their result columns) among the objects with
# columns, none of a synonym's ("sys.columns (Transact-SQL)"), and only those of the
# objects the user holds a permission on ("Metadata visibility configuration"; whether
# it shows all of a table granted column by column, the pages do not say).
_HAS_MATCHING_COLUMN = """(@column_pattern IS NULL
       OR EXISTS (SELECT 1 FROM sys.columns AS col
                   WHERE col.object_id = o.object_id AND col.name LIKE @column_pattern))"""

# history_of: the table whose history a table holds, from sys.tables.history_table_id
# (SQL Server 2016+; a system-versioned temporal table's, and from 2022 an updatable
# ledger table's), at most one; none when that table is hidden from the login. Read in
# pages after the last (schema, name) read (a schema's object names are unique), so a
# table created or dropped meanwhile shifts no page; both compare in the catalog's
# collation, as they sort. Synonyms (sys.objects type SN) are listed among them, each
# with its sys.synonyms.base_object_name (the name as written, each part bracketed) and
# no row count (sys.partitions has none); a synonym is visible to a login as its other
# objects are, when it holds a permission on it ("Metadata visibility configuration").
# So are table-valued functions, with the number of their parameters (sys.parameters):
# LIST_PARAMETERS reads those of a page's functions that have any, in one statement,
# as a row each; aggregating them here would take STRING_AGG, which SQL Server 2016
# lacks ("STRING_AGG (Transact-SQL)": 2017 and later). With @column_pattern, only the
# objects with a column whose name is LIKE it (_HAS_MATCHING_COLUMN).
LIST_TABLES = f"""
SELECT s.name AS schema_name,
       o.name AS object_name,
       CASE o.type WHEN 'U' THEN 'table' WHEN 'V' THEN 'view' WHEN 'SN' THEN 'synonym'
            ELSE 'table function' END AS object_type,
       (SELECT SUM(p.rows) FROM sys.partitions AS p
         WHERE p.object_id = o.object_id AND p.index_id IN (0, 1)) AS row_count,
       OBJECT_SCHEMA_NAME(cur.object_id) AS history_of_schema,
       OBJECT_NAME(cur.object_id) AS history_of_name,
       y.base_object_name,
       {_PARAMETER_COUNT} AS parameter_count
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.tables AS cur ON cur.history_table_id = o.object_id
LEFT JOIN sys.synonyms AS y ON y.object_id = o.object_id
WHERE o.type IN ('U', 'V', 'SN', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
  AND (@schema IS NULL OR s.name = @schema)
  AND (@pattern IS NULL OR o.name LIKE @pattern)
  AND {_HAS_MATCHING_COLUMN}
  AND (@after_schema_name IS NULL OR s.name > @after_schema_name
       OR (s.name = @after_schema_name AND o.name > @after_object_name))
ORDER BY s.name, o.name
"""

# The tables, views, synonyms and table-valued functions whose names are about as long
# as one SQL Server did not find (error 208, or describe_table's), for the nearest of
# them (near_names.py). LEN counts characters, as Python's len does (it leaves out
# trailing spaces, which a name seldom has). The catalog shows each user only the
# objects it holds a permission on ("Metadata visibility configuration"), so a name
# offered is one this login can use.
NAMES_OF_LENGTH = f"""
SELECT s.name AS schema_name, o.name AS object_name
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V', 'SN', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
  AND LEN(o.name) BETWEEN @shortest AND @longest
ORDER BY s.name, o.name
"""

# The columns, about as long as one SQL Server did not find (error 207), of the tables,
# views and table functions whose names stand in the statement's text (CHARINDEX
# compares in the database's collation, as SQL Server resolved the names), for the
# nearest of them (near_names.py). sys.columns shows the columns of the objects the
# user holds a permission on ("Metadata visibility configuration").
COLUMNS_OF_LENGTH = f"""
SELECT DISTINCT c.name AS column_name
FROM sys.columns AS c
JOIN sys.objects AS o ON o.object_id = c.object_id
WHERE o.type IN ('U', 'V', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
  AND CHARINDEX(o.name, @statement) > 0
  AND LEN(c.name) BETWEEN @shortest AND @longest
ORDER BY c.name
"""

# A table-valued function is described as a view is: its result columns are its
# sys.columns rows; sys.partitions has no row of it.
FIND_OBJECT = f"""
SELECT o.object_id,
       s.name AS schema_name,
       o.name AS object_name,
       CASE o.type WHEN 'U' THEN 'table' WHEN 'V' THEN 'view' ELSE 'table function' END
         AS object_type,
       CAST(ep.value AS nvarchar(4000)) AS description,
       (SELECT SUM(p.rows) FROM sys.partitions AS p
         WHERE p.object_id = o.object_id AND p.index_id IN (0, 1)) AS row_count
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.extended_properties AS ep
  ON ep.class = 1 AND ep.major_id = o.object_id AND ep.minor_id = 0
 AND ep.name = N'MS_Description'
WHERE o.type IN ('U', 'V', {_TABLE_FUNCTIONS}) AND o.name = @name
  AND (@schema IS NULL OR s.name = @schema)
ORDER BY s.name, o.object_id
"""

# A function's parameters in order ("sys.parameters"; parameter_id 0, a scalar
# function's return value, is none), typed as COLUMNS types a column: an alias or table
# type by its name, is_readonly for a table-valued parameter. has_default_value is not
# read: it is 0 for every T-SQL function (functions.py).
_PARAMETER_COLUMNS = f"""p.parameter_id,
       p.name AS parameter_name,
       {_type_name("p")},
       {_base_type("p")},
       p.max_length,
       p.[precision],
       p.scale,
       p.is_readonly"""
FUNCTION_PARAMETERS = f"""
SELECT {_PARAMETER_COLUMNS}
FROM sys.parameters AS p
LEFT JOIN sys.types AS t ON t.user_type_id = p.user_type_id
WHERE p.object_id = @object_id AND p.parameter_id > 0
ORDER BY p.parameter_id
"""

# The parameters of the table-valued functions of a LIST_TABLES page: its filters, from
# after (@after_schema_name, @after_object_name) up to its last object (@last_...).
# (The column filter too: a function of the range without such a column is not on the
# page, and its parameters would take rows from those that are.)
LIST_PARAMETERS = f"""
SELECT s.name AS schema_name, o.name AS object_name, {_PARAMETER_COLUMNS}
FROM sys.parameters AS p
JOIN sys.objects AS o ON o.object_id = p.object_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.types AS t ON t.user_type_id = p.user_type_id
WHERE o.type IN ({_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0 AND p.parameter_id > 0
  AND (@schema IS NULL OR s.name = @schema)
  AND (@pattern IS NULL OR o.name LIKE @pattern)
  AND {_HAS_MATCHING_COLUMN}
  AND (@after_schema_name IS NULL OR s.name > @after_schema_name
       OR (s.name = @after_schema_name AND o.name > @after_object_name))
  AND (s.name < @last_schema_name
       OR (s.name = @last_schema_name AND o.name <= @last_object_name))
ORDER BY s.name, o.name, p.parameter_id
"""

# The columns whose names are LIKE @column_pattern of the objects of a LIST_TABLES page
# (its filters, over its range as LIST_PARAMETERS): the first @first of each by column_id
# ("Column IDs might not be sequential": ROW_NUMBER numbers them) and how many match in
# all (COUNT(*) OVER the object's). A row each, not STRING_AGG (SQL Server 2016 lacks it).
LIST_MATCHING_COLUMNS = f"""
SELECT m.schema_name, m.object_name, m.column_name, m.matches
FROM (SELECT s.name AS schema_name, o.name AS object_name, c.column_id,
             c.name AS column_name,
             ROW_NUMBER() OVER (PARTITION BY c.object_id ORDER BY c.column_id) AS n,
             COUNT(*) OVER (PARTITION BY c.object_id) AS matches
      FROM sys.columns AS c
      JOIN sys.objects AS o ON o.object_id = c.object_id
      JOIN sys.schemas AS s ON s.schema_id = o.schema_id
      WHERE o.type IN ('U', 'V', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
        AND c.name LIKE @column_pattern
        AND (@schema IS NULL OR s.name = @schema)
        AND (@pattern IS NULL OR o.name LIKE @pattern)
        AND (@after_schema_name IS NULL OR s.name > @after_schema_name
             OR (s.name = @after_schema_name AND o.name > @after_object_name))
        AND (s.name < @last_schema_name
             OR (s.name = @last_schema_name AND o.name <= @last_object_name))) AS m
WHERE m.n <= @first
ORDER BY m.schema_name, m.object_name, m.column_id
"""

# A synonym of that name ("sys.synonyms"), for describe_table to name its base object
# (a synonym has no columns of its own): the base's parts by PARSENAME, a part not
# written NULL, whether a database part names another database, and whether this login
# sees the base here (OBJECT_ID is NULL for an object it holds no permission on:
# "Metadata visibility configuration"; only read for a base in this database).
FIND_SYNONYM = """
SELECT s.name AS schema_name, y.name AS synonym_name,
       PARSENAME(y.base_object_name, 4) AS base_server,
       PARSENAME(y.base_object_name, 3) AS base_database,
       PARSENAME(y.base_object_name, 2) AS base_schema,
       PARSENAME(y.base_object_name, 1) AS base_name,
       CASE WHEN PARSENAME(y.base_object_name, 3) <> DB_NAME() THEN 1 ELSE 0 END AS elsewhere,
       CASE WHEN OBJECT_ID(y.base_object_name) IS NULL THEN 0 ELSE 1 END AS base_seen
FROM sys.synonyms AS y
JOIN sys.schemas AS s ON s.schema_id = y.schema_id
WHERE y.name = @name AND (@schema IS NULL OR s.name = @schema)
ORDER BY s.name
"""

# A column of an alias type (AdventureWorks' dbo.Name, or sysname, the system's alias of
# nvarchar(128)) reports the alias as `type_name` and the system type it is built on as
# `base_type` (an alias's user_type_id differs from its system_type_id); CLR types
# (system_type_id 240) are their own base. Both come from sys.columns: a user may see a
# column whose alias type's sys.types row it cannot see (metadata visibility), so that
# join is an outer one and never drops a column.
# What SELECT * and WHERE make of a column, from sys.columns (all SQL Server 2016+):
# is_hidden (a temporal period or ledger column declared HIDDEN, a graph table's internal
# column: SELECT * leaves it out), generated_always_type_desc (AS_ROW_START ...: the
# engine writes it), is_sparse and is_column_set (a column set stands for the table's
# sparse columns in SELECT *), encryption_type_desc (Always Encrypted: DETERMINISTIC or
# RANDOMIZED ciphertext); and sys.masked_columns.masking_function, which every user who
# sees the table sees ("sys.masked_columns": Permissions). graph_type (2017+) is not read:
# a graph table's $node_id... columns are told by sys.tables.is_node/is_edge.
# Without VIEW DEFINITION the `definition` of sys.default_constraints and
# sys.computed_columns is NULL ("Metadata visibility configuration"), while
# sys.columns.is_computed and default_object_id stay visible: they say whether there
# is a definition the user cannot see.
COLUMNS = f"""
SELECT c.object_id,
       c.column_id,
       c.name AS column_name,
       {_type_name("c")},
       {_base_type("c")},
       c.max_length,
       c.[precision],
       c.scale,
       c.is_nullable,
       c.is_identity,
       c.is_computed,
       CASE WHEN c.default_object_id <> 0 THEN 1 ELSE 0 END AS has_default,
       dc.definition AS default_definition,
       CAST(ic.seed_value AS nvarchar(40)) AS identity_seed,
       CAST(ic.increment_value AS nvarchar(40)) AS identity_increment,
       cc.definition AS computed_definition,
       cc.is_persisted,
       CAST(ep.value AS nvarchar(4000)) AS description,
       HAS_PERMS_BY_NAME(QUOTENAME(OBJECT_SCHEMA_NAME(c.object_id)) + N'.'
                         + QUOTENAME(OBJECT_NAME(c.object_id)),
                         N'OBJECT', N'SELECT', c.name, N'COLUMN') AS can_select,
       CASE WHEN c.collation_name
                 <> CONVERT(sysname, DATABASEPROPERTYEX(DB_NAME(), 'Collation'))
            THEN c.collation_name END AS collation_name,
       c.is_hidden,
       c.generated_always_type_desc,
       c.is_sparse,
       c.is_column_set,
       c.encryption_type_desc,
       mc.masking_function
FROM sys.columns AS c
LEFT JOIN sys.types AS t ON t.user_type_id = c.user_type_id
LEFT JOIN sys.masked_columns AS mc
  ON mc.object_id = c.object_id AND mc.column_id = c.column_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
LEFT JOIN sys.identity_columns AS ic
  ON ic.object_id = c.object_id AND ic.column_id = c.column_id
LEFT JOIN sys.computed_columns AS cc
  ON cc.object_id = c.object_id AND cc.column_id = c.column_id
LEFT JOIN sys.extended_properties AS ep
  ON ep.class = 1 AND ep.major_id = c.object_id AND ep.minor_id = c.column_id
 AND ep.name = N'MS_Description'
WHERE c.object_id = @object_id
  AND (@column_pattern IS NULL OR c.name LIKE @column_pattern)
  AND (@after_object_id < c.object_id
       OR (@after_object_id = c.object_id AND @after_column_id < c.column_id))
ORDER BY c.object_id, c.column_id
"""

# Primary key and unique constraints with their key columns in key order (the index of
# a partitioned table also lists its partitioning column, with key_ordinal 0).
# Every ORDER BY here ends on a unique key: read_all pages with OFFSET, and a
# non-unique order can skip or repeat rows between pages.
KEY_CONSTRAINTS = """
SELECT kc.object_id AS constraint_id,
       kc.name AS constraint_name,
       kc.type AS constraint_type,
       col.name AS column_name
FROM sys.key_constraints AS kc
JOIN sys.index_columns AS ic
  ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
JOIN sys.columns AS col
  ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE kc.parent_object_id = @object_id AND ic.key_ordinal > 0
ORDER BY kc.type, kc.name, kc.object_id, ic.key_ordinal
"""

# Foreign keys from this table (parent) and to it (referenced), one row per column pair.
# Constraint names are unique only per schema, so keys are told apart by object_id.
# A key is a subcomponent of its parent table ("Metadata visibility configuration": the
# visibility of subcomponents is determined by permissions on the parent), so a user
# sees the key, and its sys.foreign_key_columns rows, even when it has no permission on
# the referenced table; then that table's sys.columns rows are not visible and
# OBJECT_NAME returns NULL for it ("if a caller does not have permission to view the
# object"). The outer join keeps such a key, with NULL to_* names.
FOREIGN_KEYS = """
SELECT fk.object_id AS constraint_id,
       fk.name AS constraint_name,
       fk.parent_object_id,
       fk.referenced_object_id,
       OBJECT_SCHEMA_NAME(fk.parent_object_id) AS from_schema,
       OBJECT_NAME(fk.parent_object_id) AS from_table,
       pc.name AS from_column,
       OBJECT_SCHEMA_NAME(fk.referenced_object_id) AS to_schema,
       OBJECT_NAME(fk.referenced_object_id) AS to_table,
       rc.name AS to_column,
       fk.delete_referential_action_desc AS on_delete,
       fk.update_referential_action_desc AS on_update
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
  ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
LEFT JOIN sys.columns AS rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE fk.parent_object_id = @object_id OR fk.referenced_object_id = @object_id
ORDER BY fk.name, fk.object_id, fkc.constraint_column_id
"""

# Indexes (not the heap, not hypothetical ones), one row per index column. What a row
# is follows sys.index_columns: key_ordinal > 0 is a key column; is_included_column = 1
# an INCLUDE column, or a column of a columnstore index (type 5 or 6, key_ordinal 0);
# key_ordinal 0 and not included with partition_ordinal > 0 is the partitioning column
# added to the index of a partitioned table. tables.py sorts key columns by key_ordinal.
# (column_store_order_ordinal is not read: SQL Server 2019 and earlier lack it.)
# filter_definition is NULL "for heap, nonfiltered index, or insufficient permissions on
# the table" (sys.indexes); has_filter tells the last case apart.
INDEXES = """
SELECT i.index_id,
       i.name AS index_name,
       i.type AS index_type,
       i.type_desc,
       i.is_unique,
       i.is_primary_key,
       i.is_disabled,
       i.has_filter,
       i.filter_definition,
       col.name AS column_name,
       ic.key_ordinal,
       ic.partition_ordinal,
       ic.is_descending_key,
       ic.is_included_column
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS col ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE i.object_id = @object_id AND i.index_id > 0 AND i.is_hypothetical = 0
ORDER BY i.index_id, ic.index_column_id
"""

# What kind of table it is, from sys.tables. `t.*`, not a column list: is_node and
# is_edge came in SQL Server 2017, ledger_type_desc in 2022, and naming a column the
# server lacks fails the statement (tables.py reads those that are there). history_* is
# the table holding its history, history_of_* the one whose history it holds; NULL names
# where the login may not see that table. sees_security_policies: whether the login sees
# every row-level security policy ("sys.security_policies", Permissions: ALTER ANY
# SECURITY POLICY, or VIEW DEFINITION on the policy, which the database's covers); a
# server that does not know the permission (NULL: before SQL Server 2016) has none.
TABLE_KIND = """
SELECT t.*,
       CASE WHEN HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'VIEW DEFINITION') = 0
             AND HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'ALTER ANY SECURITY POLICY') = 0
            THEN 0 ELSE 1 END AS sees_security_policies,
       OBJECT_SCHEMA_NAME(t.history_table_id) AS history_schema,
       OBJECT_NAME(t.history_table_id) AS history_name,
       OBJECT_SCHEMA_NAME(cur.object_id) AS history_of_schema,
       OBJECT_NAME(cur.object_id) AS history_of_name
FROM sys.tables AS t
LEFT JOIN sys.tables AS cur ON cur.history_table_id = t.object_id
WHERE t.object_id = @object_id
"""

# Row-level security predicates on the table ("sys.security_predicates",
# "sys.security_policies", SQL Server 2016+): a FILTER predicate hides rows from reads, a
# BLOCK predicate refuses writes (operation_desc says which). A login sees a policy only
# with a permission on it (metadata visibility), so an empty answer is not "no policy".
SECURITY_PREDICATES = """
SELECT OBJECT_SCHEMA_NAME(p.object_id) AS policy_schema,
       p.name AS policy_name,
       p.is_enabled,
       sp.predicate_type_desc,
       sp.operation_desc
FROM sys.security_predicates AS sp
JOIN sys.security_policies AS p ON p.object_id = sp.object_id
WHERE sp.target_object_id = @object_id
ORDER BY p.name, p.object_id, sp.security_predicate_id
"""

# DML triggers on the table with the statements that fire them ("sys.triggers",
# "sys.trigger_events"): a write runs them too, and an INSTEAD OF trigger runs in place
# of the write. A trigger is a subcomponent of its table, visible to whoever sees it.
TRIGGERS = """
SELECT tr.object_id,
       tr.name AS trigger_name,
       tr.is_disabled,
       tr.is_instead_of_trigger,
       te.type_desc AS event
FROM sys.triggers AS tr
JOIN sys.trigger_events AS te ON te.object_id = tr.object_id
WHERE tr.parent_id = @object_id
ORDER BY tr.name, tr.object_id, te.type
"""

# The columns of the table's full-text index, if it has one (at most one a table:
# "sys.fulltext_indexes", "sys.fulltext_index_columns"): CONTAINS and FREETEXT search them.
FULLTEXT_COLUMNS = """
SELECT c.name AS column_name, fi.is_enabled
FROM sys.fulltext_indexes AS fi
JOIN sys.fulltext_index_columns AS fc ON fc.object_id = fi.object_id
JOIN sys.columns AS c ON c.object_id = fc.object_id AND c.column_id = fc.column_id
WHERE fi.object_id = @object_id
ORDER BY fc.column_id
"""

# definition is NULL without VIEW DEFINITION.
CHECK_CONSTRAINTS = """
SELECT cc.name AS constraint_name, cc.definition, cc.is_disabled
FROM sys.check_constraints AS cc
WHERE cc.parent_object_id = @object_id
ORDER BY cc.name, cc.object_id
"""

# Sizes: sys.database_files.size is in 8 KB pages; type 0 = rows (data), 1 = log.
# ServiceObjective is only meaningful on Azure SQL (EngineEdition 5 or 8).
DATABASE_INFO = """
SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS product_version,
       CAST(SERVERPROPERTY('ProductLevel') AS nvarchar(128)) AS product_level,
       CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
       CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition,
       CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name,
       DB_NAME() AS database_name,
       d.compatibility_level,
       d.collation_name,
       CAST(DATABASEPROPERTYEX(DB_NAME(), 'ServiceObjective') AS nvarchar(128))
         AS service_objective,
       (SELECT CAST(SUM(CAST(f.size AS bigint)) * 8 / 1024.0 AS decimal(18, 2))
          FROM sys.database_files AS f WHERE f.type = 0) AS data_size_mb,
       (SELECT CAST(SUM(CAST(f.size AS bigint)) * 8 / 1024.0 AS decimal(18, 2))
          FROM sys.database_files AS f WHERE f.type = 1) AS log_size_mb
FROM sys.databases AS d
WHERE d.database_id = DB_ID()
"""

# Whether the login sees every table: the catalog shows a table's metadata to a user
# holding any permission on it ("Metadata visibility configuration"), which these
# database-wide permissions give on every table (db_datareader, db_datawriter). A DENY
# on a table still hides it, but for VIEW DEFINITION, which shows every object's.
_SEES_EVERY_TABLE = """CASE WHEN 1 IN (HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT'),
                            HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'INSERT'),
                            HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'UPDATE'),
                            HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'DELETE'),
                            HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION'))
                 THEN 1 ELSE 0 END"""
TABLE_VISIBILITY = f"""
SELECT USER_NAME() AS user_name,
       {_SEES_EVERY_TABLE} AS sees_every_table,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION') AS sees_denied_tables
"""

# What the login may do, without needing any special permission to ask. Whether it sees
# other sessions is not here: that permission depends on the engine (STATE_ACCESS).
PERMISSIONS = f"""
SELECT SUSER_SNAME() AS login_name,
       USER_NAME() AS user_name,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SHOWPLAN') AS showplan,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION') AS view_definition,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT') AS can_select,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'INSERT') AS can_insert,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'UPDATE') AS can_update,
       HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'DELETE') AS can_delete,
       {_SEES_EVERY_TABLE} AS sees_every_table,
       IS_ROLEMEMBER('db_owner') AS is_db_owner
"""

# The statement text is cut out of the batch with the request's byte offsets
# (statement_end_offset -1 means "to the end"); the offsets count bytes of nvarchar text.
# OUTER APPLY: sql_handle is nullable, and a request without one is listed with no text.
# (session_id, request_id) breaks ties, though live requests may change between pages.
LONG_RUNNING_QUERIES = """
SELECT r.session_id,
       r.status,
       r.command,
       r.start_time,
       CAST(r.total_elapsed_time / 1000.0 AS decimal(18, 1)) AS elapsed_s,
       CAST(r.cpu_time / 1000.0 AS decimal(18, 1)) AS cpu_s,
       r.wait_type,
       r.wait_time AS wait_ms,
       r.blocking_session_id,
       r.logical_reads,
       DB_NAME(r.database_id) AS database_name,
       s.login_name,
       s.host_name,
       s.program_name,
       SUBSTRING(t.text, r.statement_start_offset / 2 + 1,
         (CASE r.statement_end_offset WHEN -1 THEN DATALENGTH(t.text)
               ELSE r.statement_end_offset END - r.statement_start_offset) / 2 + 1)
         AS statement_text
FROM sys.dm_exec_requests AS r
JOIN sys.dm_exec_sessions AS s ON s.session_id = r.session_id
OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) AS t
WHERE r.session_id <> @@SPID
  AND s.is_user_process = 1
  AND r.total_elapsed_time >= @min_ms
ORDER BY r.total_elapsed_time DESC, r.session_id, r.request_id
"""

# The table @object_id and the tables of the foreign keys from it (sys.foreign_keys.
# referenced_object_id) and to it (parent_object_id); every table when it is NULL. A
# key is seen with its parent table ("Metadata visibility configuration"): one from a
# table the user cannot see is not there; one to such a table is, while that table's
# sys.objects and sys.columns rows are not.
_NEAR = """(@object_id IS NULL OR {id} = @object_id
       OR {id} IN (SELECT nfk.referenced_object_id FROM sys.foreign_keys AS nfk
                    WHERE nfk.parent_object_id = @object_id)
       OR {id} IN (SELECT nfk.parent_object_id FROM sys.foreign_keys AS nfk
                    WHERE nfk.referenced_object_id = @object_id))"""

# @object_ids, when not NULL, keeps the tables whose object_id is one of its comma-
# separated list (",12,34,"): DIAGRAM_TABLES' choice, or SCHEMA_PAGE's. CHARINDEX rather
# than STRING_SPLIT or OPENJSON, which need compatibility level 130. The list is sent as
# varchar(8000) (schema.OBJECT_IDS_TYPE), so at most schema.MAX_OBJECT_IDS ids: a longer
# string goes as nvarchar(max) or, as pyodbc binds it through the Microsoft driver, as
# ntext, which CHARINDEX does not take ("CHARINDEX (Transact-SQL)").
_CHOSEN = """(@object_ids IS NULL
       OR CHARINDEX(',' + CAST({id} AS varchar(11)) + ',', @object_ids) > 0)"""

# The tables a diagram of a database (or of @schema) draws when it has more than @top:
# those with the most foreign keys from and to them (sys.foreign_keys, seen with their
# parent table: "Metadata visibility configuration"), then by schema and name; `total`
# counts every table (COUNT(*) OVER () is computed before TOP). One cheap statement, so
# the diagram reads the columns and keys of these tables only.
DIAGRAM_TABLES = """
SELECT TOP (@top) o.object_id, COUNT(*) OVER () AS total
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN (SELECT fk.parent_object_id AS object_id FROM sys.foreign_keys AS fk
           UNION ALL
           SELECT fk.referenced_object_id FROM sys.foreign_keys AS fk
           WHERE fk.referenced_object_id <> fk.parent_object_id) AS k
  ON k.object_id = o.object_id
WHERE o.type = 'U' AND o.is_ms_shipped = 0
  AND (@schema IS NULL OR s.name = @schema)
GROUP BY o.object_id, s.name, o.name
ORDER BY COUNT(k.object_id) DESC, s.name, o.name
"""

# The tables, views, synonyms and table functions of each schema that has any, as the
# login sees them (metadata visibility): one statement, so the console's schema page of
# a large database lists schemas to pick from before reading any table's columns.
SCHEMA_SIZES = f"""
SELECT s.name AS schema_name,
       SUM(CASE o.type WHEN 'U' THEN 1 ELSE 0 END) AS table_count,
       SUM(CASE o.type WHEN 'V' THEN 1 ELSE 0 END) AS view_count,
       SUM(CASE o.type WHEN 'SN' THEN 1 ELSE 0 END) AS synonym_count,
       SUM(CASE WHEN o.type IN ({_TABLE_FUNCTIONS}) THEN 1 ELSE 0 END) AS function_count
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V', 'SN', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
GROUP BY s.name
ORDER BY s.name
"""

# A page of tables, views, synonyms and table functions (of @schema, when not NULL) after
# the (schema, name) of @after_schema_name and @after_object_name, in list_tables' order
# (LIST_TABLES): at most @top of them, and, when @chars is not NULL, those whose line of
# database://schema starts before @chars characters. `width` is a lower bound of that
# line: each column's name, system type's name, ", " and " ", the shortest "(n)" of a type
# with a length (varbinary 165, varchar 167, binary 173, char 175, nvarchar 231, nchar
# 239) or a scale (time 41, datetime2 42, datetimeoffset 43), "(p,s)" of decimal 106 and
# numeric 108, and "!" of NOT NULL (sys.types' system_type_id); PK marks and foreign keys
# left out. So the page holds every table that fits and few more. The running sum is SUM()
# OVER (ORDER BY ... ROWS UNBOUNDED PRECEDING) ("SELECT - OVER clause"). `total` counts
# the objects listed from the page's start on (COUNT(*) OVER () is computed before TOP),
# `synonym_total` and `function_total` the synonyms and table functions among them, so
# the line that says how many are left out names the kinds they are.
# One statement, so that schema_overview(object_ids=) reads the columns and keys of this
# page's tables only; a synonym, which has none, comes with its base object's name, a
# table function with the number of its parameters (as in LIST_TABLES).
_WIDTH = "(LEN(s.name) + LEN(o.name) + 3 + COALESCE(cw.columns_width, 0))"
SCHEMA_PAGE = f"""
SELECT TOP (@top) p.object_id, p.schema_name, p.object_name, p.base_object_name, p.total,
       p.synonym_total, p.function_total, p.parameter_count
FROM (SELECT o.object_id,
             s.name AS schema_name,
             o.name AS object_name,
             y.base_object_name,
             {_PARAMETER_COUNT} AS parameter_count,
             COUNT(*) OVER () AS total,
             SUM(CASE o.type WHEN 'SN' THEN 1 ELSE 0 END) OVER () AS synonym_total,
             SUM(CASE WHEN o.type IN ({_TABLE_FUNCTIONS}) THEN 1 ELSE 0 END) OVER ()
               AS function_total,
             SUM({_WIDTH}) OVER (ORDER BY s.name, o.name ROWS UNBOUNDED PRECEDING)
               - {_WIDTH} AS width_before
      FROM sys.objects AS o
      JOIN sys.schemas AS s ON s.schema_id = o.schema_id
      LEFT JOIN (SELECT c.object_id,
                        SUM(LEN(c.name) + COALESCE(LEN(TYPE_NAME(c.system_type_id)), 0) + 3
                            + CASE WHEN c.system_type_id IN (165, 167, 173, 175, 231, 239,
                                                             41, 42, 43) THEN 3
                                   WHEN c.system_type_id IN (106, 108) THEN 5 ELSE 0 END
                            + CASE WHEN c.is_nullable = 0 THEN 1 ELSE 0 END)
                          AS columns_width
                 FROM sys.columns AS c
                 GROUP BY c.object_id) AS cw ON cw.object_id = o.object_id
      LEFT JOIN sys.synonyms AS y ON y.object_id = o.object_id
      WHERE o.type IN ('U', 'V', 'SN', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
        AND (@schema IS NULL OR s.name = @schema)
        AND (@after_schema_name IS NULL OR s.name > @after_schema_name
             OR (s.name = @after_schema_name AND o.name > @after_object_name))) AS p
WHERE @chars IS NULL OR p.width_before < @chars
ORDER BY p.schema_name, p.object_name
"""

# Where the page of @top tables and views before SCHEMA_PAGE's page after (@after_...)
# starts: the table @top places before that page's first, whose (schema, name) that
# page's @after_... take; none when it is the first page (OFFSET ... FETCH, "SELECT -
# ORDER BY Clause"). One statement, for a link to the previous page.
PAGE_BEFORE = f"""
SELECT s.name AS schema_name, o.name AS object_name
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V', 'SN', {_TABLE_FUNCTIONS}) AND o.is_ms_shipped = 0
  AND (@schema IS NULL OR s.name = @schema)
  AND (s.name < @after_schema_name
       OR (s.name = @after_schema_name AND o.name <= @after_object_name))
ORDER BY s.name DESC, o.name DESC
OFFSET @top ROWS FETCH NEXT 1 ROWS ONLY
"""

# Every column of every user table and view, for the whole-schema overview (is_hidden:
# as in COLUMNS, a column SELECT * leaves out); tables are
# matched to their keys by object_id. It and the other ALL_ reads (and COLUMNS, of a
# table of up to 30,000 sparse columns) are read with reading.read_keyed: ordered by two
# ids, each page asks for the rows after the last one's (@after_...), where an OFFSET
# would have the server send every earlier row again. schema.py orders the tables by
# name. @schema, when not NULL, keeps one schema's tables and the keys whose parent
# table is one of them; @object_id, when not NULL, the tables _NEAR it and their keys:
# a diagram of one table reads those few, not the whole schema; @object_ids, when not
# NULL, the tables _CHOSEN and their keys, and the result columns of the table-valued
# functions among them (SCHEMA_PAGE's choice; a diagram's holds tables only).
ALL_COLUMNS = f"""
SELECT o.object_id,
       s.name AS schema_name,
       o.name AS object_name,
       CASE o.type WHEN 'U' THEN 'table' WHEN 'V' THEN 'view' ELSE 'table function' END
         AS object_type,
       c.name AS column_name,
       {_base_type("c")},
       c.max_length,
       c.[precision],
       c.scale,
       c.is_nullable,
       c.is_hidden,
       c.column_id
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.columns AS c ON c.object_id = o.object_id
LEFT JOIN sys.types AS t ON t.user_type_id = c.user_type_id
WHERE (o.type IN ('U', 'V') OR (@object_ids IS NOT NULL AND o.type IN ({_TABLE_FUNCTIONS})))
  AND o.is_ms_shipped = 0
  AND (@schema IS NULL OR s.name = @schema)
  AND {_NEAR.format(id="o.object_id")}
  AND {_CHOSEN.format(id="o.object_id")}
  AND (@after_object_id < o.object_id
       OR (@after_object_id = o.object_id AND @after_column_id < c.column_id))
ORDER BY o.object_id, c.column_id
"""

# Whether the user holds SELECT on the database ("HAS_PERMS_BY_NAME (Transact-SQL)":
# securable class DATABASE), as db_datareader and db_owner members do: the schema
# overview then asks nothing per column (a column DENY to such a user shows in
# describe_table only).
DATABASE_SELECT = "SELECT HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'SELECT') AS can_select"

# The columns of ALL_COLUMNS the user may not SELECT, asked of a user without SELECT on
# the database: HAS_PERMS_BY_NAME(table, 'OBJECT', 'SELECT', column, 'COLUMN') over every
# column (example H of "HAS_PERMS_BY_NAME (Transact-SQL)", there for one table), in one
# statement for the whole schema. Only the 0s come back: NULL ("not answered") is not
# known to be denied, as in COLUMNS. Ordered as ALL_COLUMNS is, so its first N rows hold
# every denied column among ALL_COLUMNS' first N (both are read up to the same limit).
# A table function's columns take column permissions too ("GRANT Object Permissions"),
# but are not asked here: the test server models column permissions on tables and views
# only, so a check of them could not be tested (COLUMNS asks them of one function).
ALL_COLUMNS_NO_SELECT = f"""
SELECT o.object_id,
       c.name AS column_name,
       c.column_id
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
JOIN sys.columns AS c ON c.object_id = o.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0
  AND HAS_PERMS_BY_NAME(QUOTENAME(s.name) + N'.' + QUOTENAME(o.name),
                        N'OBJECT', N'SELECT', c.name, N'COLUMN') = 0
  AND (@schema IS NULL OR s.name = @schema)
  AND {_NEAR.format(id="o.object_id")}
  AND {_CHOSEN.format(id="o.object_id")}
  AND (@after_object_id < o.object_id
       OR (@after_object_id = o.object_id AND @after_column_id < c.column_id))
ORDER BY o.object_id, c.column_id
"""

# Primary-key columns of every user table.
ALL_PRIMARY_KEYS = f"""
SELECT kc.parent_object_id AS object_id,
       col.name AS column_name,
       ic.key_ordinal
FROM sys.key_constraints AS kc
JOIN sys.index_columns AS ic
  ON ic.object_id = kc.parent_object_id AND ic.index_id = kc.unique_index_id
JOIN sys.columns AS col
  ON col.object_id = ic.object_id AND col.column_id = ic.column_id
WHERE kc.type = 'PK' AND ic.key_ordinal > 0
  AND (@schema IS NULL OR kc.parent_object_id IN (
         SELECT po.object_id FROM sys.objects AS po
         JOIN sys.schemas AS ps ON ps.schema_id = po.schema_id WHERE ps.name = @schema))
  AND {_NEAR.format(id="kc.parent_object_id")}
  AND {_CHOSEN.format(id="kc.parent_object_id")}
  AND (@after_object_id < kc.parent_object_id
       OR (@after_object_id = kc.parent_object_id AND @after_key_ordinal < ic.key_ordinal))
ORDER BY kc.parent_object_id, ic.key_ordinal
"""

# Every foreign key, one row per column pair, keyed on the constraint's object_id; a key
# to a table the user cannot see has NULL to_* names (see FOREIGN_KEYS).
ALL_FOREIGN_KEYS = f"""
SELECT fk.object_id AS constraint_id,
       fk.parent_object_id,
       pc.name AS from_column,
       OBJECT_SCHEMA_NAME(fk.referenced_object_id) AS to_schema,
       OBJECT_NAME(fk.referenced_object_id) AS to_table,
       rc.name AS to_column,
       fkc.constraint_column_id
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc
  ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
LEFT JOIN sys.columns AS rc
  ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE (@schema IS NULL OR fk.parent_object_id IN (
         SELECT po.object_id FROM sys.objects AS po
         JOIN sys.schemas AS ps ON ps.schema_id = po.schema_id WHERE ps.name = @schema))
  AND {_NEAR.format(id="fk.parent_object_id")}
  AND {_CHOSEN.format(id="fk.parent_object_id")}
  AND (@after_constraint_id < fk.object_id
       OR (@after_constraint_id = fk.object_id
           AND @after_constraint_column_id < fkc.constraint_column_id))
ORDER BY fk.object_id, fkc.constraint_column_id
"""
