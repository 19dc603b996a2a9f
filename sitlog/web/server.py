"""Serving the web view: Datasette's app over an immutable connection, run by uvicorn on a socket bound here.

Datasette's own Python API and uvicorn, in this process, rather than exec'ing ``datasette serve``: the
port is bound here first, so a taken port or a bad host is one ``Error:`` line with sitlog's exit code
before anything starts; the metadata is a dict (no temporary metadata file written anywhere); every
connection comes from ``store.opening.connect_immutable`` (``immutable=1``, ``query_only``, the path
percent-encoded — Datasette 0.65 pastes the path into its URI unescaped); and Ctrl-C ends through
sitlog's own handler (uvicorn shuts down, re-raises SIGINT, ``Interrupted``, exit 130).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sitlog.errors import Busy, InvalidInput, StorageError, UsageError
from sitlog.store.opening import connect_immutable, wal_has_content
from sitlog.web.view import DATABASE, metadata, settings

INSTALL = "pip install 'sitlog[web]'"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001  # Datasette's


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: any free one).

    Raises ``Busy`` (exit 5: retrying later may help) when the port is taken, ``InvalidInput`` (exit 3)
    for a host that is not this machine's or a port one may not use."""
    if not host.strip():
        raise InvalidInput("--host is empty: give an address of this machine (127.0.0.1 serves only it)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InvalidInput(f"--host {host!r} is not an address of this machine ({exc.strerror})") from None
    except (UnicodeError, ValueError):  # not a name a resolver takes (IDNA refuses it, or a NUL)
        raise InvalidInput(f"--host {host!r} is not a host name or address") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait for TIME_WAIT
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Busy(f"port {port} on {host} is in use (another server?); choose another with --port") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InvalidInput(f"port {port} on {host} needs privileges; choose one above 1023 with --port") from None
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_only(app: Asgi) -> Asgi:
    """``app`` answering any request that is not a read (POST, PUT, DELETE…) with 405 before Datasette sees it:
    the view has no form, login or API that writes (Datasette 0.65 answers some such paths with a 500)."""

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in _READS:
            body = b"405 Method Not Allowed: the sitlog web view is read-only\n"
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD, OPTIONS"),
                       (b"content-length", str(len(body)).encode())]  # fmt: skip
            await send({"type": "http.response.start", "status": 405, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return guarded


def url(host: str, port: int, base_url: str = "/") -> str:
    """Where a browser on this machine finds the view (an IPv6 host in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{base_url}{DATABASE}"


def require_web() -> None:
    """Raise ``UsageError`` (exit 2, as ``sitlog chart`` without matplotlib) unless the ``web`` extra is here."""
    try:
        import datasette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise UsageError(f"`sitlog serve` needs Datasette, an optional extra: {INSTALL}") from None


def serve(path: Path, host: str, port: int, base_url: str, notify: Callable[[str], None]) -> None:
    """Publish the database at ``path`` read-only until interrupted (Ctrl-C: ``KeyboardInterrupt``).

    ``path`` must have been checked by the caller as a readable sitlog database of this schema.
    Raises ``UsageError`` (exit 2) without the ``web`` extra, ``Busy`` (exit 5) for a taken port or a
    database with changes still in its -wal file, ``InvalidInput`` (exit 3) for a bad host or port."""
    try:
        import uvicorn
        from datasette.app import Datasette
        from datasette.database import Database
    except ImportError:
        raise UsageError(f"`sitlog serve` needs Datasette, an optional extra: {INSTALL}") from None
    if not base_url.startswith("/") or not base_url.endswith("/"):
        raise InvalidInput(f"--base-url must start and end with '/', not {base_url!r}")
    if wal_has_content(path):
        # An immutable reader ignores the -wal file, and a checkpoint would change the file under it.
        raise Busy(
            f"{path} is being written (its -wal file holds changes not yet in it); try again when the writer "
            f"is done, or serve a copy: sitlog backup COPY.db && sitlog --db COPY.db serve"
        )

    class ImmutableDatabase(Database):  # type: ignore[misc]
        def connect(self, write: bool = False) -> Any:
            if write:
                raise StorageError("the sitlog web view never writes")
            conn = connect_immutable(path)
            self._all_file_connections.append(conn)  # closed by Database.close (Datasette 0.65)
            return conn

    sock = bind(host, port)
    try:
        ds = Datasette(metadata=metadata(), settings=settings(base_url))
        ds.remove_database("_memory")  # added when no file is given; not ours to show
        ds.add_database(ImmutableDatabase(ds, str(path), is_mutable=False), name=DATABASE)
        config = uvicorn.Config(read_only(ds.app()), log_level="warning", access_log=False, lifespan="on")
        notify(f"serving {path} read-only at {url(host, sock.getsockname()[1], base_url)} (Ctrl-C stops)")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
