"""The local Dagster instance: where `dagster dev`, the CLI and the benchmarks keep runs and their events.

Dagster's SQLite event log opens a connection and commits for every event, twice for an asset event (the run's
own file and the cross-run index): about 6 ms an event on a laptop disk. A run over a range of days stores one
planned event per asset per day when it is created and one materialisation per output per day, so a 365-day
backfill of the daily graph spent over a minute of its four storing some 8,000 events. Dagster hands those
events to the storage in batches once `DAGSTER_EVENT_BATCH_SIZE` is set (as Dagster+ does); SQLite's storage then
still writes them one by one. `BatchingSqliteEventLogStorage` writes a batch in one transaction per database
file: the same rows, through the same code, committed together (about 0.7 ms an event). Events Dagster stores
one at a time (a check's result per day) commit without waiting for the disk each time (synchronous=NORMAL).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import yaml
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from .dagster_internals import INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage

# Read by Dagster for every event it stores; a batch also ends early at its last event (a run's planned events,
# one output's materialisations over a day range).
EVENT_BATCH_SIZE_VARIABLE = "DAGSTER_EVENT_BATCH_SIZE"
EVENT_BATCH_SIZE = 1000
# Engines kept open at once: the index and the few runs a process stores events for at the same time.
KEPT_ENGINES = 8


class InstanceSettingsError(Exception):
    """The local instance's dagster.yaml cannot be read."""


@dataclass
class _Batch:
    thread: int
    stack: ExitStack
    connections: dict = field(default_factory=dict)


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (same files, same schema), storing each batch of events in one transaction per
    database file: each file gets all of the batch's rows for it or, if anything in the batch fails, none."""

    def __init__(self, base_dir: str, inst_data: object | None = None) -> None:
        self._batch: _Batch | None = None
        self._engines: dict[str, Engine] = {}
        self._engines_pid = os.getpid()
        super().__init__(base_dir, inst_data=inst_data)
        # A batch keeps its connections (and so this lock) while it stores its events through the one-event path.
        self._db_lock = threading.RLock()
        # Batches exist only where the process asks for them; this storage is what makes them worth asking for.
        os.environ.setdefault(EVENT_BATCH_SIZE_VARIABLE, str(EVENT_BATCH_SIZE))

    @classmethod
    def from_config_value(
        cls, inst_data: object | None, config_value: dict
    ) -> BatchingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        batch = self._batch
        if batch is None or batch.thread != threading.get_ident():
            with self._transaction(shard) as connection:
                yield connection
            return
        if shard not in batch.connections:  # opened once, committed when the batch ends
            batch.connections[shard] = batch.stack.enter_context(self._transaction(shard))
        yield batch.connections[shard]

    @contextmanager
    def _transaction(self, shard: str) -> Iterator:
        """What Dagster's `_connect` gives (one transaction, under the storage's lock), on a connection kept open
        per database file. Dagster's builds an engine for each transaction and closes its connection after it;
        SQLite then checkpoints the write-ahead log on every close and SQLAlchemy recompiles every statement."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _engine(self, shard: str) -> Engine:
        """The kept engine of `shard` (the most recently used few stay open)."""
        if self._engines_pid != os.getpid():  # SQLAlchemy: a forked child must not use its parent's connections
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=1,  # one connection per file; a nested transaction on the same thread opens another
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _sync_at_checkpoints)
        self._engines[shard] = engine  # newest last
        while len(self._engines) > KEPT_ENGINES:
            self._engines.pop(next(iter(self._engines))).dispose()
        return engine

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before storing each check evaluation; its own answer builds an engine every time.
        with self._db_lock, self._engine(INDEX_SHARD_NAME).connect() as connection:
            return bool(connection.dialect.has_table(connection, table_name))

    def dispose(self) -> None:
        super().dispose()
        self._close_engines()

    def wipe(self) -> None:
        self._close_engines()  # before Dagster deletes the files they hold open
        super().wipe()

    def upgrade(self) -> None:
        self._close_engines()
        super().upgrade()

    def _close_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def store_event_batch(self, events: Sequence) -> None:
        with self._db_lock, ExitStack() as stack:
            self._batch = _Batch(threading.get_ident(), stack)
            try:
                for event in events:
                    self.store_event(event)
            finally:
                self._batch = None


def _sync_at_checkpoints(connection, _record) -> None:
    """Each commit waits for the disk only at the write-ahead log's checkpoints, not every time (SQLite's
    recommended setting for WAL: still atomic and never corrupt; a power cut or an OS crash may lose the last
    commits, a crash of the process does not)."""
    connection.execute("PRAGMA synchronous=NORMAL")


def instance_settings(dagster_home: Path) -> dict:
    """The dagster.yaml the project writes for a new local instance: Dagster's defaults (SQLite run, event and
    schedule storage in this folder), the event log storing batches in one transaction."""
    return {
        "event_log_storage": {
            "module": __name__,
            "class": BatchingSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home / "history" / "runs")},
        }
    }


def prepare_dagster_home(dagster_home: Path) -> Path:
    """`dagster_home` with the project's dagster.yaml, unless it already holds settings of its own (which win).
    A home that was moved gets its event log path brought along (it names the folder it was written for)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    wanted = instance_settings(dagster_home.resolve())
    try:
        current = yaml.safe_load(config.read_text()) if config.exists() else None
    except yaml.YAMLError as error:
        raise InstanceSettingsError(
            f"{config} is not valid YAML ({error}); fix it, or remove it to get the project's settings"
        ) from None
    if not current or (_written_by_project(current) and current != wanted):
        config.write_text(yaml.safe_dump(wanted, sort_keys=False))
    return dagster_home


def _written_by_project(settings: object) -> bool:
    if not isinstance(settings, dict) or set(settings) != {"event_log_storage"}:
        return False
    storage = settings["event_log_storage"]
    return (
        isinstance(storage, dict)
        and (storage.get("module"), storage.get("class")) == (__name__, BatchingSqliteEventLogStorage.__name__)
    )


def dagster_home_path(home: Path) -> Path:
    """The local Dagster instance's folder: $DAGSTER_HOME, else `home`/dagster ($LAKEHOUSE_HOME's)."""
    return Path(os.environ.get("DAGSTER_HOME") or home / "dagster")


def local_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance whose runs `dagster dev` shows (see `dagster_home_path`)."""
    return dg.DagsterInstance.from_config(str(prepare_dagster_home(dagster_home_path(home))))
