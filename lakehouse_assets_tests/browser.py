"""Headless Chromium (Debian's `chromium` package) driven by Playwright, and where test artifacts are kept."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Flags that keep Chromium from reaching for the network on its own (this machine's network is closed).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def artifacts_dir() -> Path:
    """Screenshots and rendered pages tests keep: $LAKEHOUSE_TEST_ARTIFACTS, else ./test-artifacts."""
    folder = Path(os.environ.get("LAKEHOUSE_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_executable() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("headless browser tests need Debian's chromium: apt-get install chromium (.ci/run installs it)")
    return found


@contextmanager
def chromium_page(width: int = 1600, height: int = 1000) -> Iterator:
    """A page in a fresh headless Chromium; the browser and its processes end with the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()
