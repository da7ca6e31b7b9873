"""The portal's browser fixtures: Debian's Chromium driven by Playwright for Python.

One browser per test module (``portal_browser``); each person gets a browser context presenting
their own certificate (``PortalBrowser.context``), and a page that logged in with the TOTP
code (``PortalBrowser.log_in``). No browser is ever downloaded: Playwright drives
``/usr/bin/chromium`` (``make browser-deps`` installs it with apt). Without Chromium or the
``playwright`` package the browser tests skip and say why, except under ``CI=true``, where a
missing browser is a failure, so CI never passes by skipping them.

Playwright presents client certificates through a local proxy of its own, which must trust
the test CA: NODE_EXTRA_CA_CERTS names it before the driver starts, and the contexts ignore
the proxy's own certificate (``ignore_https_errors``), which Chromium cannot verify.

``PORTAL_SCREENSHOTS=1`` makes the tests write docs/portal/*.png (docs/PORTAL.md shows them);
normal runs leave the tree alone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from portal_support import PortalBrowser, close_sessions

from vecozo_sim.pytest_plugin import VecozoExchange, VecozoWorld

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",  # root in a container: Chromium's sandbox needs user namespaces
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    """Skip with ``reason``; under CI=true fail instead (CI must run the browser tests)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        _unavailable(f"{CHROMIUM} is missing: `make browser-deps` (root, apt) installs it")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing: pip install 'vecozo-sim[browser]'")
    return CHROMIUM


@pytest.fixture(scope="module")
def portal_browser(chromium: Path, vecozo_world: VecozoWorld) -> Iterator[Browser]:
    """One Chromium per test module. Not per session: while Playwright's synchronous driver
    runs, its event loop counts as running on this thread, and a later ``async def`` test
    could not run its own."""
    from playwright.sync_api import sync_playwright

    # Read by Playwright's node driver at its start: its client-certificate proxy connects to
    # the exchange and must trust the test CA.
    os.environ["NODE_EXTRA_CA_CERTS"] = str(vecozo_world.layout.ca_cert)
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield browser
        browser.close()
    finally:
        driver.stop()


@pytest.fixture
def portal(portal_browser: Browser, vecozo: VecozoExchange) -> Iterator[PortalBrowser]:
    """The portal of this test's exchange; every context it opened is closed afterwards."""
    handle = PortalBrowser(portal_browser, vecozo)
    yield handle
    handle.close()


@pytest.fixture(autouse=True)
def _portal_sessions_closed() -> Iterator[None]:
    """The ``requests`` sessions a test opened with portal_support are closed after it."""
    yield
    close_sessions()
