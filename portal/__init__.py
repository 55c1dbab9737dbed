"""Service Center Portal: the application package (everything that is not a page or the schema)."""
