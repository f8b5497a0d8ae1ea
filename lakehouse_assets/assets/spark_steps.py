"""Which assets compute with Spark, and the rule that each of them requires the step launcher.

An asset computes with Spark when it asks for the `spark` resource, declares the `spark` kind (as every
`spark_asset` does), or loads an input through the Delta IO manager (which hands it a Spark DataFrame). In prod
such a step must run on Databricks; without the launcher it would run in the Dagster process, off the cluster.
"""

from collections.abc import Sequence

import dagster as dg

from ..resources.step_launcher import STEP_LAUNCHER_KEY

SPARK_RESOURCE_KEY = "spark"
WAREHOUSE_RESOURCE_KEY = "warehouse"
DELTA_IO_MANAGER_KEY = "io_manager"


def spark_asset_keys(assets: Sequence[dg.AssetsDefinition]) -> dict[dg.AssetKey, dg.AssetsDefinition]:
    """Every asset key computed by a Spark step, with the definition that computes it."""
    io_managers = {key: assets_def.get_io_manager_key_for_asset_key(key) for assets_def in assets for key in assets_def.keys}
    found = {}
    for assets_def in assets:
        if _uses_spark(assets_def, io_managers):
            found.update(dict.fromkeys(assets_def.keys, assets_def))
    return found


def assets_missing_step_launcher(assets: Sequence[dg.AssetsDefinition]) -> list[str]:
    return sorted(
        key.to_user_string()
        for key, assets_def in spark_asset_keys(assets).items()
        if STEP_LAUNCHER_KEY not in assets_def.required_resource_keys
    )


def checks_missing_step_launcher(checks: Sequence[dg.AssetChecksDefinition]) -> list[str]:
    """Asset checks that read tables through Spark (the `spark` or `warehouse` resource) without the launcher."""
    return sorted(
        f"{key.asset_key.to_user_string()}:{key.name}"
        for check_def in checks
        if {SPARK_RESOURCE_KEY, WAREHOUSE_RESOURCE_KEY} & set(check_def.required_resource_keys)
        and STEP_LAUNCHER_KEY not in check_def.required_resource_keys
        for key in check_def.check_keys
    )


def check_step_launcher(assets: Sequence[dg.AssetsDefinition], checks: Sequence[dg.AssetChecksDefinition] = ()) -> None:
    """Fail prod definitions at load if a Spark step would escape the launcher (and run in the Dagster process)."""
    missing = assets_missing_step_launcher(assets) + checks_missing_step_launcher(checks)
    if missing:
        raise dg.DagsterInvalidDefinitionError(
            f"{', '.join(missing)} compute with Spark but do not require the '{STEP_LAUNCHER_KEY}' resource, so in prod "
            "they would run outside Databricks; build them with assets/common.py spark_asset or spark_multi_asset "
            "(or, for an asset that only reads tables, decorate its function with requires_step_launcher)"
        )


def _uses_spark(assets_def: dg.AssetsDefinition, io_managers: dict[dg.AssetKey, str]) -> bool:
    if SPARK_RESOURCE_KEY in assets_def.required_resource_keys:
        return True
    if any("spark" in spec.kinds for spec in assets_def.specs):
        return True
    return any(
        io_managers.get(key, DELTA_IO_MANAGER_KEY) == DELTA_IO_MANAGER_KEY
        for name, key in assets_def.keys_by_input_name.items()
        if not assets_def.node_def.input_def_named(name).dagster_type.is_nothing
    )
