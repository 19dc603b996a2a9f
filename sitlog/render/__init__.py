"""The output layer, and the only importer of rich and tabulate.

``output`` draws any ``Report`` in any format (and writes stderr lines); ``events`` turns events,
places, actors, revisions and receipts into reports or lines; ``reports`` the analyst reports.
Nothing here reads the database. Import the module you need: this package imports none of them, so
that a ``log`` command does not pay for the report tables.
"""
