"""A Dagster lakehouse on Spark + Delta Lake: NYC flights from landing files to delay-risk scores and reports."""

from .definitions import defs

__all__ = ["defs"]
