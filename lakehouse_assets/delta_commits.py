"""Delta commits under concurrency: recognise a commit lost to another writer, retry it, find the commit made.

Delta commits optimistically: a writer that loses the race to another writer's commit gets a conflict
(ConcurrentAppendException and friends) and nothing of its write is visible. Re-running the whole write against
the new table state is then safe: `replaceWhere` replaces what the winner wrote for the same days, so the table
ends with exactly one copy. No Dagster here.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

# Tries of one write in all, the first included; each try re-reads the table.
WRITE_ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
# Error classes (Spark Connect and classic) and exception names (classic) of commits lost to another writer.
# ConcurrentTransactionException is left out: it guards idempotent streaming writes, which retrying would break.
_CONFLICT = re.compile(
    r"DELTA_CONCURRENT_(APPEND|DELETE_READ|DELETE_DELETE|WRITE)|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED"
    r"|Concurrent(Append|DeleteRead|DeleteDelete|Write)Exception|MetadataChangedException|ProtocolChangedException"
)

Result = TypeVar("Result")


class CommitConflictError(Exception):
    """Every try of a write lost its commit to a concurrent writer; none of its data is visible."""


def is_commit_conflict(error: BaseException) -> bool:
    try:
        from delta.exceptions.base import (
            ConcurrentAppendException,
            ConcurrentDeleteDeleteException,
            ConcurrentDeleteReadException,
            ConcurrentWriteException,
            MetadataChangedException,
            ProtocolChangedException,
        )

        known = (
            ConcurrentAppendException, ConcurrentDeleteDeleteException, ConcurrentDeleteReadException,
            ConcurrentWriteException, MetadataChangedException, ProtocolChangedException,
        )  # fmt: skip
        if isinstance(error, known):
            return True
    except ImportError:  # pragma: no cover - delta-spark is a dependency; the text below still decides
        pass
    return bool(_CONFLICT.search(f"{type(error).__name__}: {error}"))


def first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]


def with_conflict_retries(
    write: Callable[[], Result],
    what: str,
    attempts: int = WRITE_ATTEMPTS,
    on_conflict: Callable[[int, BaseException], None] | None = None,
) -> tuple[Result, int]:
    """Run `write` until it commits; a lost commit is tried again after a jittered, doubling pause.

    Returns the write's result and the number of tries. After `attempts` lost commits, CommitConflictError
    says what was being written and what to do. Any other error passes through at once.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    for attempt in range(1, attempts + 1):
        try:
            return write(), attempt
        except Exception as error:
            if not is_commit_conflict(error):
                raise
            if on_conflict is not None:
                on_conflict(attempt, error)
            if attempt == attempts:
                raise CommitConflictError(
                    f"{what}: lost the commit to concurrent writers {attempts} time(s) (last: {first_line(error)}); "
                    "nothing of this write was committed. Another run is writing the same data: let it finish, "
                    "then run this step again."
                ) from error
            pause = min(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)
            time.sleep(pause * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")  # pragma: no cover


def commit_token() -> str:
    """A unique mark for one write, carried in the commit's userMetadata so the write can find its version."""
    return uuid.uuid4().hex[:16]
