"""The read-only web view of the log (``sitlog serve``): Datasette's configuration and its server.

Datasette and uvicorn (the optional extra ``sitlog[web]``) are imported here only, and only when a view
is served. Ranked with ``ops``: it may use ``store`` (the canned queries' SQL, the immutable connection)
and ``domain``, and only ``cli`` uses it.
"""
