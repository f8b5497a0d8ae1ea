"""A backfill's daily reports render on every core: the same documents, in order, as in the step's own process."""

import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from lakehouse_assets.reporting.data_quality import render_quality_day
from lakehouse_assets.reporting.operations_report import render_operations_day
from lakehouse_assets.reporting.rendering import render_days, usable_cores
from lakehouse_assets_tests import report_samples
from lakehouse_assets_tests.pool_tasks import fails_on_the_second, process_of

from .test_reports import evidence as quality_evidence


@pytest.mark.skipif(usable_cores() < 2, reason="worker processes are only used with two cores or more")
def test_workers_render_the_same_documents_in_order_and_raise_what_fails() -> None:
    sample = report_samples.operations_evidence()
    days = [replace(sample, day=sample.day - timedelta(days=offset)) for offset in (2, 1, 0)]
    here = list(render_days(render_operations_day, days))
    in_workers = list(render_days(render_operations_day, days, min_days_for_workers=1))
    assert in_workers == here  # documents, numbers and previews
    for evidence, rendered in zip(days, in_workers, strict=True):
        assert f"{evidence.day:%A %d %B %Y}" in rendered.html and rendered.numbers["flights"] == 24

    quality = [quality_evidence(), quality_evidence(unbalanced=True)]
    rendered_quality = list(render_days(render_quality_day, quality, min_days_for_workers=1))
    assert rendered_quality == list(render_days(render_quality_day, quality))
    assert [rendered.numbers["sources_unbalanced"] for rendered in rendered_quality] == [0, 1]

    assert os.getpid() not in set(render_days(process_of, range(8), min_days_for_workers=1))
    assert set(render_days(process_of, range(8))) == {os.getpid()}  # a short window stays in this process
    with pytest.raises(ValueError, match="no data for day 2"):
        list(render_days(fails_on_the_second, range(1, 9), min_days_for_workers=1))


def test_a_rendering_worker_loads_neither_dagster_nor_spark() -> None:
    """A worker imports the render functions' modules, and the `lakehouse` command's module that started the
    demo (spawned processes import their parent's main module): none of them may pull in Dagster or PySpark,
    which would cost each worker about 100 MB and seconds of start-up."""
    modules = ["lakehouse_assets.cli", render_operations_day.__module__, render_quality_day.__module__]
    probe = f"import sys; {'; '.join(f'import {module}' for module in modules)}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "'pandas'" in loaded and "'matplotlib'" in loaded  # the probe imported what rendering needs
    assert "'dagster'" not in loaded and "'pyspark'" not in loaded, loaded
