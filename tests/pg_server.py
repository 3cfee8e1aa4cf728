"""A throw-away PostgreSQL server for the tests, and a fresh database in it for each test.

MADOGUCHI_PG_URL (set by .ci/run) names a server to use. Otherwise one is started here: initdb into
a temporary folder, pg_ctl start on 127.0.0.1 at a free port (as the `postgres` user when running as
root, since PostgreSQL refuses to run as root), stopped when the session ends. Without PostgreSQL
the tests that need it skip with a message, or fail under MADOGUCHI_REQUIRE_SERVICES=1.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from services import require_service

URL_ENV = "MADOGUCHI_PG_URL"
BIN_DIRS = ["/usr/local/bin", "/usr/lib/postgresql/15/bin", *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")))]
INSTALL = "install PostgreSQL (apt-get install postgresql) or set MADOGUCHI_PG_URL=postgresql://user@host:port/db"


def _binary(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    return shutil.which(name)


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One server for the session: `url` reaches its maintenance database."""

    def __init__(self) -> None:
        self.url = ""
        self.missing: str | None = None
        self._folder: Path | None = None
        self._pg_ctl = ""

    def start(self) -> None:
        if os.environ.get(URL_ENV):
            self.url = os.environ[URL_ENV]
            return
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not initdb or not pg_ctl:
            self.missing = "no initdb/pg_ctl found"
            return
        try:
            import asyncpg  # noqa: F401
        except ImportError:
            self.missing = "the asyncpg package is not installed (make install)"
            return
        folder = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        data, port = folder / "data", _free_port()
        run = dict(capture_output=True, text=True, timeout=120)
        done = subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                                               "-E", "UTF8", "--no-sync"]), **run)  # type: ignore[call-overload]
        if done.returncode != 0:
            self.missing = f"initdb failed: {done.stderr.strip()[-300:]}"
            return
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"
        done = subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                               "-w", "start"]), **run)  # type: ignore[call-overload]
        if done.returncode != 0:
            self.missing = f"pg_ctl start failed: {done.stderr.strip()[-300:]}"
            return
        self._folder, self._pg_ctl = folder, pg_ctl
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self._folder is not None:
            subprocess.run(_as_server_user([self._pg_ctl, "-D", str(self._folder / "data"), "-m", "immediate",
                                            "stop"]), capture_output=True, timeout=60)
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def require(self) -> str:
        require_service("PostgreSQL", self.missing, INSTALL)
        return self.url


async def fresh_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    import asyncpg

    name = "t_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
