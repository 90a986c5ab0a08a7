"""sys.fulltext_indexes and sys.fulltext_index_columns, empty: this server makes no
full-text index (docs/test-server-limits.md), and a catalog query that joins them must
still run. Columns from the two views' pages."""

from __future__ import annotations

FULLTEXT_INDEXES = (
    "object_id int, unique_index_id int, fulltext_catalog_id int, is_enabled bit,"
    " change_tracking_state char(1), change_tracking_state_desc nvarchar(60),"
    " has_crawl_completed bit, crawl_type char(1), crawl_type_desc nvarchar(60),"
    " crawl_start_date datetime, crawl_end_date datetime, incremental_timestamp binary(8),"
    " stoplist_id int, property_list_id int, data_space_id int",
    "SELECT " + ", ".join(["NULL"] * 15) + " WHERE 0",
)

FULLTEXT_INDEX_COLUMNS = (
    "object_id int, column_id int, type_column_id int, language_id int, statistical_semantics int",
    "SELECT " + ", ".join(["NULL"] * 5) + " WHERE 0",
)
