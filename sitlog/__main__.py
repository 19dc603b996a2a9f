"""``python -m sitlog`` and the ``sitlog`` console script.

The entry point stays light and imports the command line inside its guard: a Ctrl-C while Python is still
loading sitlog ends like one during a command — ``Interrupted``, exit 130, no traceback.
"""

from __future__ import annotations


def main() -> None:
    """Run the command line; Ctrl-C at any moment, start-up included, exits 130 quietly."""
    import signal
    import sys

    try:
        try:
            from sitlog.cli import main as run

            run()
        finally:
            # Leaving now, whatever happened: a second Ctrl-C must not turn the exit into a traceback.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
