"""Delta's jars for machines that cannot reach Maven Central at Spark start (air-gapped, locked-down CI).

Spark normally resolves `spark.jars.packages` itself. `lakehouse fetch-jars` resolves the same coordinates once
with Maven into a folder; LAKEHOUSE_DELTA_JARS_DIR (or spark.delta_jars_dir) then points Spark at those files.

Maven works in a repository of its own, never ~/.m2: resolving leaves poms there whose jars it never downloads
(versions that lost a conflict), and Spark's Ivy resolver, which trusts ~/.m2 first, then fails every later start
without the jars folder with "download failed".
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from xml.sax.saxutils import escape


class JarFetchError(Exception):
    pass


def delta_maven_coordinates(extra: Sequence[str] = ()) -> list[str]:
    """The artifact delta-spark's `configure_spark_with_delta_pip` asks for, plus any extra packages."""
    spark_minor = ".".join(version("pyspark").split(".")[:2])
    return [f"io.delta:delta-spark_{spark_minor}_2.13:{version('delta-spark')}", *extra]


def fetch_with_maven(coordinates: Sequence[str], dest: str | Path, repository: str | Path) -> list[Path]:
    """Copy `coordinates` and their runtime dependencies into `dest`; Maven caches downloads in `repository`."""
    if shutil.which("mvn") is None:
        raise JarFetchError("Maven (mvn) is not on PATH; install it (apt-get install maven) or copy the jars by hand")
    dest = Path(dest).expanduser().resolve()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "pom.xml").write_text(_pom(coordinates), encoding="utf-8")
        completed = subprocess.run(
            [
                "mvn", "-q", "-B", f"-Dmaven.repo.local={Path(repository).expanduser().resolve()}",
                "dependency:copy-dependencies", f"-DoutputDirectory={dest}",
                "-DincludeScope=runtime",
                "-DexcludeGroupIds=org.scala-lang",  # Spark ships its own Scala runtime, as spark.jars.packages assumes
            ],  # fmt: skip
            cwd=workdir,
            capture_output=True,
            text=True,
        )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-15:])
        raise JarFetchError(f"mvn could not resolve {', '.join(coordinates)}:\n{tail}")
    return sorted(dest.glob("*.jar"))


def _pom(coordinates: Sequence[str]) -> str:
    dependencies = []
    for coordinate in coordinates:
        parts = coordinate.split(":")
        if len(parts) != 3:
            raise JarFetchError(f"{coordinate!r} is not a Maven coordinate group:artifact:version")
        group, artifact, release = (escape(part) for part in parts)
        dependencies.append(
            f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{release}</version></dependency>"
        )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>local.lakehouse</groupId><artifactId>delta-jars</artifactId><version>1</version>"
        f"<dependencies>{''.join(dependencies)}</dependencies></project>"
    )
