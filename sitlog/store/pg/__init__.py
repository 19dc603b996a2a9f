"""The PostgreSQL store: sitlog's SQL run on a PostgreSQL server through psycopg 3 (issue 16).

The rest of the store is written once, in SQLite's dialect. Everything that differs on PostgreSQL lives
here: the URL (``target``), the connection that speaks the sqlite3 interface the store uses and
rewrites each statement (``connection``, ``dialect``), the schema with the SQLite functions the queries
call (``schema``), and opening, locking and migrating (``store``). psycopg is imported only when a
``postgresql://`` URL is opened: the SQLite default never pays for it.
"""
