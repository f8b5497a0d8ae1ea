"""Build hook: ship `config/` inside the wheel.

Project metadata and pinned dependencies live in pyproject.toml. A clone reads `config/` from the repository
root; a wheel installed on a Databricks cluster has no repository, so the build copies `config/` into the
package as `lakehouse_assets/_bundled_config/`, which the settings loader falls back to.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithConfig(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "config"
        target = Path(self.build_lib) / "lakehouse_assets" / "_bundled_config"
        shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithConfig})
