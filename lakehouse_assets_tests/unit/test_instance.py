"""The local Dagster instance: a new home gets the project's dagster.yaml, and its event log stores a batch of
events in one transaction per database file, leaving exactly what Dagster's own SQLite event log leaves."""

import os
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.events import (
    AssetMaterializationPlannedData,
    DagsterEvent,
    DagsterEventBatchMetadata,
    generate_event_batch_id,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.partition_status_cache import AssetPartitionStatus

from lakehouse_assets.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    INDEX_SHARD_NAME,
)
from lakehouse_assets.instance import (
    EVENT_BATCH_SIZE_VARIABLE,
    BatchingSqliteEventLogStorage,
    InstanceSettingsError,
    local_instance,
    prepare_dagster_home,
)

DAYS = dg.DailyPartitionsDefinition(start_date="2013-01-01", end_date="2013-01-08")
KEYS = DAYS.get_partition_keys()  # seven days


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def upstream(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"days": len(context.partition_keys)})


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[upstream])
def downstream(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    if context.run.tags.get("fail") == "yes":
        raise RuntimeError("downstream fails on purpose")
    return dg.MaterializeResult()


@pytest.fixture(autouse=True)
def no_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # The storage turns Dagster's batching on for its process; the monkeypatch takes it away again after the test
    # (delenv alone records nothing to undo when the variable is not set, so it is set first).
    for variable in (EVENT_BATCH_SIZE_VARIABLE, "DAGSTER_HOME"):
        monkeypatch.setenv(variable, "")
        monkeypatch.delenv(variable)


def _instance(folder: Path, batching: bool) -> dg.DagsterInstance:
    folder.mkdir(parents=True)
    if batching:
        prepare_dagster_home(folder)
    else:
        (folder / "dagster.yaml").write_text("")  # Dagster's defaults
    return dg.DagsterInstance.from_config(str(folder))


def _range_run(instance: dg.DagsterInstance, fail: bool) -> bool:
    tags = {ASSET_PARTITION_RANGE_START_TAG: KEYS[0], ASSET_PARTITION_RANGE_END_TAG: KEYS[-1]}
    if fail:
        tags["fail"] = "yes"
    result = dg.materialize([upstream, downstream], instance=instance, tags=tags, raise_on_error=False)
    return result.success


def test_a_new_home_gets_the_batching_event_log_and_an_existing_dagster_yaml_is_left_alone(tmp_path: Path) -> None:
    with local_instance(tmp_path / "lakehouse") as instance:
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
    settings = yaml.safe_load((tmp_path / "lakehouse" / "dagster" / "dagster.yaml").read_text())
    base_dir = settings["event_log_storage"]["config"]["base_dir"]
    assert base_dir == str(tmp_path / "lakehouse" / "dagster" / "history" / "runs")
    # Where Dagster's default storage keeps the event log: a home made before keeps its history.
    assert (tmp_path / "lakehouse" / "dagster" / "history" / "runs" / "index.db").exists()

    moved = tmp_path / "moved"
    (tmp_path / "lakehouse" / "dagster").rename(moved)
    prepare_dagster_home(moved)  # the event log goes with the home
    settings = yaml.safe_load((moved / "dagster.yaml").read_text())
    assert settings["event_log_storage"]["config"]["base_dir"] == str(moved / "history" / "runs")

    own = tmp_path / "own"
    own.mkdir()
    (own / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    prepare_dagster_home(own)
    assert (own / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"

    (own / "dagster.yaml").write_text("- event_log_storage: {}\n")  # not a mapping: Dagster's to judge, kept
    prepare_dagster_home(own)
    assert (own / "dagster.yaml").read_text() == "- event_log_storage: {}\n"
    (own / "dagster.yaml").write_text("run_storage: [unclosed\n")
    with pytest.raises(InstanceSettingsError, match="not valid YAML") as raised:
        prepare_dagster_home(own)
    assert str(own / "dagster.yaml") in str(raised.value)
    assert (own / "dagster.yaml").read_text() == "run_storage: [unclosed\n"


def test_range_runs_leave_the_same_partition_status_as_dagsters_own_sqlite_event_log(tmp_path: Path) -> None:
    statuses, counts = {}, {}
    for batching in (False, True):
        with _instance(tmp_path / str(batching), batching) as instance:
            assert _range_run(instance, fail=False)
            assert not _range_run(instance, fail=True)  # upstream materialised again, downstream failed
            assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage) == batching
            statuses[batching] = {
                key: instance.get_status_by_partition(key, KEYS, DAYS)
                for key in (upstream.key, downstream.key)
            }
            counts[batching] = {
                key.to_user_string(): (
                    len(instance.fetch_materializations(key, limit=1000).records),
                    len(instance.fetch_planned_materializations(key, limit=1000).records),
                )
                for key in (upstream.key, downstream.key)
            }
    assert statuses[True] == statuses[False]
    assert set(statuses[True][upstream.key].values()) == {AssetPartitionStatus.MATERIALIZED}
    assert set(statuses[True][downstream.key].values()) == {AssetPartitionStatus.FAILED}
    # (materialisations, planned events): one per day and run; downstream failed in the second run.
    assert counts[True] == counts[False] == {"upstream": (14, 14), "downstream": (7, 14)}


def _planned_batch(instance: dg.DagsterInstance, run_id: str, days: list[str]) -> None:
    batch = generate_event_batch_id()
    for position, day in enumerate(days):
        event = DagsterEvent.build_asset_materialization_planned_event(
            "job", "step", AssetMaterializationPlannedData(upstream.key, partition=day)
        )
        instance.report_dagster_event(
            event, run_id, batch_metadata=DagsterEventBatchMetadata(batch, position == len(days) - 1)
        )


def test_a_batch_opens_each_database_once_and_is_stored_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _instance(tmp_path / "home", batching=True) as instance:
        storage = instance.event_log_storage
        run = instance.add_run(DagsterRun(job_name="job", run_id="a-run"))
        opened = []
        transaction = BatchingSqliteEventLogStorage._transaction

        def counting(self, shard):
            opened.append(shard)
            return transaction(self, shard)

        monkeypatch.setattr(BatchingSqliteEventLogStorage, "_transaction", counting)
        _planned_batch(instance, run.run_id, KEYS)
        # The run's own file and the index, each opened once for the seven events.
        assert sorted(opened) == sorted([run.run_id, "index"])
        stored = len(instance.fetch_planned_materializations(upstream.key, limit=1000).records)
        assert stored == len(KEYS)

        store_event = storage.store_event

        def failing_third(event):
            failing_third.calls += 1
            if failing_third.calls == 3:
                raise OSError("disk full")
            store_event(event)

        failing_third.calls = 0
        monkeypatch.setattr(storage, "store_event", failing_third)
        with pytest.raises(OSError, match="disk full"):
            storage.store_event_batch(
                [
                    dg.EventLogEntry(
                        error_info=None, level="DEBUG", user_message="", run_id=run.run_id, timestamp=1.0,
                        dagster_event=DagsterEvent.build_asset_materialization_planned_event(
                            "job", "step", AssetMaterializationPlannedData(upstream.key, partition=day)
                        ),
                    )
                    for day in KEYS[:5]
                ]
            )
        # Nothing of the failed batch was kept: not the two events stored before the failure.
        assert len(instance.fetch_planned_materializations(upstream.key, limit=1000).records) == stored


def test_the_cli_names_a_broken_dagster_yaml_and_seeds_nothing(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lakehouse_assets.cli import main

    broken = tmp_path / "dagster"
    broken.mkdir()
    (broken / "dagster.yaml").write_text("run_storage: [unclosed\n")
    env = {"LAKEHOUSE_HOME": str(tmp_path / "home"), "LAKEHOUSE_ENV": "test", "DAGSTER_HOME": str(broken)}
    for command in (["dagster-home"], ["demo", "--start", "2013-01-01", "--end", "2013-01-01"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, (command, result.output)
        assert f"Error: {broken / 'dagster.yaml'} is not valid YAML" in result.output, result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "home" / "landing").exists(), "the demo stops before seeding anything"


def test_kept_connections_see_what_another_process_stored_and_a_forked_child_can_store(tmp_path: Path) -> None:
    with _instance(tmp_path / "home", batching=True) as writer, _instance_of(tmp_path / "home") as reader:
        run = writer.add_run(DagsterRun(job_name="job", run_id="a-run"))
        for stored, day in enumerate(KEYS[:3], start=1):
            _planned_batch(writer, run.run_id, [day])
            # A connection the reader keeps open must not answer from an older snapshot.
            assert len(reader.fetch_planned_materializations(upstream.key, limit=100).records) == stored
        child = os.fork()
        if child == 0:  # the child stores through the storage it inherited
            try:
                _planned_batch(writer, run.run_id, [KEYS[3]])
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        _planned_batch(writer, run.run_id, [KEYS[4]])  # and the parent's connections still work
        assert len(reader.fetch_planned_materializations(upstream.key, limit=100).records) == 5
        assert len(writer.get_records_for_run(run.run_id).records) == 5


def test_kept_connections_commit_to_the_write_ahead_log_and_sync_at_checkpoints(tmp_path: Path) -> None:
    """Every database file's kept connection: write-ahead log, synchronous=NORMAL (a commit does not wait for the
    disk; SQLite stays atomic and uncorrupted, a crash of the process loses nothing)."""
    with _instance(tmp_path / "home", batching=True) as instance:
        run = instance.add_run(DagsterRun(job_name="job", run_id="a-run"))
        _planned_batch(instance, run.run_id, [KEYS[0]])
        storage = instance.event_log_storage
        assert isinstance(storage, BatchingSqliteEventLogStorage)
        for shard in (INDEX_SHARD_NAME, run.run_id):
            with storage._transaction(shard) as connection:
                modes = [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "synchronous")]
            assert modes == ["wal", 1], shard  # 1 is NORMAL (2, SQLite's default, syncs at every commit)


def _instance_of(folder: Path) -> dg.DagsterInstance:
    """A second instance on the same home, as another process (`dagster dev`, the daemon) opens it."""
    return dg.DagsterInstance.from_config(str(folder))
