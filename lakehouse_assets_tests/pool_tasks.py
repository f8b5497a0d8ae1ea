"""Module-level functions for worker-process tests; importing this module starts nothing (workers import it)."""

import os


def process_of(_: object) -> int:
    return os.getpid()


def fails_on_the_second(day: int) -> int:
    if day == 2:
        raise ValueError("no data for day 2")
    return day
