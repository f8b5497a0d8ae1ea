"""Column lineage as plain data, declared next to the transform that makes the columns: each output column ->
the upstream table columns its values are computed from. No Dagster here; the assets hand it to Dagster.

Conventions: a lookup through a join lists the column looked up, not the join key; an aggregate (also over a
window) lists the columns it aggregates and the columns it groups by, since the grouping is what tells
`carrier_delay_rate_7d` from `origin_delay_rate_7d`. A column computed from no upstream column (a constant,
the clock, the model) is declared with `NO_UPSTREAM`, so every column of a table is declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Source = tuple[str, str]  # (upstream table key "<layer>/<table>", column)
ColumnLineage = Mapping[str, tuple[Source, ...]]

NO_UPSTREAM: tuple[Source, ...] = ()


def columns_of(table: str, *columns: str) -> tuple[Source, ...]:
    """Sources: these columns of `table`."""
    return tuple((table, column) for column in columns)


def same_name(table: str, columns: Iterable[str]) -> dict[str, tuple[Source, ...]]:
    """Columns carried over from `table` under their own name (typed, trimmed or joined, not recomputed)."""
    return {column: ((table, column),) for column in columns}


def renamed(table: str, sources: Mapping[str, str]) -> dict[str, tuple[Source, ...]]:
    """Columns carried over from `table` under a new name: output name -> upstream name."""
    return {column: ((table, source),) for column, source in sources.items()}
