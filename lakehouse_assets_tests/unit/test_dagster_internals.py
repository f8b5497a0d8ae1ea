"""Dagster's non-public modules are imported in one place (lakehouse_assets/dagster_internals.py), so a Dagster
upgrade that moves one of them breaks one import site, not a search through the project."""

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+(dagster(?:_\w+)?\._\w+)", re.MULTILINE)
THE_ONE_PLACE = REPOSITORY / "lakehouse_assets" / "dagster_internals.py"


def test_only_dagster_internals_imports_dagster_private_modules() -> None:
    sources = [*(REPOSITORY / "lakehouse_assets").rglob("*.py"), *(REPOSITORY / "benchmarks").rglob("*.py")]
    offenders = {
        str(path.relative_to(REPOSITORY)): PRIVATE_IMPORT.findall(path.read_text())
        for path in sources
        if path != THE_ONE_PLACE
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert PRIVATE_IMPORT.findall(THE_ONE_PLACE.read_text()), "the one place still imports them"
