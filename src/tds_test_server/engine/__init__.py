"""The SQLite-backed T-SQL engine: sessions, translation to SQLite, functions, the
system catalog, showplan and the CLR types. Import its modules directly
(`tds_test_server.engine.engine.Engine`); this package does not load them eagerly,
so that the wire layer can start without SQLite and sqlglot."""
