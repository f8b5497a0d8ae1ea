from .loader import (
    DELTA_JARS_VAR,
    ENV_VAR,
    HOME_VAR,
    SPARK_REMOTE_VAR,
    ConfigError,
    Settings,
    config_dir,
    lakehouse_home,
    load_settings,
)
from .models import EnvSettings, JobSettings, PartitionSettings, SparkSettings, StorageSettings

__all__ = [
    "DELTA_JARS_VAR",
    "ENV_VAR",
    "HOME_VAR",
    "SPARK_REMOTE_VAR",
    "ConfigError",
    "EnvSettings",
    "JobSettings",
    "PartitionSettings",
    "Settings",
    "SparkSettings",
    "StorageSettings",
    "config_dir",
    "lakehouse_home",
    "load_settings",
]
