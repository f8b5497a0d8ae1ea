"""Where a secret turned up after a run: files under some folders, and texts (captured output, the event log)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import dagster as dg


def places_holding(secret: str, roots: Iterable[Path], texts: Mapping[str, str]) -> list[str]:
    """Every file under `roots` and every named text holding `secret` (empty: it was found nowhere)."""
    needle = secret.encode()
    files = [
        str(path)
        for root in roots
        for path in Path(root).rglob("*")
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes()
    ]
    return files + [name for name, text in texts.items() if secret in text]


def event_log(instance: dg.DagsterInstance) -> list[str]:
    """Every event record of every run the instance holds, as text."""
    return [str(record) for run in instance.get_runs() for record in instance.all_logs(run.run_id)]
