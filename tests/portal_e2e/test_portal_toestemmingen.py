"""A service bureau's staff in the portal: the toestemmingen their bureau holds, and uploads
for those providers only. The refusal of a provider without a valid toestemming comes from
the exchange's one acceptance path (the REST push's), and nothing is stored.

docs/TESTDATA.md: bureau 98100001 holds toestemmingen of 12050001, 87050001 and 90050001 (and
one of 94050001 that ended 31 Dec Y-2); bureau 98100002 of 94050001 and 75750001 only.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import requests
from portal_support import (
    BUREAU,
    BUREAU_PERSON,
    DENTIST,
    HYGIENIST,
    OTHER_BUREAU_PERSON,
    PSYCHOLOGIST,
    ZK,
    PortalBrowser,
    log_in,
    screenshot,
)

from vecozo_sim.pytest_plugin import VecozoExchange

REFUSED = "mag niet indienen voor 12050001: geen geldige toestemmingsverklaring"
_TRACEER = re.compile(r'traceerId <a href="/portal/declaraties/([0-9a-f-]{36})"')
_OPTIONS = re.compile(r'<option value="(\d{8})">')


def _file(vecozo: VecozoExchange, provider: str, bureau: str) -> bytes:
    """A declaration of ``provider`` with ``bureau`` as code servicebureau."""
    from provider_client import GenerateOptions, generate_file

    options = GenerateOptions(
        provider=provider,
        insurer=ZK,
        lines=2,
        seed=3,
        today=vecozo.world.today or dt.date.today(),
        bureau=bureau,
    )
    return generate_file(vecozo.world, options).data


def _upload(
    vecozo: VecozoExchange, session: requests.Session, csrf: str, data: bytes, chosen: str = ""
) -> requests.Response:
    fields = {"csrf": (None, csrf), "zorgaanbieder": (None, chosen), "bestand": ("d.asc", data)}
    return session.post(vecozo.gateway_url + "/portal/declaraties", files=fields)


def _stored(vecozo: VecozoExchange, session: requests.Session) -> bool:
    """Whether anything of this person's organisation is in the exchange."""
    page = session.get(vecozo.gateway_url + "/portal/berichtloket/verzonden").text
    return 'id="geen-berichten"' not in page


def test_the_bureau_sees_its_toestemmingen_and_submits_for_those_providers(
    vecozo: VecozoExchange,
) -> None:
    session, csrf = log_in(vecozo, BUREAU_PERSON)
    page = session.get(vecozo.gateway_url + "/portal/toestemmingen").text
    form = session.get(vecozo.gateway_url + "/portal/declaraties").text
    rows = dict(re.findall(r'data-zorgaanbieder="(\d+)">.*?class="status">(\w[\w ]*)<', page, re.S))
    chosen = _upload(vecozo, session, csrf, _file(vecozo, DENTIST, BUREAU), chosen=DENTIST)
    from_header = _upload(vecozo, session, csrf, _file(vecozo, HYGIENIST, BUREAU))
    assert chosen.status_code == from_header.status_code == 200, chosen.text + from_header.text
    traceer_ids = [_TRACEER.findall(a.text)[0] for a in (chosen, from_header)]
    first = session.get(f"{vecozo.gateway_url}/portal/berichtloket/berichten/{traceer_ids[0]}")

    assert rows == {
        DENTIST: "Geldig",
        HYGIENIST: "Geldig",
        "90050001": "Geldig",
        PSYCHOLOGIST: "Verlopen",
    }
    assert _OPTIONS.findall(form) == [DENTIST, HYGIENIST, "90050001"]
    assert f"Praktijk {DENTIST}" in first.text  # the afzender: the provider
    assert f'id="indiener">{BUREAU}' in first.text  # the indiener: the bureau
    journal = vecozo.admin_sync(
        "GET",
        "/admin/gateway/journal?"
        + urllib.parse.urlencode({"account": BUREAU_PERSON, "route": "/portal/declaraties"}),
    )
    assert {r["traceerId"] for r in journal if r["method"] == "POST"} == set(traceer_ids)


def test_a_provider_without_toestemming_is_refused_and_nothing_stored(
    vecozo: VecozoExchange,
) -> None:
    other, other_csrf = log_in(vecozo, OTHER_BUREAU_PERSON)
    session, csrf = log_in(vecozo, BUREAU_PERSON)
    data = _file(vecozo, DENTIST, "98100002")
    from_header = _upload(vecozo, other, other_csrf, data)
    forged = _upload(vecozo, other, other_csrf, data, chosen=DENTIST)  # not in its form
    expired = _upload(vecozo, session, csrf, _file(vecozo, PSYCHOLOGIST, BUREAU))
    mismatch = _upload(vecozo, session, csrf, _file(vecozo, DENTIST, BUREAU), chosen=HYGIENIST)

    assert from_header.status_code == forged.status_code == 422
    assert f"Niet ingediend: 98100002 {REFUSED}" in from_header.text
    assert REFUSED in forged.text
    assert expired.status_code == 422
    assert f"{BUREAU} mag niet indienen voor {PSYCHOLOGIST}" in expired.text
    assert mismatch.status_code == 422
    assert (
        f"Het bestand is van zorgaanbieder {DENTIST} (voorlooprecord), niet van de gekozen "
        f"zorgaanbieder {HYGIENIST}; het is niet ingediend."
    ) in mismatch.text
    assert not _stored(vecozo, other)
    assert not _stored(vecozo, session)


def test_bureau_staff_upload_in_the_browser_with_and_without_toestemming(
    portal: PortalBrowser,
) -> None:
    vecozo = portal.vecozo
    page = portal.log_in(BUREAU_PERSON)
    page.click("nav a:has-text('Toestemmingen')")
    assert "Geldig" in page.inner_text(f"tr[data-zorgaanbieder='{DENTIST}']")
    screenshot(page, "toestemmingen")
    page.click("nav a:has-text('Declaratieportaal')")
    page.select_option("#zorgaanbieder", DENTIST)
    page.set_input_files(
        "#bestand",
        files=[
            {
                "name": "namens.asc",
                "mimeType": "text/plain",
                "buffer": _file(vecozo, DENTIST, BUREAU),
            }
        ],
    )
    screenshot(page, "declaraties-namens")
    page.click("button:has-text('Uploaden')")
    assert "Ontvangen met traceerId" in page.inner_text("section.uitkomst")

    other = portal.log_in(OTHER_BUREAU_PERSON)
    other.click("nav a:has-text('Declaratieportaal')")
    assert other.locator(f"#zorgaanbieder option[value='{DENTIST}']").count() == 0
    other.set_input_files(
        "#bestand",
        files=[
            {
                "name": "geen.asc",
                "mimeType": "text/plain",
                "buffer": _file(vecozo, DENTIST, "98100002"),
            }
        ],
    )
    other.click("button:has-text('Uploaden')")
    assert REFUSED in other.inner_text("section.uitkomst")
    assert "Er is niets opgeslagen" in other.inner_text(".toestemming-uitleg")
    screenshot(other, "declaraties-geen-toestemming")
