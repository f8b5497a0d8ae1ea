"""Throwaway Dagster instances for tests, set up as `lakehouse` sets up a new home."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from lakehouse_assets.instance import EVENT_BATCH_SIZE_VARIABLE, instance_settings


@contextmanager
def project_instance() -> Iterator[dg.DagsterInstance]:
    """A Dagster instance in a temporary folder with the project's dagster.yaml (its event log storage)."""
    batch_size = os.environ.get(EVENT_BATCH_SIZE_VARIABLE)
    try:
        with (
            tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder,
            dg.instance_for_test(temp_dir=folder, overrides=instance_settings(Path(folder))) as instance,
        ):
            yield instance
    finally:
        # The storage asks its process for event batches; the next test gets the process as it was.
        if batch_size is None:
            os.environ.pop(EVENT_BATCH_SIZE_VARIABLE, None)
        else:
            os.environ[EVENT_BATCH_SIZE_VARIABLE] = batch_size
