"""Storage: tables, the hot-path SQL, bulk writes, the database and the unit of work."""
