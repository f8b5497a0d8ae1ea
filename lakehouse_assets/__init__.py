"""A Dagster lakehouse on Spark + Delta Lake: NYC flights from landing files to delay-risk scores and reports."""

import warnings

import dagster as dg

# dagster-mlflow marks its run hook beta and says so on every import; the project pins its version.
warnings.filterwarnings("ignore", category=dg.BetaWarning, module="dagster_mlflow")

from .definitions import defs  # noqa: E402

__all__ = ["defs"]
