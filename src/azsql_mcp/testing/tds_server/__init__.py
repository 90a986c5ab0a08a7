"""A pure-Python TDS 7.4 test server backed by SQLite. A test double, not SQL Server."""
