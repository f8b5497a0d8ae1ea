from datetime import date
import dagster as dg
import pytest

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.landing.seed import seed_landing_zone
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


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance
