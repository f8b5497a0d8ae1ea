"""Secrets set to canary values never reach logs, the Dagster event log, asset metadata, Delta commit info,
MLflow or reports: a full run (weather from the token-protected API) and a failing one (token refused) are
made, then every byte the runs left under LAKEHOUSE_HOME and everything printed is searched for the canaries.

Each canary is one the code under test reads, and a wrong value is refused where it is read (the API answers 401),
so "found nowhere" means "used and not kept". The other secrets are searched for where they are read: the
database password by the PostgreSQL load that needs it (integration/test_reference_jdbc.py), the Databricks token
by the prod run against the emulated workspace (integration/test_databricks_emulator.py).
"""

import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.instance import local_instance
from lakehouse_assets.landing.weather_api import load_observations, make_server
from lakehouse_assets.runs import DATA_ASSETS, materialize_range
from lakehouse_assets.settings.models import ApiSettings, WeatherSourceSettings
from lakehouse_assets_tests.http_servers import serving
from lakehouse_assets_tests.secrets_scan import event_log, places_holding

from ..integration.conftest import with_sources
from .conftest import FIRST_DAY

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_TOKEN, REFUSED_TOKEN = "canary-api-K9v4", "canary-api-wrong-R5t1"


def test_canary_secrets_appear_nowhere_after_a_good_and_a_failing_run(spark, seeded, monkeypatch, capfd, caplog) -> None:
    monkeypatch.setenv("LAKEHOUSE_TEST_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("DAGSTER_HOME", str(seeded.home / "dagster"))  # event log and compute logs under the home
    with serving(make_server(token=API_TOKEN, observations=load_observations())) as url:
        api = ApiSettings(url=f"{url}/v1/weather", page_size=50, timeout_seconds=5, max_retries=1, backoff_seconds=0.01,
                          token_env="LAKEHOUSE_TEST_API_TOKEN")  # fmt: skip
        settings = with_sources(seeded, weather=WeatherSourceSettings(mode="api", api=api))
        with local_instance(seeded.home) as instance:
            good = materialize_range(build_definitions(settings), FIRST_DAY, FIRST_DAY, DATA_ASSETS, instance=instance)
            assert good.success
            monkeypatch.setenv("LAKEHOUSE_TEST_API_TOKEN", REFUSED_TOKEN)  # the API refuses it: 401
            failing = materialize_range(build_definitions(settings), FIRST_DAY, FIRST_DAY, DATA_ASSETS, instance=instance, raise_on_error=False)
            assert not failing.success
            [failure] = [e for e in failing.all_events if e.is_step_failure]
            assert "401" in failure.step_failure_data.error.message
            events = event_log(instance)
    printed = capfd.readouterr()
    logged = caplog.text
    assert len(events) > 50 and (seeded.home / "reports").exists() and (seeded.home / "warehouse").exists()
    texts = {"stdout": printed.out, "stderr": printed.err, "logging": logged, "event log": "\n".join(events)}
    for secret in (API_TOKEN, REFUSED_TOKEN):
        assert places_holding(secret, [seeded.home], texts) == [], secret
