"""`lakehouse fetch-jars` and the test session's jar cache resolve with Maven without touching ~/.m2.

Maven leaves poms in ~/.m2 whose jars it never downloads, and Spark's Ivy resolver then fails every later start
that resolves Delta itself ("download failed: slf4j-api.jar"); so Maven must work in a repository of its own.
"""

from pathlib import Path

import pytest

from lakehouse_assets.resources.jars import JarFetchError, fetch_with_maven
from lakehouse_assets_tests.session_jars import cache_root, cached_jars

SMALL_ARTIFACT = "org.xerial:sqlite-jdbc:3.54.1.0"  # one small jar; its slf4j dependency exercises conflict poms
# The session's own Maven repository (conftest fills it): Maven's plugins are there already, so a fetch takes seconds.
REPOSITORY = cache_root() / "maven-repository"


@pytest.fixture
def maven_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Maven's idea of the user's home (where it would put .m2), moved into the test's folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MAVEN_OPTS", f"-Duser.home={home}")
    return home


@pytest.mark.slow
def test_fetch_copies_the_jars_and_leaves_the_users_maven_repository_alone(tmp_path: Path, maven_home: Path) -> None:
    jars = fetch_with_maven([SMALL_ARTIFACT], tmp_path / "jars", repository=REPOSITORY)

    assert any(jar.name.startswith("sqlite-jdbc-3.54.1.0") for jar in jars)
    assert (REPOSITORY / "org" / "xerial" / "sqlite-jdbc").is_dir()
    assert not (maven_home / ".m2").exists()


@pytest.mark.slow
def test_the_cache_fetches_once_and_a_failed_fetch_leaves_no_folder(tmp_path: Path, maven_home: Path) -> None:
    first = cached_jars([SMALL_ARTIFACT], root=tmp_path / "cache", repository=REPOSITORY)
    assert first is not None and any(first.glob("sqlite-jdbc-*.jar"))
    marker = first / "kept"
    marker.write_text("same folder")
    assert cached_jars([SMALL_ARTIFACT], root=tmp_path / "cache", repository=REPOSITORY) == first and marker.exists()

    with pytest.raises(JarFetchError, match="no.such.group"):
        cached_jars(["no.such.group:nothing:0.0.1"], root=tmp_path / "cache", repository=REPOSITORY)
    assert [path.name for path in (tmp_path / "cache").iterdir()] == [first.name]
