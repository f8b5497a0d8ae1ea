"""A Dagster lakehouse on Spark + Delta Lake: NYC flights from landing files to delay-risk scores and reports."""

import warnings

# dagster-mlflow marks its run hook beta and says so on every import; the project pins its version. Matched by
# message, not by Dagster's warning class: importing Dagster here would load it into every process that needs one
# light module (a report-rendering worker, the instance's event log storage).
warnings.filterwarnings("ignore", message="Function `_create_mlflow_run_hook` is currently in beta", module="dagster_mlflow")

__all__ = ["defs"]


def __getattr__(name: str):
    # `defs` (what `dagster ... -m lakehouse_assets` finds) imports every asset module, Spark and MLflow: only
    # when asked for, so that a process needing one light module (the instance's event log storage, a report
    # rendering worker) does not pay for the whole graph.
    if name == "defs":
        from .definitions import defs

        return defs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "defs"])
