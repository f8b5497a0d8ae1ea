"""Tables hold plain `string`, whichever Spark client produced the column (see `tables.with_plain_strings`).

A Spark Connect client sends `StringType()` with its collation spelled out (`string collate UTF8_BINARY`); classic
Spark produces the same explicit type from SQL's `COLLATE UTF8_BINARY`, which reproduces it without a server.
"""

import json
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse_assets.tables import TableLocator, merge_table, with_plain_strings, write_table


def schema_string(folder: str) -> str:
    """The table's schema as the newest metaData action of its _delta_log holds it."""
    found = None
    for commit in sorted(Path(folder, "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            found = json.loads(line).get("metaData", {}).get("schemaString", found)
    return found


COLLATED = """
    SELECT CAST(id AS STRING) COLLATE UTF8_BINARY AS code,
           id,
           named_struct('name', CAST(id AS STRING) COLLATE UTF8_BINARY, 'n', id) AS detail,
           array(CAST(id AS STRING) COLLATE UTF8_BINARY) AS tags
    FROM range(3)
"""


def test_explicitly_collated_strings_are_written_as_plain_strings(spark: SparkSession, tmp_path: Path) -> None:
    frame = spark.sql(COLLATED)
    raw = tmp_path / "raw"
    frame.write.format("delta").save(str(raw))
    assert "collate" in schema_string(str(raw)).lower()  # what a table gets without the normalisation

    ref = TableLocator(str(tmp_path)).locate("bronze", "codes")
    write_table(spark, frame, ref)
    written = schema_string(ref.location)
    assert "collate" not in written.lower(), written
    fields = {field["name"]: field["type"] for field in json.loads(written)["fields"]}
    assert fields["code"] == "string" and fields["id"] == "long"
    assert fields["tags"]["elementType"] == "string"
    assert {field["name"]: field["type"] for field in fields["detail"]["fields"]} == {"name": "string", "n": "long"}
    assert sorted(spark.read.format("delta").load(ref.location).collect()) == sorted(frame.collect())

    merge_table(spark, spark.sql(COLLATED.replace("range(3)", "range(2, 5)")), ref, ["id"])
    assert "collate" not in schema_string(ref.location).lower()
    assert spark.read.format("delta").load(ref.location).count() == 5


def test_plain_strings_keep_comments_nullability_and_other_columns(spark: SparkSession) -> None:
    frame = spark.sql("SELECT 'a' AS code, 1 AS n, named_struct('k', 'x') AS s").selectExpr(
        "code", "n", "s", "CAST(NULL AS STRING) AS maybe"
    )
    frame = frame.withMetadata("code", {"comment": "the code"})
    plain = with_plain_strings(frame)
    assert plain.schema == frame.schema  # already plain: same names, types, nullability, comments
    assert plain.collect() == frame.collect()
    numbers = spark.range(2)
    assert with_plain_strings(numbers) is numbers  # no text: the frame itself
