"""Self-contained HTML reports: pure functions from pandas frames and numbers to documents. No Dagster here."""
