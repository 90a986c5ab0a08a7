"""The database path: source, pool, driver process, SQL guard, errors and retries,
connection strings and drivers."""
