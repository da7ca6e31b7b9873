"""What the portal's tests share: TOTP codes as an authenticatie-app shows them, logging in
with ``requests`` (a client sharing none of our code), reading a form's CSRF token.

The portal accepts each TOTP code once (RFC 6238 section 5.2) and one time step of drift; a
test logging the same person in twice within 30 seconds therefore gets the next step's code,
and waits when even that one was used.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import requests

from vecozo_sim.pytest_plugin import VecozoExchange

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# The generated world's organisations and accounts the portal tests use (docs/TESTDATA.md).
# The portal takes each TOTP code once, so the tests spread their logins over these persons
# (a person's second login within 30 s takes the next code, a third one waits).
DENTIST = "12050001"  # praktijk, contracted with every insurer
DENTIST_PERSON = "21205000100001"
DENTIST_SYSTEM = "11205000100001"
OTHER_DENTIST_PERSON = "21205000200001"  # praktijk 12050002: another organisation
HYGIENIST = "87050001"
HYGIENIST_PERSON = "28705000100001"
ACUPUNCTURE = "90050001"
ACUPUNCTURE_PERSON = "29005000100001"
ACUPUNCTURE_SYSTEM = "19005000100001"
HOMECARE = "75750001"
HOMECARE_PERSON = "27575000100001"
PSYCHOLOGIST = "94050001"  # bureau 98100001's toestemming of it has expired
PSYCHOLOGIST_PERSON = "29405000100001"  # another organisation than the home care's
BUREAU = "98100001"
BUREAU_PERSON = "29810000100001"
OTHER_BUREAU_PERSON = "29810000200001"  # 98100002: no toestemming of 12050001
ZK = "3311"  # Zilveren Kruis: push delivery, answers at once
CZ = "7119"  # CZ: pull delivery

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "portal"
TIMEOUT_MS = 15_000

STEP = 30
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_used: dict[str, int] = {}  # secret -> the last time step a test used
_open: list[requests.Session] = []  # closed by close_sessions() after each test


def totp_code(secret: str) -> str:
    """A code the portal has not seen yet for this secret (the current step's, if unused)."""
    step = max(int(time.time() // STEP), _used.get(secret, -1) + 1)
    while step > int(time.time() // STEP) + 1:  # only one step ahead is accepted
        time.sleep(1)
    _used[secret] = step
    return pyotp.TOTP(secret, interval=STEP).at(step * STEP)


def secret_of(vecozo: VecozoExchange, user_number: str) -> str:
    account = vecozo.world.account(user_number)
    assert account is not None, user_number
    assert account.totp_secret, user_number
    return account.totp_secret


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def person_session(vecozo: VecozoExchange, user_number: str) -> requests.Session:
    """A requests session presenting ``user_number``'s certificate (nothing logged in yet)."""
    session = requests.Session()
    _open.append(session)
    session.trust_env = False  # this machine's REQUESTS_CA_BUNDLE must not decide
    session.verify = str(vecozo.ca_cert)
    cert, key = vecozo.cert_and_key(user_number)
    session.cert = (str(cert), str(key))
    return session


def log_in(vecozo: VecozoExchange, user_number: str) -> tuple[requests.Session, str]:
    """A logged-in session and the CSRF token of its forms."""
    session = person_session(vecozo, user_number)
    url = vecozo.gateway_url + "/portal/inloggen"
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text
    code = totp_code(secret_of(vecozo, user_number))
    answer = session.post(url, data={"csrf": csrf_of(page.text), "code": code}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.url.endswith("/portal/"), answer.url
    return session, csrf_of(answer.text)


def declaration(
    vecozo: VecozoExchange,
    *,
    provider: str,
    insurer: str,
    errors: Mapping[str, float] | None = None,
) -> bytes:
    """A generated EI file dated by the world's clock; ``errors``: retourcode -> share."""
    from provider_client import GenerateOptions, generate_file

    world = vecozo.world
    options = GenerateOptions(
        provider=provider,
        insurer=insurer,
        lines=4,
        seed=1,
        today=world.today or dt.date.today(),
        errors=errors or {},
    )
    return generate_file(world, options).data


def close_sessions() -> None:
    while _open:
        _open.pop().close()


class PortalBrowser:
    """Contexts and logged-in pages for the persons of the ``vecozo`` exchange."""

    def __init__(self, browser: Browser, vecozo: VecozoExchange) -> None:
        self.browser = browser
        self.vecozo = vecozo
        self.url = vecozo.gateway_url + "/portal/"
        self._contexts: list[BrowserContext] = []

    def context(self, user_number: str | None) -> BrowserContext:
        """A browser presenting ``user_number``'s certificate (None: no certificate)."""
        options: dict[str, Any] = {"ignore_https_errors": True, "locale": "nl-NL"}
        if user_number is not None:
            cert, key = self.vecozo.cert_and_key(user_number)
            origin = self.vecozo.gateway_url
            options["client_certificates"] = [
                {"origin": origin, "certPath": str(cert), "keyPath": str(key)}
            ]
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        return context

    def log_in(self, user_number: str) -> Page:
        """A page of ``user_number`` after typing the authenticatie-app's code."""
        page = self.context(user_number).new_page()
        page.goto(self.url)  # not logged in: the portal sends the browser to the login page
        page.fill("#code", totp_code(secret_of(self.vecozo, user_number)))
        page.click("button:has-text('Inloggen')")
        page.wait_for_url(self.url)
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


def screenshot(page: Page, name: str) -> None:
    """docs/portal/NAME.png, only with PORTAL_SCREENSHOTS=1 (docs/PORTAL.md shows them)."""
    if os.environ.get("PORTAL_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
