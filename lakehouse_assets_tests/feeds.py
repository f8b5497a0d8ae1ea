"""The shipped feeds of config/feeds.json as the code under test reads them, for tests that call ingestion directly."""

from lakehouse_assets.ingestion.contracts import feed_contract
from lakehouse_assets.ingestion.file_feed import file_feed
from lakehouse_assets.resources.landing import LandingZone
from lakehouse_assets.settings import config_dir
from lakehouse_assets.settings.loader import load_feeds

FEEDS = load_feeds(config_dir())
FLIGHTS_FEED = file_feed(FEEDS["flights"], config_dir())
FLIGHTS_GLOB = FEEDS["flights"].file_glob
WEATHER_GLOB = FEEDS["weather"].file_glob
WEATHER_CONTRACT = feed_contract("weather", FEEDS["weather"].contract, config_dir())


def landing_zone(root: str, **settings) -> LandingZone:
    """The landing resource over `root` for the shipped feeds, as build_resources makes it."""
    return LandingZone(root=root, file_globs={feed.name: feed.file_glob for feed in FEEDS.file_feeds}, **settings)
