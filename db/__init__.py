"""The database: engine and sessions, the embedded server, models, audit capture, migrations."""
