"""Dagster's non-public modules are imported in one place (lakehouse_assets/dagster_internals.py), so a Dagster
upgrade that moves one of them breaks one import site, not a search through the project."""

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PRIVATE_IMPORT = re.compile(r"^\s*(?:from|import)\s+(dagster(?:_\w+)?\._\w+)", re.MULTILINE)
THE_ONE_PLACE = REPOSITORY / "lakehouse_assets" / "dagster_internals.py"


def test_only_dagster_internals_imports_dagster_private_modules() -> None:
    sources = [*(REPOSITORY / "lakehouse_assets").rglob("*.py"), *(REPOSITORY / "benchmarks").rglob("*.py")]
    found = {str(path.relative_to(REPOSITORY)): PRIVATE_IMPORT.findall(path.read_text()) for path in sources}
    # The pattern does find them, where they belong.
    assert found.pop(str(THE_ONE_PLACE.relative_to(REPOSITORY)))
    assert {path: names for path, names in found.items() if names} == {}
