"""Where the running server listens, left in DATA_DIR so a second terminal can name it.

``booksync serve`` (and ``booksync run``, which starts it) writes ``$DATA_DIR/server.json``
just before gunicorn takes over its process: the process id and the address it binds. A
command run later from another terminal with nothing exported (``createadmin``,
``doctor``, ``setup``) reads it back, so it names the port the site really runs on rather
than the default of its own empty environment. A record whose process has gone is ignored.
Only ``site_url`` reads Django's settings: the CLI writes the record before Django starts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from booksync.config import is_set

FILE_NAME = "server.json"
ANY_ADDRESS = {"0.0.0.0", "::", ""}


@dataclass(frozen=True)
class Running:
    host: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ANY_ADDRESS else self.host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"


def address_file(data_dir: Path | str) -> Path:
    return Path(data_dir) / FILE_NAME


def leave(data_dir: Path | str, host: str, port: int, pid: int | None = None) -> Path:
    """Record that this process (``pid``) serves on ``host:port``."""
    path = address_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"host": host, "port": int(port), "pid": pid or os.getpid()}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record))
    temporary.chmod(0o600)
    temporary.replace(path)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def running(data_dir: Path | str) -> Running | None:
    """The server that left its address in ``data_dir`` and still runs, else None."""
    try:
        record = json.loads(address_file(data_dir).read_text())
        found = Running(str(record["host"]), int(record["port"]), int(record["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if found.pid > 0 and _alive(found.pid) else None


def site_address(data_dir: Path | str, site_url: str, *, site_url_set: bool) -> str:
    """The address to give a person: SITE_URL when it is set (the public one), else the running
    server's, else the default SITE_URL (nothing runs yet; ``booksync run`` will serve there)."""
    if site_url_set:
        return site_url.rstrip("/")
    server = running(data_dir)
    return server.url if server else site_url.rstrip("/")


def describe(data_dir: Path | str, site_url: str, *, site_url_set: bool) -> str:
    """One line for the doctor: where the site is and whether a server answers there."""
    server = running(data_dir)
    if site_url_set:
        where = f"{site_url} (SITE_URL)"
        return f"{where}; the server listens on {server.url} (pid {server.pid})" if server else (
            f"{where}; no server running from {data_dir}")
    if server:
        return f"{server.url} (the running server, pid {server.pid})"
    return f"no server running from {data_dir}; `booksync run` serves on {site_url}"


def site_url() -> str:
    """``site_address`` from Django's settings: what createadmin, setup and the doctor print."""
    return site_address(settings.DATA_DIR, settings.SITE_URL, site_url_set=is_set("SITE_URL"))
