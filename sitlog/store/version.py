"""The schema version this sitlog writes and the SQLite it runs on, readable without loading the schema
(``sitlog --version`` answers before Typer or the store are imported).

``schema.py`` refuses to import when its migrations and this number disagree, so they cannot drift.
"""

import sqlite3

SCHEMA_VERSION = 10
SQLITE_VERSION = sqlite3.sqlite_version
