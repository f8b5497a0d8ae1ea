"""A loopback test double for the Databricks REST service (Jobs runs, DBFS, secrets); see server.py."""

from .server import DatabricksEmulator, LoggedRequest

__all__ = ["DatabricksEmulator", "LoggedRequest"]
