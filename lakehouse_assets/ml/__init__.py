"""The delay model's lifecycle without Dagster: sampling, tuning, evaluation, MLflow, registry, scoring, drift."""
