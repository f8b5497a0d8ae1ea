"""A CSV file's header against the source contract: which columns sit where, what is missing or extra.

Pure Python (no Spark, no Dagster). A header that cannot be a header of the feed rejects the whole file; a
header that differs from the contract only by non-key columns is schema drift, handled by the source's
drift policy: `rescue` (extra values into `_rescued_data`), `fail` (stop, write nothing) or `add` (new columns).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .contracts import Contract

DRIFT_POLICIES = ("rescue", "fail", "add")
BOM = "\ufeff"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_MAGIC = {
    "1F8B": "gzip-compressed",
    "504B0304": "a zip archive",
    "425A68": "bzip2-compressed",
    "FD377A585A00": "xz-compressed",
    "28B52FFD": "zstd-compressed",
    "50415231": "a Parquet file",
}


class DriftError(Exception):
    """Files differ from the contract in a way the source's drift policy does not allow; nothing was written."""


class HeaderRejected(Exception):
    """The file's first line cannot be this feed's header; the message is the reason."""


@dataclass(frozen=True)
class HeaderPlan:
    """Where the contract's columns sit in a file, and what the file adds or lacks."""

    names: tuple[str, ...]
    positions: Mapping[str, int]
    extra: Mapping[int, str]
    missing: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.names)

    def rescued_names(self) -> dict[int, str]:
        """Extra columns by position, under the name the file gives them (`_c<n>` when it gives none)."""
        return {position: name or f"_c{position}" for position, name in self.extra.items()}

    def added_names(self) -> dict[int, str]:
        """Extra columns by position, as new table columns (lower case; the drift check vets them)."""
        return {position: name.lower() for position, name in self.extra.items()}


def check_not_binary(first_bytes_hex: str, deliver: str = "CSV") -> None:
    """HeaderRejected when the file starts like a compressed archive or a binary format."""
    for magic, kind in _MAGIC.items():
        if first_bytes_hex.upper().startswith(magic):
            raise HeaderRejected(f"not a text file: the content is {kind}; deliver plain UTF-8 {deliver}")


def decode_header(first_line: bytes, first_bytes_hex: str, line_length: int, limit: int) -> str:
    """The header text, or HeaderRejected saying why the file is not a text CSV with a header."""
    check_not_binary(first_bytes_hex)
    if b"\x00" in first_line:
        raise HeaderRejected("not a text file: the first line holds NUL bytes")
    if line_length > limit:
        raise HeaderRejected(f"the first line is over {limit:,} bytes, so it is no header; not a CSV of this feed")
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HeaderRejected(f"not UTF-8 text: byte 0x{first_line[error.start]:02x} at {error.start} of the header") from None
    text = text.removeprefix(BOM).removesuffix("\r")
    if not text.strip():
        raise HeaderRejected("no header: the first line is empty")
    if "\r" in text:
        raise HeaderRejected("lines end with a bare carriage return; expected LF or CRLF line ends")
    return text


def plan_header(header: str, contract: Contract) -> HeaderPlan:
    """Match header names to contract columns (case and surrounding spaces ignored)."""
    try:
        names = tuple(name.strip() for name in next(csv.reader([header])))
    except csv.Error as error:
        raise HeaderRejected(f"the header does not parse as CSV: {error}") from None
    return plan_fields(names, contract)


def plan_fields(names: tuple[str, ...], contract: Contract, *, header: bool = True) -> HeaderPlan:
    """Match field names (a CSV header's, or the keys a JSON file's records use) to contract columns, case
    ignored. A header must hold every key column; JSON records lacking one are quarantined one by one instead."""
    keys = [name.lower() or f"_c{position}" for position, name in enumerate(names)]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated and header:
        raise HeaderRejected(f"the header repeats column(s) {', '.join(repeated)}")
    if repeated:
        spellings = "; ".join(" and ".join(repr(name) for name in names if name.lower() == key) for key in repeated)
        raise HeaderRejected(f"the records name one field in different case: {spellings}; use one spelling")
    positions = {key: position for position, key in enumerate(keys) if key in contract.properties}
    lacking_keys = [column for column in contract.required if column not in positions]
    if lacking_keys and header:
        raise HeaderRejected(f"the header lacks key column(s) {', '.join(lacking_keys)}{_delimiter_hint(names)}")
    return HeaderPlan(
        names=names,
        positions=positions,
        extra={position: names[position] for position, key in enumerate(keys) if key not in contract.properties},
        missing=tuple(column for column in contract.columns if column not in positions),
    )


def _delimiter_hint(names: tuple[str, ...]) -> str:
    if len(names) == 1:
        for delimiter, label in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if delimiter in names[0]:
                return f"; it looks delimited by {label}, the feed uses ','"
    return f"; found {', '.join(names[:8])}{' …' if len(names) > 8 else ''}"


def check_drift(
    plans: Mapping[str, HeaderPlan], policy: str, source: str, reserved: Iterable[str] = (), *, missing_is_drift: bool = True
) -> None:
    """Raise DriftError, naming every file and column, where the policy forbids what the headers show (a contract
    column a file lacks counts unless `missing_is_drift` is False)."""
    if policy not in DRIFT_POLICIES:
        raise ValueError(f"unknown drift policy {policy!r}; expected one of {', '.join(DRIFT_POLICIES)}")
    problems = []
    for path, plan in sorted(plans.items()):
        if policy == "fail":
            problems += [f"{path}: column {name!r} is not in the {source} contract" for name in plan.extra.values()]
            problems += [f"{path}: contract column {column!r} is missing" for column in plan.missing if missing_is_drift]
        elif policy == "add":
            for name in plan.added_names().values():
                if not _IDENTIFIER.match(name) or name in set(reserved):
                    problems.append(f"{path}: new column {name!r} cannot be added (not a plain identifier, or reserved)")
    if problems:
        shown = "\n  ".join(problems[:20]) + ("\n  …" if len(problems) > 20 else "")
        raise DriftError(
            f"{source} files differ from the contract (drift_policy: {policy}); nothing was written:\n  {shown}\n"
            f"Fix the files, or change sources.{source}.drift_policy (rescue keeps unexpected values in _rescued_data)."
        )
