"""A writer process for the crash trials: materialises a day range of the flights slice into a warehouse.

    python -m lakehouse_assets_tests.reliability.crash_writer WAREHOUSE START END

LAKEHOUSE_HOME (landing zone, Dagster instance) and LAKEHOUSE_ENV come from the environment. Prints RUNNING
once the session is up and the run starts, DONE when the run has succeeded; the trials kill it in between.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from lakehouse_assets.instance import local_instance
from lakehouse_assets.runs import materialize_range
from lakehouse_assets.settings import load_settings

from .lakehouse import FLIGHTS_SLICE, defs_for


def main(warehouse: str, start: str, end: str) -> int:
    settings = load_settings()
    defs = defs_for(settings, Path(warehouse))
    defs.resources["spark"].session  # noqa: B018 - start the JVM before announcing the run
    print("RUNNING", flush=True)
    with local_instance(settings.home) as instance:
        result = materialize_range(defs, date.fromisoformat(start), date.fromisoformat(end), FLIGHTS_SLICE, instance=instance)
    print("DONE" if result.success else "FAILED", flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
