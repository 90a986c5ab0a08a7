"""One NULL per unique key, through both ODBC drivers. SQL Server's UNIQUE constraints
and unique indexes allow NULL, but "only one null value is allowed per column" ("Unique
constraints and check constraints"); a composite key's second row whose values are all
equal, NULLs counted as equal, is a duplicate: 2627 for a constraint, 2601 for an index,
1505 for CREATE UNIQUE INDEX over such rows ("Database Engine events and errors (1000 to
1999)", "(2000 to 2999)"). A filtered unique index (WHERE a IS NOT NULL) is how many
NULLs are allowed."""

from __future__ import annotations

import itertools
from contextlib import closing

import pyodbc
import pytest

_names = itertools.count()


def _tables(prefix: str) -> list[tuple[str, str]]:
    """A permanent table and a temporary one: (name, as 2627/2601/1505 name it)."""
    name = f"{prefix}_{next(_names)}"
    return [(name, rf"dbo\.{name}"), (f"#{prefix}", rf"dbo\.#{prefix}")]


def test_a_unique_constraint_takes_one_null(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for table, shown in _tables("uq_null"):
            tag = table.lstrip("#")
            cur.execute(
                f"CREATE TABLE {table} (id int, code varchar(5) CONSTRAINT uq_code_{tag}"
                f" UNIQUE, a int, b varchar(5), CONSTRAINT uq_ab_{tag} UNIQUE (a, b))"
            )
            cur.execute(f"INSERT INTO {table} VALUES (1, NULL, 1, NULL)")
            duplicate = (
                rf"Violation of UNIQUE KEY constraint 'uq_code_{tag}'\. Cannot insert"
                rf" duplicate key in object '{shown}'\. The duplicate key value is \(<NULL>\)\."
                r".*\(2627\)"
            )
            with pytest.raises(pyodbc.IntegrityError, match=duplicate):
                cur.execute(f"INSERT INTO {table} VALUES (2, NULL, 2, NULL)")
            both = rf"'uq_ab_{tag}'.* value is \(1, <NULL>\)\..*\(2627\)"
            with pytest.raises(pyodbc.IntegrityError, match=both):
                cur.execute(f"INSERT INTO {table} VALUES (2, 'x', 1, NULL)")
            # a key with a NULL differs from one without, and from one NULL elsewhere
            cur.execute(f"INSERT INTO {table} VALUES (3, 'y', 1, 'z'), (4, 'w', NULL, 'z')")
            cur.execute(f"INSERT INTO {table} VALUES (5, 'v', NULL, NULL)")
            with pytest.raises(pyodbc.IntegrityError, match=r"\(<NULL>, <NULL>\).*\(2627\)"):
                cur.execute(f"INSERT INTO {table} VALUES (6, 'u', NULL, NULL)")
            with pytest.raises(pyodbc.IntegrityError, match=rf"'uq_code_{tag}'.*\(2627\)"):
                cur.execute(f"UPDATE {table} SET code = NULL WHERE id = 3")
            cur.execute(f"SELECT count(*) FROM {table}")
            assert cur.fetchone()[0] == 4


def test_a_unique_constraint_added_by_alter_table_takes_one_null(
    cursor: closing[pyodbc.Cursor],
) -> None:
    name = f"uq_alter_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int, code varchar(5))")
        cur.execute(f"ALTER TABLE {name} ADD CONSTRAINT uq_{name} UNIQUE (code)")
        cur.execute(f"INSERT INTO {name} VALUES (1, NULL)")
        with pytest.raises(pyodbc.IntegrityError, match=rf"'uq_{name}'.*<NULL>.*\(2627\)"):
            cur.execute(f"INSERT INTO {name} VALUES (2, NULL)")
        cur.execute(f"ALTER TABLE {name} DROP CONSTRAINT uq_{name}")
        cur.execute(f"INSERT INTO {name} VALUES (2, NULL)")  # its NULL-key index went with it


def test_a_unique_index_takes_one_null_unless_filtered(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for table, shown in _tables("ux_null"):
            cur.execute(f"CREATE TABLE {table} (a int, b varchar(5))")
            cur.execute(f"CREATE UNIQUE INDEX ux ON {table} (a)")
            cur.execute(f"CREATE UNIQUE INDEX ux_b ON {table} (b) WHERE b IS NOT NULL")
            cur.execute(f"INSERT INTO {table} VALUES (NULL, NULL), (1, NULL), (2, NULL)")
            duplicate = (
                rf"Cannot insert duplicate key row in object '{shown}' with unique index 'ux'\."
                r" The duplicate key value is \(<NULL>\)\..*\(2601\)"
            )
            with pytest.raises(pyodbc.IntegrityError, match=duplicate):
                cur.execute(f"INSERT INTO {table} VALUES (NULL, 'x')")
            cur.execute(f"DROP INDEX ux ON {table}")
            cur.execute(f"INSERT INTO {table} VALUES (NULL, 'x')")  # its NULL rule went too
            with pytest.raises(pyodbc.IntegrityError, match=r"'ux_b'.*\(x\).*\(2601\)"):
                cur.execute(f"INSERT INTO {table} VALUES (3, 'x')")


def test_a_unique_index_over_two_nulls_is_1505(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        for table, shown in _tables("ux_1505"):
            cur.execute(f"CREATE TABLE {table} (a int, b varchar(5))")
            cur.execute(f"INSERT INTO {table} VALUES (1, NULL), (1, NULL), (2, 'x')")
            found = (
                rf"duplicate key was found for the object name '{shown}' and the index name"
                r" 'ux'\. The duplicate key value is \(1, <NULL>\)\..*\(1505\)"
            )
            with pytest.raises(pyodbc.Error, match=found):
                cur.execute(f"CREATE UNIQUE INDEX ux ON {table} (a, b)")
            cur.execute(f"CREATE UNIQUE INDEX ux ON {table} (a, b) WHERE b IS NOT NULL")
            cur.execute(f"INSERT INTO {table} VALUES (1, NULL)")  # filtered out
