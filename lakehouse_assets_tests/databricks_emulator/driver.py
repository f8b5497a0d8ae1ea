"""The emulated Databricks Runtime's Python entry for one run: DBR's globals for a Python task, then the task.

TEST DOUBLE (see server.py), started by runs.py as `python driver.py <emulator url> <python_file> <args...>`.
Databricks runs a spark_python_task with `spark`, `sc` and `dbutils` defined; so does this, lazily. The cluster's
Spark settings live in $SPARK_CONF_DIR/spark-defaults.conf (written from the submitted cluster spec), so any
SparkSession the task builds gets them, as on a cluster. `dbutils.secrets.get` asks the emulator's secrets API
with the run's token, as the runtime asks the workspace.
"""

import base64
import json
import os
import runpy
import sys
import urllib.parse
import urllib.request
from pathlib import Path


class _Lazy:
    """Builds the object on first attribute access, so a task that never uses Spark never starts a JVM."""

    def __init__(self, factory):
        self._factory = factory
        self._value = None

    def __getattr__(self, name):
        if self._value is None:
            self._value = self._factory()
        return getattr(self._value, name)


class _Secrets:
    def __init__(self, url: str, token: str):
        self._url, self._token = url, token

    def get(self, scope: str, key: str) -> str:
        query = urllib.parse.urlencode({"scope": scope, "key": key})
        request = urllib.request.Request(
            f"{self._url}/api/2.0/secrets/get?{query}", headers={"Authorization": f"Bearer {self._token}"}
        )
        with urllib.request.urlopen(request) as response:
            return base64.b64decode(json.load(response)["value"]).decode()


class _Dbutils:
    def __init__(self, url: str, token: str):
        self.secrets = _Secrets(url, token)


def _session():
    from pyspark.sql import SparkSession

    return SparkSession.builder.getOrCreate()


def main(url: str, python_file: str, *parameters: str) -> None:
    # This folder (server.py, runs.py, ...) is not part of the runtime the task sees.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)
    runtime = {
        "spark": _Lazy(_session),
        "sc": _Lazy(lambda: _session().sparkContext),
        "dbutils": _Dbutils(url, os.environ["DATABRICKS_TOKEN"]),
    }
    sys.argv = [python_file, *parameters]
    runpy.run_path(python_file, init_globals=runtime, run_name="__main__")


if __name__ == "__main__":
    main(*sys.argv[1:])
