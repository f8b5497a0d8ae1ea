"""Throwaway Dagster instances for tests, set up as `lakehouse` sets up a new home."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from lakehouse_assets.instance import instance_settings


@contextmanager
def project_instance() -> Iterator[dg.DagsterInstance]:
    """A Dagster instance in a temporary folder with the project's dagster.yaml (its event log storage)."""
    with (
        tempfile.TemporaryDirectory() as folder,
        dg.instance_for_test(temp_dir=folder, overrides=instance_settings(Path(folder))) as instance,
    ):
        yield instance
