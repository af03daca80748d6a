"""Fixtures for the browser tests: Debian's Chromium, driven by Playwright's sync API.

The browser is never downloaded (no ``playwright install``): the tests use the Chromium
that ``make browser`` installs from Debian. A test that cannot find it fails, so that a
machine without it does not pass the accessibility gate by skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """A headless Chromium for one test, with the live server already running.

    Playwright's sync API keeps an asyncio event loop running in the test's thread (it
    switches into it with greenlets), so Django's async-safety check sees a running loop
    and refuses ORM calls from the test body (``SynchronousOnlyOperation``), although
    nothing here runs concurrently: the test waits while the browser works, and the live
    server answers in its own thread. ``DJANGO_ALLOW_ASYNC_UNSAFE`` switches that check
    off, for the life of the browser only: monkeypatch restores the environment after
    Chromium is closed and before the database is flushed, so no other test runs with
    the check disabled. (Requesting ``live_server`` first orders the fixtures that way.)
    """
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make browser`"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: ``$TSUNAGU_SCREENSHOTS`` if set (to look at them), else tmp."""
    folder = Path(os.environ.get("TSUNAGU_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
