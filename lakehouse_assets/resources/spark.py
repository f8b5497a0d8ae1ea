"""The run's one SparkSession: local with Delta, Spark Connect, or the Databricks cluster's own."""

import os
import sys
from pathlib import Path

import dagster as dg
from pydantic import Field, PrivateAttr
from pyspark.sql import SparkSession

from ..settings import SparkSettings
from ..settings.models import DATABRICKS_CONNECT

DELTA_SESSION_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
# Small-machine defaults; config/env/*.yaml can override any of them.
LOCAL_DEFAULT_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "4",
    # Delta reconstructs table state with this many tasks; its default of 50 dominates small reads.
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.log.level": "WARN",
    # Arrow moves data between Spark and pandas (training sets, scoring) column-wise instead of row by row.
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


class SparkSessionError(Exception):
    """The SparkSession could not be configured as asked."""


def build_spark_session(settings: SparkSettings, app_name: str = "lakehouse_assets", warehouse_dir: str | None = None) -> SparkSession:
    """Get or create the process's SparkSession for `settings`. Everything that needs Spark comes through here."""
    if settings.mode == "connect":
        if settings.remote == DATABRICKS_CONNECT:
            session = databricks_connect_session()
        else:
            session = SparkSession.builder.remote(settings.remote).getOrCreate()
        for key, value in settings.conf.items():
            if key.startswith("spark.sql."):  # only runtime SQL conf can be set on a remote session
                session.conf.set(key, value)
        return session
    if settings.mode == "databricks":
        return SparkSession.builder.getOrCreate()

    # Everything a local session serves (driver, block manager, UI) stays on loopback.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(settings.master or "local[2]").appName(app_name)
    if (settings.master or "").startswith("local"):
        # Python UDFs (model scoring) run in worker processes: the interpreter that has this project's packages,
        # not whichever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    conf = {**DELTA_SESSION_CONF, **LOCAL_DEFAULT_CONF, **settings.conf}
    if warehouse_dir:
        conf.setdefault("spark.sql.warehouse.dir", warehouse_dir)
    for key, value in conf.items():
        builder = builder.config(key, value)
    if settings.delta_jars_dir:
        builder = builder.config("spark.jars", ",".join(str(jar) for jar in local_jars(settings.delta_jars_dir)))
        return builder.getOrCreate()
    from delta import configure_spark_with_delta_pip

    return configure_spark_with_delta_pip(builder, extra_packages=list(settings.packages)).getOrCreate()


def databricks_connect_session() -> SparkSession:
    """Databricks Connect: serverless compute, or the cluster in DATABRICKS_CLUSTER_ID.

    Host and credentials come from DATABRICKS_HOST / DATABRICKS_TOKEN (or a ~/.databrickscfg profile chosen with
    DATABRICKS_CONFIG_PROFILE), read by Databricks Connect itself; nothing is passed through config files.
    """
    try:
        from databricks.connect import DatabricksSession
    except ImportError as error:
        raise SparkSessionError(
            "spark.remote 'databricks' needs Databricks Connect, which replaces pyspark: in a separate virtualenv "
            "install the project, then `pip uninstall -y pyspark && pip install 'databricks-connect==17.3.*'` "
            "(see docs/deploy_databricks.md)"
        ) from error
    builder = DatabricksSession.builder
    return (builder if os.environ.get("DATABRICKS_CLUSTER_ID") else builder.serverless()).getOrCreate()


def local_jars(directory: str) -> list[Path]:
    """The jars of an offline Delta folder (see `lakehouse fetch-jars`), checked before Spark starts."""
    folder = Path(directory).expanduser()
    jars = sorted(folder.glob("*.jar"))
    if not any("delta-spark_" in jar.name for jar in jars):
        raise SparkSessionError(
            f"spark.delta_jars_dir {folder} holds no delta-spark jar; fill it with `lakehouse fetch-jars --dest {folder}` "
            "or unset it (and LAKEHOUSE_DELTA_JARS_DIR) to resolve the jars from Maven Central"
        )
    return jars


class SparkResource(dg.ConfigurableResource):
    """Owns the run's SparkSession, created on first use so runs that never touch Spark never start a JVM."""

    mode: str = Field(default="local", description="local | connect | databricks")
    master: str | None = Field(default="local[2]", description="Spark master for mode local.")
    remote: str | None = Field(default=None, description="sc://host:port, or 'databricks' (Databricks Connect).")
    delta_jars_dir: str | None = Field(default=None, description="Offline folder of Delta jars instead of Maven.")
    packages: list[str] = Field(default_factory=list, description="Extra Maven coordinates, e.g. JDBC drivers.")
    conf: dict[str, str] = Field(default_factory=dict)
    warehouse_dir: str | None = Field(default=None, description="spark.sql.warehouse.dir for managed tables.")

    _session: SparkSession | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: SparkSettings, warehouse_dir: str | None = None) -> "SparkResource":
        return cls(
            mode=settings.mode,
            master=settings.master,
            remote=settings.remote,
            delta_jars_dir=settings.delta_jars_dir,
            packages=list(settings.packages),
            conf=dict(settings.conf),
            warehouse_dir=warehouse_dir,
        )

    def settings(self) -> SparkSettings:
        return SparkSettings(
            mode=self.mode,
            master=self.master,
            remote=self.remote,
            delta_jars_dir=self.delta_jars_dir,
            packages=tuple(self.packages),
            conf=self.conf,
        )

    @property
    def session(self) -> SparkSession:
        if self._session is None:
            self._session = build_spark_session(self.settings(), warehouse_dir=self.warehouse_dir)
        return self._session
