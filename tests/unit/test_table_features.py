"""What describe_table says of table kinds and column features the TDS test server does not
make (Always Encrypted, graph, ledger, memory-optimized, external tables, FileTables), from
sys.tables and sys.columns rows as SQL Server returns them; and that a server without
the newer sys.tables columns (is_node before 2017, ledger_type_desc before 2022) reads."""

from __future__ import annotations

from typing import Any

from azsql_mcp import catalog
from azsql_mcp.catalog.table_features import table_kind, triggers_of
from azsql_mcp.catalog.tables import _column, _partition_columns

# sys.tables of SQL Server 2016: no is_node, is_edge, ledger_type_desc
TABLES_2016 = {
    "object_id": 1,
    "name": "T",
    "temporal_type_desc": "NON_TEMPORAL_TABLE",
    "history_table_id": None,
    "is_memory_optimized": False,
    "durability_desc": "SCHEMA_AND_DATA",
    "is_external": False,
    "is_filetable": False,
    "history_schema": None,
    "history_name": None,
    "history_of_schema": None,
    "history_of_name": None,
}


def _column_row(**changes: Any) -> dict[str, Any]:
    row = {
        "column_name": "C",
        "type_name": "int",
        "base_type": "int",
        "max_length": 4,
        "precision": 10,
        "scale": 0,
        "is_nullable": True,
        "is_identity": False,
        "is_computed": False,
        "has_default": 0,
        "default_definition": None,
        "identity_seed": None,
        "identity_increment": None,
        "computed_definition": None,
        "is_persisted": None,
        "description": None,
        "can_select": 1,
        "collation_name": None,
        "is_hidden": False,
        "generated_always_type_desc": "NOT_APPLICABLE",
        "is_sparse": False,
        "is_column_set": False,
        "encryption_type_desc": None,
        "masking_function": None,
    }
    return row | changes


def _description() -> dict[str, Any]:
    return {
        "schema_name": "dbo",
        "name": "T",
        "type": "table",
        "description": None,
        "row_count": 1,
        "columns": [],
        "primary_key": None,
        "unique_constraints": [],
        "foreign_keys": [],
        "referenced_by": [],
        "indexes": [],
        "check_constraints": [],
    }


def _text(
    kind: catalog.TableFeatures,
    *columns: catalog.ColumnDetail,
    triggers: list[catalog.Trigger] | None = None,
    fulltext: list[str] | None = None,
) -> str:
    features = kind.model_copy(
        update={"triggers": triggers or [], "fulltext_columns": fulltext or []}
    )
    info = catalog.TableDescription.model_validate(
        _description() | {"columns": list(columns), "features": features}
    )
    return catalog.render_description(info)


def test_a_2016_server_without_the_newer_columns_reads_as_a_plain_table() -> None:
    assert table_kind([TABLES_2016]) == catalog.TableFeatures()
    assert table_kind([]) == catalog.TableFeatures()  # a view


def test_policies_the_login_may_not_see_are_said_to_be_unseen_until_one_shows() -> None:
    # sees_security_policies: VIEW DEFINITION or ALTER ANY SECURITY POLICY on the database
    assert not table_kind([TABLES_2016 | {"sees_security_policies": 1}]).row_security_hidden
    unseen = table_kind([TABLES_2016 | {"sees_security_policies": 0}])
    assert unseen.row_security_hidden
    assert "row-level security policies are not shown to this login" in _text(unseen)
    # a policy it does see (VIEW DEFINITION on that one) is listed instead
    seen = unseen.model_copy(
        update={
            "row_security": [
                catalog.SecurityPredicate(
                    policy="Sec.P", type="FILTER", operation=None, enabled=True
                )
            ]
        }
    )
    text = _text(seen)
    assert "ROW-LEVEL SECURITY FILTER predicate of Sec.P" in text
    assert "not shown to this login" not in text


def test_memory_optimized_graph_ledger_external_and_filetable() -> None:
    row = TABLES_2016 | {
        "is_memory_optimized": True,
        "durability_desc": "SCHEMA_ONLY",
        "is_node": True,
        "is_edge": False,
        "ledger_type_desc": "APPEND_ONLY_LEDGER_TABLE",
    }
    kind = table_kind([row])
    assert (kind.memory_optimized, kind.graph, kind.ledger) == (
        "SCHEMA_ONLY",
        "NODE",
        "APPEND_ONLY_LEDGER_TABLE",
    )
    text = _text(kind)
    assert "MEMORY_OPTIMIZED, DURABILITY = SCHEMA_ONLY: its rows are lost on restart" in text
    assert "LEDGER APPEND_ONLY_LEDGER_TABLE: no UPDATE or DELETE" in text
    assert "NODE table: $node_id identifies a row" in text
    assert "EXTERNAL" not in text and "FILETABLE" not in text
    text = _text(catalog.TableFeatures(external=True, filetable=True, graph="EDGE"))
    assert "EXTERNAL table: its rows come from an external data source" in text
    assert "FILETABLE: its rows are the files and directories" in text
    assert "EDGE table: $edge_id, $from_id, $to_id; join its nodes with MATCH" in text


def test_a_graph_tables_pseudo_column_says_how_to_query_it() -> None:
    node_id = _column(_column_row(column_name="$node_id_6A8A5E5AB2DE4E2FA0C1A4D5C02C43C2"))
    graph_id = _column(_column_row(column_name="graph_id_B1C9E0D2", is_hidden=True))
    text = _text(catalog.TableFeatures(graph="NODE"), node_id, graph_id)
    assert "  [$node_id_6A8A5E5AB2DE4E2FA0C1A4D5C02C43C2] int NULL (query it as $node_id)" in text
    assert "  graph_id_B1C9E0D2 int NULL HIDDEN (internal graph column)\n" in text
    assert "name them" not in text
    # not a graph table: a column named so is only a name
    assert "query it as" not in _text(catalog.TableFeatures(), node_id)


def test_an_encrypted_column_is_said_to_be_ciphertext() -> None:
    ssn = _column(_column_row(column_name="SSN", encryption_type_desc="DETERMINISTIC"))
    assert ssn.encrypted == "DETERMINISTIC"
    text = _text(catalog.TableFeatures(), ssn)
    assert "  SSN int NULL ENCRYPTED (DETERMINISTIC)" in text
    assert "ENCRYPTED columns (Always Encrypted) read as ciphertext" in text


def test_ledger_generated_columns_read_as_their_syntax() -> None:
    start = _column(
        _column_row(
            column_name="ledger_start_transaction_id",
            generated_always_type_desc="AS_TRANSACTION_ID_START",
            is_hidden=True,
        )
    )
    text = _text(catalog.TableFeatures(ledger="UPDATABLE_LEDGER_TABLE"), start)
    assert "GENERATED ALWAYS AS TRANSACTION_ID START HIDDEN" in text
    assert "LEDGER UPDATABLE_LEDGER_TABLE\n" in text


def test_a_history_table_hidden_from_the_login_is_said_so() -> None:
    text = _text(catalog.TableFeatures(temporal="SYSTEM_VERSIONED_TEMPORAL_TABLE"))
    assert f"past versions of rows are in {catalog.TABLE_HIDDEN};" in text


def test_triggers_say_when_they_run_and_on_what() -> None:
    rows = [
        {
            "object_id": 7,
            "trigger_name": "trg_audit",
            "is_disabled": False,
            "is_instead_of_trigger": False,
            "event": "INSERT",
        },
        {
            "object_id": 7,
            "trigger_name": "trg_audit",
            "is_disabled": False,
            "is_instead_of_trigger": False,
            "event": "UPDATE",
        },
        {
            "object_id": 9,
            "trigger_name": "trg_view",
            "is_disabled": True,
            "is_instead_of_trigger": True,
            "event": "DELETE",
        },
    ]
    triggers = triggers_of(rows)
    assert [(t.name, t.events) for t in triggers] == [
        ("trg_audit", ["INSERT", "UPDATE"]),
        ("trg_view", ["DELETE"]),
    ]
    text = _text(catalog.TableFeatures(), triggers=triggers)
    assert "TRIGGER trg_audit AFTER INSERT, UPDATE\n" in text
    assert "TRIGGER trg_view INSTEAD OF DELETE (disabled)\n" in text


def test_a_fulltext_index_says_which_columns_contains_searches() -> None:
    text = _text(catalog.TableFeatures(), fulltext=["Name", "Description"])
    assert "FULLTEXT INDEX (Name, Description): search them with CONTAINS or FREETEXT" in text


def _index_row(index_id: int, column: str, key: int, partition: int) -> dict[str, Any]:
    return {
        "index_id": index_id,
        "column_name": column,
        "key_ordinal": key,
        "partition_ordinal": partition,
    }


def test_a_partitioned_tables_column_is_said() -> None:
    rows = [
        _index_row(1, "OrderID", 1, 0),
        _index_row(1, "OrderDate", 2, 1),  # a key column that partitions too
        _index_row(2, "CustomerID", 1, 0),
        _index_row(2, "OrderDate", 0, 1),
    ]
    assert _partition_columns(rows) == ["OrderDate"]
    assert _partition_columns(rows[:1]) == []
    info = catalog.TableDescription.model_validate(
        {**_description(), "features": {"partitioned_on": ["OrderDate"]}}
    )
    text = catalog.render_description(info)
    assert "PARTITIONED ON (OrderDate): a WHERE on it reads only the partitions it selects" in text


def test_a_rowversion_column_is_said_not_to_be_a_date() -> None:
    row = _column_row(column_name="RowVer", type_name="timestamp", base_type="timestamp")
    text = _text(catalog.TableFeatures(), _column(row))
    assert "  RowVer timestamp NULL (rowversion: not a date)" in text
