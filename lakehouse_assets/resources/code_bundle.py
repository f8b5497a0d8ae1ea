"""The package as the Databricks step launcher uploads it: `lakehouse_assets/` plus the config it was launched with.

The launcher zips a folder and puts it on the cluster's Python path. Pointing it at the repository root would
ship `.venv/`, `.git/` and `.lakehouse/`; pointing it at site-packages would ship everything installed. So the
package is copied into its own folder, with the active `config/` as `_bundled_config/` (exactly what a built
wheel carries). The folder is named by a digest of its content, so a relaunch with unchanged code reuses it.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

PACKAGE = "lakehouse_assets"
BUNDLED_CONFIG = "_bundled_config"
SKIPPED = {"__pycache__", BUNDLED_CONFIG}


def stage_code(config_dir: Path, parent: Path | None = None) -> Path:
    """A folder holding `lakehouse_assets/` (with `config_dir` as its `_bundled_config/`), built once per content."""
    files = _bundle_files(config_dir)
    digest = hashlib.sha256()
    for name, source in files:
        digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
    # Keep the folder name free of "pytest", "venv" and "logs": the launcher's zip step skips such paths.
    target = (parent or Path(tempfile.gettempdir())) / f"lakehouse-assets-code-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    for name, source in files:
        destination = staging / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    try:
        staging.rename(target)  # atomic: a concurrent launch either wins or finds the finished folder
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _bundle_files(config_dir: Path) -> list[tuple[str, Path]]:
    package_dir = Path(__file__).resolve().parents[1]
    package = [
        (f"{PACKAGE}/{path.relative_to(package_dir).as_posix()}", path)
        for path in sorted(package_dir.rglob("*"))
        if path.is_file() and not SKIPPED & set(path.relative_to(package_dir).parts) and path.suffix != ".pyc"
    ]
    config = [
        (f"{PACKAGE}/{BUNDLED_CONFIG}/{path.relative_to(config_dir).as_posix()}", path)
        for path in sorted(config_dir.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return package + config
