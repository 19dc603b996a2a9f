"""sitlog: a command-line situation log for conflict monitoring."""

__version__ = "0.1.0"
