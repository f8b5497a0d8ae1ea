"""Check Jobs-API shaped cluster specs against databricks-sdk's own types, field by field.

`ClusterSpec.from_dict` and friends silently drop keys they do not know, so a typo such as `max_worker` would
vanish and the cluster would start with a default. Here every key is compared with the dataclass fields,
recursively, and every value with the field's type (enums by value), before `from_dict` parses it.
A second check refuses fields the Jobs API accepts but the Dagster step launcher cannot pass on.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from functools import cache
from typing import Any

from databricks.sdk.service import compute, jobs

# Fields of a valid ClusterSpec that dagster-databricks' launcher schema has no slot for (they would be lost).
LAUNCHER_UNSUPPORTED = {
    "new_cluster.apply_policy_default_values": "set it through the cluster policy (policy_id)",
    "new_cluster.autotermination_minutes": "job clusters end with their run",
    "new_cluster.cluster_name": "job clusters are named after the run",
    "new_cluster.driver_instance_pool_id": "use instance_pool_id alone",
    "new_cluster.is_single_node": "use num_workers: 0 and the single-node spark_conf",
    "new_cluster.kind": "set it through the cluster policy (policy_id)",
    "new_cluster.remote_disk_throughput": "set it through the cluster policy (policy_id)",
    "new_cluster.total_initial_remote_disk_size": "set it through the cluster policy (policy_id)",
    "new_cluster.use_ml_runtime": "pick an ML runtime in spark_version (e.g. 17.3.x-cpu-ml-scala2.13)",
    "new_cluster.workload_type": "set it through the cluster policy (policy_id)",
    "new_cluster.cluster_log_conf.volumes": "deliver logs to dbfs or s3",
    "new_cluster.gcp_attributes.google_service_account": "set it through the cluster policy (policy_id)",
    "new_cluster.init_scripts.file": "use a workspace, volumes, dbfs or cloud storage script",
    "libraries.requirements": "list the packages as pypi libraries",
}
# Names that hold credentials; in a file their value may only be a Databricks secret reference.
SECRET_NAME = re.compile(r"password|passwd|secret|token|credential|access[._-]?key|account\.key", re.IGNORECASE)
SECRET_REFERENCE = re.compile(r"^\{\{secrets/[^/{}]+/[^/{}]+\}\}$")


def check_shape(cls: type, value: Any, where: str) -> list[str]:
    """Problems of `value` as an instance of the SDK dataclass `cls`, each as '<path>: <what is wrong>'."""
    if not isinstance(value, dict):
        return [f"{where}: expected an object ({cls.__name__}), got {type(value).__name__}"]
    fields = _fields(cls)
    problems = []
    for key in value:
        if key not in fields:
            problems.append(f"{where}.{key}: unknown field of {cls.__name__} (known: {', '.join(sorted(fields))})")
    for name, (kind, required) in fields.items():
        if name in value:
            problems += _check_value(kind, value[name], f"{where}.{name}")
        elif required:
            problems.append(f"{where}.{name}: missing (required by {cls.__name__})")
    return problems


def check_launcher_support(value: Any, where: str, path: str) -> list[str]:
    """Fields of a valid spec that the step launcher would drop, found by their path (list items included)."""
    problems = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}"
            if child in LAUNCHER_UNSUPPORTED:
                problems.append(
                    f"{where}.{key}: valid in the Jobs API but the Dagster Databricks step launcher cannot pass it on; "
                    f"{LAUNCHER_UNSUPPORTED[child]}"
                )
            else:
                problems += check_launcher_support(item, f"{where}.{key}", child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += check_launcher_support(item, f"{where}[{index}]", path)
    return problems


def check_no_plain_secrets(values: dict[str, str] | None, where: str) -> list[str]:
    """Spark conf and env vars whose names say 'secret' must reference a secret scope, not hold the value."""
    return [
        f"{where}.{name}: looks like a credential; use a secret reference {{{{secrets/<scope>/<key>}}}}, not the value"
        for name, value in (values or {}).items()
        if SECRET_NAME.search(name) and not SECRET_REFERENCE.match(str(value))
    ]


def library_kinds() -> set[str]:
    return set(_fields(compute.Library))


SDK_TYPES = {
    "new_cluster": compute.ClusterSpec,
    "library": compute.Library,
    "email_notifications": jobs.JobEmailNotifications,
    "health": jobs.JobsHealthRules,
}


@cache
def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls)
    return {
        field.name: (hints[field.name], field.default is dataclasses.MISSING and not _is_optional(hints[field.name]))
        for field in dataclasses.fields(cls)
    }


def _is_optional(kind: Any) -> bool:
    return typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)


def _check_value(kind: Any, value: Any, where: str) -> list[str]:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return []
        (kind,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _check_value(kind, value, where)
    if dataclasses.is_dataclass(kind):
        return check_shape(kind, value, where)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        allowed = [member.value for member in kind]
        return [] if value in allowed else [f"{where}: {value!r} is not one of {', '.join(map(str, allowed))}"]
    if origin in (list, typing.List):  # noqa: UP006 - the SDK annotates with typing.List
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(kind)
        return [problem for index, entry in enumerate(value) for problem in _check_value(item, entry, f"{where}[{index}]")]
    if origin in (dict, typing.Dict):  # noqa: UP006
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        _, item = typing.get_args(kind)
        return [problem for key, entry in value.items() for problem in _check_value(item, entry, f"{where}.{key}")]
    if kind is Any:
        return []
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    return [] if ok else [f"{where}: expected {kind.__name__}, got {type(value).__name__} {value!r}"]
