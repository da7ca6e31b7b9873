"""The portal in a real browser: Debian's Chromium presenting the person's certificate.

Each test is what a practice's assistant does: log in with the code of the authenticatie-app,
upload a clean and a faulty declaration file, watch the status move, open and download the
return; and the refusals: a wrong code, no certificate, a system certificate, a form without
its CSRF token, a revoked certificate in an open session.
"""

from __future__ import annotations

from portal_support import PortalBrowser, screenshot, secret_of, totp_code

DENTIST_PERSON = "21205000100001"  # Tandartspraktijk 12050001 (docs/TESTDATA.md)
DENTIST_SYSTEM = "11205000100001"
ORTHO_PERSON = "21205000200001"  # the other dental practice (12050002)


def test_the_browser_presents_the_persons_certificate_and_logs_in(portal: PortalBrowser) -> None:
    page = portal.context(DENTIST_PERSON).new_page()
    page.goto(portal.url)

    assert page.url == portal.url + "inloggen"
    assert page.inner_text("dl.gegevens").count(DENTIST_PERSON) == 1
    screenshot(page, "inloggen")
    page.fill("#code", totp_code(secret_of(portal.vecozo, DENTIST_PERSON)))
    page.click("button:has-text('Inloggen')")
    page.wait_for_url(portal.url)
    account = portal.vecozo.world.account(DENTIST_PERSON)
    assert account is not None
    assert page.inner_text("h1") == f"Welkom, {account.name}"
    screenshot(page, "start")
