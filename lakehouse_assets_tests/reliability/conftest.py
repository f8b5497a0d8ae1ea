from datetime import date

import pytest

from lakehouse_assets.seed import seed_landing_zone
from lakehouse_assets.settings import Settings

# Two real days keep every property cheap enough to test on each commit.
FIRST_DAY = date(2013, 1, 30)
LAST_DAY = date(2013, 1, 31)


@pytest.fixture
def seeded(settings: Settings) -> Settings:
    seed_landing_zone(settings.environment.sources.landing, FIRST_DAY, LAST_DAY)
    return settings
