"""``python -m sitlog`` and the ``sitlog`` console script.

The entry point stays light and imports the command line inside its guard: a Ctrl-C while Python is still
loading sitlog ends like one during a command — ``Interrupted``, exit 130, no traceback. (Before this
module runs, in the first few tens of milliseconds while Python itself starts, Ctrl-C is Python's.)
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing here would widen the unguarded start (≈ 5 ms)
if TYPE_CHECKING:
    from typing import Any, NoReturn


def main() -> None:
    """Run the command line; Ctrl-C at any moment of sitlog's run, start-up included, exits 130 quietly."""
    try:
        try:
            sys.unraisablehook = _unraisable
            import signal

            signal.signal(signal.SIGINT, _interrupt)
            from sitlog.cli import main as run

            run()
        finally:
            # Leaving now, whatever happened: a second Ctrl-C must not turn the exit into a traceback.
            import signal

            signal.signal(signal.SIGINT, signal.SIG_IGN)
    except SystemExit as exc:
        if exc.code == 130:
            # sitlog's own handlers said "Interrupted" before exiting 130; Typer turns a Ctrl-C that escaped
            # them (one landing as the command ends, in its clean-up) into a bare Exit(130) with the
            # KeyboardInterrupt as its cause: say it then.
            escaped = exc.__context__ is not None and isinstance(exc.__context__.__cause__, KeyboardInterrupt)
            _exit_interrupted(quiet=not escaped)
        raise
    except BaseException as exc:
        if not _caused_by_ctrl_c(exc):
            raise
        _exit_interrupted(quiet=False)


def _interrupt(signum: int, frame: Any) -> None:
    """Python's own SIGINT behaviour (KeyboardInterrupt), remembered: SQLite turns one raised inside a Python
    function it called into an OperationalError, which must still end as a Ctrl-C."""
    from sitlog.errors import note_ctrl_c

    note_ctrl_c()
    raise KeyboardInterrupt


def _caused_by_ctrl_c(exc: BaseException | None) -> bool:
    """A KeyboardInterrupt, or an error Python raised because of one (a class body interrupted while
    being built surfaces as ``RuntimeError: Error calling __set_name__``)."""
    from sitlog.errors import ctrl_c_seen

    if ctrl_c_seen():
        return True
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _exit_interrupted(quiet: bool) -> NoReturn:
    import os

    if not quiet:
        sys.stderr.write("Interrupted\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    # Not sys.exit: Python ends with SIGINT (not 130) once a Ctrl-C has escaped an eval() anywhere, even
    # if it was handled; the store's transactions were rolled back and closed on the way out already.
    os._exit(130)


def _unraisable(info: Any) -> None:
    # A Ctrl-C landing in a weakref callback or a __del__ would be printed and swallowed: raise it again
    # where it can end the command.
    if isinstance(info.exc_value, KeyboardInterrupt):
        import signal

        signal.raise_signal(signal.SIGINT)
        return
    sys.__unraisablehook__(info)


if __name__ == "__main__":
    main()
