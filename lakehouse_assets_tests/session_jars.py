"""Delta's jars (and the test env's JDBC driver) resolved once per machine, so no JVM a test starts resolves them.

Every JVM of a test session (the shared session, Spark Connect and standalone servers, crash writers, CLI
subprocesses, emulated Databricks runs) reads LAKEHOUSE_DELTA_JARS_DIR; without it each would ask Ivy again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lakehouse_assets.resources.jars import fetch_with_maven


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lakehouse_assets"


def cached_jars(coordinates: Sequence[str], root: Path | None = None, repository: Path | None = None) -> Path | None:
    """The folder holding `coordinates`' jars, fetched with Maven the first time; None when Maven is missing."""
    root = root or cache_root()
    repository = repository or root / "maven-repository"
    folder = root / f"jars-{hashlib.sha256(' '.join(coordinates).encode()).hexdigest()[:16]}"
    if folder.is_dir():
        return folder
    if shutil.which("mvn") is None:
        return None
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{folder.name}-"))
    try:
        fetch_with_maven(coordinates, staging, repository=repository)
        try:
            staging.rename(folder)  # atomic: a folder that exists is complete
        except OSError:
            if not folder.is_dir():  # not a concurrent session that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
