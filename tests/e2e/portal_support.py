"""What the portal's tests share: TOTP codes as an authenticatie-app shows them, logging in
with ``requests`` (a client sharing none of our code), reading a form's CSRF token.

The portal accepts each TOTP code once (RFC 6238 section 5.2) and one time step of drift; a
test logging the same person in twice within 30 seconds therefore gets the next step's code,
and waits when even that one was used.
"""

from __future__ import annotations

import re
import time

import pyotp
import requests

from vecozo_sim.pytest_plugin import VecozoExchange

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


def close_sessions() -> None:
    while _open:
        _open.pop().close()
