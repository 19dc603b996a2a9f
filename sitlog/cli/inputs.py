"""What reaches sitlog from outside before any command runs: arguments, environment values, small files.

- An argument or ``SITLOG_*`` value that is not UTF-8 (``--note $'caf\\xe9'`` typed on a Latin-1 terminal)
  arrives as text holding surrogate escapes. It is refused with a message naming the option (exit 2):
  storing it would need a guess at the encoding, and a guess loses what was typed. Path arguments
  (``--db``, ``-o``, ``import FILE``) are exempt: a file name on Linux is bytes, and any bytes are fine.
- Small files read whole (``log --file``, ``places import``, the config file, the session file) are read
  up to a cap, and a device (``/dev/zero``) is refused: memory stays bounded whatever the input.

No typer here: the checks walk click's command tree (reached through the objects typer built).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from typing import Any

from sitlog.errors import InvalidInput, UsageError

SMALL_FILE_LIMIT = 64 << 20  # bytes: log --file and places import read their file whole
_SURROGATE = re.compile("[\ud800-\udfff]")
# Parameters whose value is a file name (exempt from the UTF-8 check): click Path types and these names.
_PATH_NAMES = frozenset({"db", "output", "dest", "file"})
KEYS_NOT_TEXT = frozenset({"SITLOG_DB", "SITLOG_CONFIG", "SITLOG_STATE_DIR"})  # paths


def not_utf8(text: str) -> bool:
    """Whether ``text`` holds a surrogate: an undecodable byte of an argument or environment value."""
    return _SURROGATE.search(text) is not None


def _shown(text: str) -> str:
    """The text quoted as the user's bytes would show, an undecodable byte as ``\\xe9``."""
    if re.search("[\ud800-\udc7f\udd00-\udfff]", text):  # not from a byte (an in-process caller's text)
        return ascii(text[:60])
    return repr(text.encode("utf-8", "surrogateescape")[:60])[1:]


def refuse_not_utf8(what: str, text: str) -> UsageError:
    return UsageError(
        f"{what} is not UTF-8 text ({_shown(text)}): set the terminal or the script's locale to UTF-8 "
        "(e.g. LANG=C.UTF-8) and type it again"
    )


def check_arguments(root: Any, args: list[str]) -> None:
    """Raise UsageError (exit 2) naming the first argument that is not UTF-8 text, unless it is a file name.

    ``args`` are the command line after the program name; ``root`` is the click group typer built. Options
    are matched to the command they follow (``sitlog log control X --note …``: ``log control``'s ``--note``).
    """
    if not any(not_utf8(a) for a in args):
        return
    command = root
    positional = 0
    expects: Any = None  # the option waiting for its value
    only_arguments = False
    for arg in args:
        if expects is not None:
            _check_value(expects, arg, expects.opts[-1] if expects.opts else expects.name)
            expects = None
            continue
        if not only_arguments and arg == "--":
            only_arguments = True
            continue
        if not only_arguments and arg.startswith("-") and len(arg) > 1:
            name, eq, value = arg.partition("=")
            param = _option(command, name) or _option(root, name)
            if param is None:
                if not_utf8(arg):
                    raise refuse_not_utf8("an option", arg)
                continue
            if _is_flag(param):
                continue
            if eq:
                _check_value(param, value, name)
            else:
                expects = param
            continue
        sub = command.get_command(None, arg) if hasattr(command, "get_command") else None  # builds it (lazy root)
        if sub is not None:
            command, positional = sub, 0
            continue
        arguments = [p for p in getattr(command, "params", []) if type(p).__name__.endswith("Argument")]
        param = arguments[min(positional, len(arguments) - 1)] if arguments else None
        positional += 1
        label = f"argument {param.human_readable_name}" if param is not None else "an argument"
        if param is None or not _is_path(param):
            if not_utf8(arg):
                raise refuse_not_utf8(label, arg)


def _option(command: Any, name: str) -> Any:
    for param in getattr(command, "params", []):
        if name in getattr(param, "opts", ()) or name in getattr(param, "secondary_opts", ()):
            return param
    return None


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def _is_path(param: Any) -> bool:
    return param.name in _PATH_NAMES or getattr(param.type, "name", "") in ("path", "filename")


def _check_value(param: Any, value: str, name: str) -> None:
    if not _is_path(param) and not_utf8(value):
        raise refuse_not_utf8(name, value)


def check_environment(names: list[str]) -> None:
    """Raise UsageError naming the first of the ``names`` environment variables that is set but not UTF-8."""
    for name in names:
        value = os.environ.get(name)
        if value is not None and name not in KEYS_NOT_TEXT and not_utf8(value):
            raise refuse_not_utf8(f"environment variable {name}", value)


def read_small_file(file: str, limit: int = SMALL_FILE_LIMIT) -> bytes:
    """The bytes of ``file`` (``-``: standard input), read whole but never more than ``limit``.

    Raises InvalidInput (exit 3) for a device (``/dev/zero`` never ends), a directory, a file that cannot be
    read, or one larger than ``limit`` — having read at most ``limit + 1`` bytes of it.
    """
    if file == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode("utf-8")
        label = "stdin"
    else:
        label = file
        try:
            with open(file, "rb") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                    raise InvalidInput(f"cannot read {file}: a device, not a file")
                data = handle.read(limit + 1)
        except OSError as exc:
            raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InvalidInput(f"{label} is larger than {limit >> 20} MiB, the most sitlog reads at once: split it")
    return data


def read_config_bytes(path: os.PathLike[str] | str, limit: int = 1 << 20) -> bytes | None:
    """A settings file's bytes (None when it does not exist); never blocks on a FIFO nor reads a device.

    Raises OSError (with ``strerror``) for anything but a regular file of at most ``limit`` bytes.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(0, f"larger than {limit >> 20} MiB")
    return data
