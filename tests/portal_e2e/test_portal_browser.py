"""The portal in a real browser: Debian's Chromium presenting the person's certificate.

Each test is what a practice's assistant does: log in with the code of the authenticatie-app,
upload a clean and a faulty declaration file, watch the status move, open and download the
return; and the refusals: a wrong code, no certificate, a system certificate, a form without
its CSRF token, a revoked certificate in an open session.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from portal_support import (
    CZ,
    DENTIST,
    DENTIST_PERSON,
    DENTIST_SYSTEM,
    HOMECARE_PERSON,
    HYGIENIST_PERSON,
    OTHER_DENTIST_PERSON,
    PSYCHOLOGIST_PERSON,
    ZK,
    PortalBrowser,
    declaration,
    screenshot,
    secret_of,
    totp_code,
)

import vektis
from vecozo_sim.cli import main as vecozo_sim

DELIVERED = ["Ontvangen", "WordtVerwerkt", "VerwerkingVoltooid", "WordtAangeboden", "Bezorgd"]


def test_the_browser_presents_the_persons_certificate_and_logs_in(portal: PortalBrowser) -> None:
    page = portal.context(OTHER_DENTIST_PERSON).new_page()
    page.goto(portal.url)

    assert page.url == portal.url + "inloggen"
    assert page.inner_text("dl.gegevens").count(OTHER_DENTIST_PERSON) == 1
    screenshot(page, "inloggen")
    page.fill("#code", totp_code(secret_of(portal.vecozo, OTHER_DENTIST_PERSON)))
    page.click("button:has-text('Inloggen')")
    page.wait_for_url(portal.url)
    account = portal.vecozo.world.account(OTHER_DENTIST_PERSON)
    assert account is not None
    assert page.inner_text("h1") == f"Welkom, {account.name}"
    screenshot(page, "start")


WAIT_S = 30.0


def _upload(page: Page, name: str, data: bytes, reference: str = "") -> None:
    page.goto(page.url.split("/portal/")[0] + "/portal/declaraties")
    if reference:
        page.fill("#referentie", reference)
    page.set_input_files(
        "#bestand", files=[{"name": name, "mimeType": "text/plain", "buffer": data}]
    )
    page.click("button:has-text('Uploaden')")
    page.wait_for_selector("h1:has-text('Resultaat van de upload')")


def _traceer_id(page: Page) -> str:
    link = page.locator("p.goed a").first
    return link.inner_text()


def _until_return(page: Page, url: str) -> None:
    """Reload the declaration's page until the insurer's return is there (bounded)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        page.goto(url)
        if page.locator("#retour-bekijken").count():
            return
        time.sleep(0.3)
    raise AssertionError(f"no return within {WAIT_S} s: {page.inner_text('main')}")


def _broken(data: bytes) -> bytes:
    """A count of the closing record made non-numeric: the technical check rejects the file."""
    *records, closing, end = data.split(b"\r\n")
    return b"\r\n".join([*records, closing[:10] + b"X" + closing[11:], end])


def test_a_dentist_uploads_follows_the_status_and_reads_the_return(
    portal: PortalBrowser,
) -> None:
    page = portal.log_in(DENTIST_PERSON)
    clean = declaration(portal.vecozo, provider=DENTIST, insurer=ZK)
    _upload(page, "schoon.asc", clean, reference="Week 48 schoon")
    assert "Geen technische fouten gevonden" in page.inner_text("main")
    clean_id = _traceer_id(page)
    screenshot(page, "upload-goed")

    _upload(page, "fout.asc", _broken(clean))
    result = page.inner_text("main")
    assert "Het bestand wordt afgekeurd" in result
    melding = page.locator("table.meldingen tbody tr").first.inner_text()
    # retourcode, text, and the place: record (line and type) and field
    assert re.fullmatch(r"\d{4}\t.+\trecord \d+ \(99\), veld 99\d\d", melding), melding
    screenshot(page, "upload-fout")
    faulty_id = _traceer_id(page)

    remarks = declaration(portal.vecozo, provider=DENTIST, insurer=CZ, errors={"0320": 0.5})
    _upload(page, "niet-verzekerd.asc", remarks, reference="Week 48 met fouten")
    remarks_id = _traceer_id(page)

    detail = portal.url + f"declaraties/{clean_id}"
    _until_return(page, detail)
    history = page.inner_text("#historie")
    assert [s for s in DELIVERED if s in history] == DELIVERED
    screenshot(page, "declaratie")

    page.goto(portal.url + "declaraties?status=AfgekeurdDoorDienst")
    rows = page.locator("#declaraties tbody tr")
    assert rows.count() == 1
    assert faulty_id in rows.first.inner_html()
    page.goto(portal.url + "declaraties")
    assert page.locator("#declaraties tbody tr").count() == 3
    screenshot(page, "declaraties")

    _until_return(page, portal.url + f"declaraties/{remarks_id}")
    page.click("#retour-bekijken")
    lines = page.inner_text("#retourregels")
    assert "0320" in lines
    assert "Prestatierecord" in lines
    assert "€" in lines
    screenshot(page, "retour")
    page.goto(portal.url + f"declaraties/{remarks_id}")
    with page.expect_download() as download:
        page.click("#retour-downloaden")
    returned = Path(download.value.path()).read_bytes()
    assert vektis.parse_file(returned).standard.name == "MZ302"

    page.click("button:has-text('Uitloggen')")
    assert page.inner_text("h1") == "U bent uitgelogd"
    page.goto(portal.url + "declaraties")
    assert page.url == portal.url + "inloggen"


def test_a_wrong_code_is_refused(portal: PortalBrowser) -> None:
    page = portal.context(HOMECARE_PERSON).new_page()
    page.goto(portal.url)
    right = totp_code(secret_of(portal.vecozo, HOMECARE_PERSON))
    page.fill("#code", f"{(int(right) + 1) % 1_000_000:06d}")
    page.click("button:has-text('Inloggen')")

    assert page.url == portal.url + "inloggen"
    assert "De code is onjuist of verlopen." in page.inner_text("main")
    screenshot(page, "inloggen-fout")


def test_without_a_certificate_the_browser_gets_no_page(portal: PortalBrowser) -> None:
    page = portal.context(None).new_page()
    with pytest.raises(PlaywrightError, match="net::ERR_"):
        page.goto(portal.url)


def test_a_system_certificate_cannot_log_in(portal: PortalBrowser) -> None:
    page = portal.context(DENTIST_SYSTEM).new_page()
    response = page.goto(portal.url + "inloggen")

    assert response is not None
    assert response.status == 403
    assert "systeemcertificaat" in page.inner_text("h1")
    assert page.locator("#code").count() == 0
    screenshot(page, "systeemcertificaat")


def test_a_form_without_its_csrf_token_is_refused(portal: PortalBrowser) -> None:
    page = portal.log_in(PSYCHOLOGIST_PERSON)
    page.goto(portal.url + "declaraties")
    page.eval_on_selector("form[enctype] input[name=csrf]", "field => field.remove()")
    page.set_input_files(
        "#bestand", files=[{"name": "a.asc", "mimeType": "text/plain", "buffer": b"x"}]
    )
    page.click("button:has-text('Uploaden')")

    assert page.inner_text("h1") == "Formulier verlopen"
    page.goto(portal.url + "declaraties")
    assert page.locator("#declaraties").count() == 0  # nothing was submitted
    assert "Geen declaraties gevonden" in page.inner_text("main")


def test_a_revoked_person_is_locked_out_in_the_open_session(portal: PortalBrowser) -> None:
    """Last in this module: revoking changes the home, so the next test gets a new exchange."""
    page = portal.log_in(HYGIENIST_PERSON)
    page.goto(portal.url + "declaraties")
    home = str(portal.vecozo.home)
    assert vecozo_sim(["certs", "revoke", "--home", home, "--user-number", HYGIENIST_PERSON]) == 0

    deadline, refused = time.monotonic() + WAIT_S, ""
    while time.monotonic() < deadline and not refused:
        try:
            response = page.goto(portal.url + "declaraties")
        except PlaywrightError as exc:  # a new connection: refused in the TLS handshake
            refused = str(exc)
            break
        if response is not None and response.status == 403:
            refused = page.inner_text("main")
            screenshot(page, "ingetrokken")
        else:
            time.sleep(0.3)
    assert "ingetrokken" in refused or "net::ERR_" in refused
