"""Berichtloket: inbox and outbox, the return linked to its heenbericht, the download (zipped
or not) and the 24 hours the payload stays after it, on the exchange's clock; another
organisation's message is not there.

The browser test is what a practice's assistant does; the HTTP tests (``requests``, no
browser) pin down statuses, bytes, the journal, and that the REST pull applies the same
retention.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
import urllib.parse
import uuid
import zipfile

import requests
from portal_support import (
    ACUPUNCTURE,
    ACUPUNCTURE_PERSON,
    ACUPUNCTURE_SYSTEM,
    DENTIST,
    DENTIST_PERSON,
    DENTIST_SYSTEM,
    HOMECARE,
    HOMECARE_PERSON,
    HYGIENIST,
    HYGIENIST_PERSON,
    OTHER_DENTIST_PERSON,
    PSYCHOLOGIST_PERSON,
    ZK,
    PortalBrowser,
    declaration,
    log_in,
    person_session,
    screenshot,
)

import gateway
import vektis
from vecozo_sim.pytest_plugin import VecozoExchange

# Each TOTP code is taken once: the tests spread their logins over the world's persons.
LOKET = "/portal/berichtloket"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
_RETURN_ROW = re.compile(
    r'<tr data-traceer-id="([0-9a-f-]{36})">(?:(?!</tr>).)*?berichten/{heen}"', re.S
)
_TRACEER = re.compile(r'traceerId <a href="/portal/declaraties/([0-9a-f-]{36})"')


def _upload(vecozo: VecozoExchange, session: requests.Session, csrf: str, provider: str) -> str:
    data = declaration(vecozo, provider=provider, insurer=ZK)
    answer = session.post(
        vecozo.gateway_url + "/portal/declaraties",
        files={"csrf": (None, csrf), "bestand": ("a.asc", data)},
    )
    assert answer.status_code == 200, answer.text
    found = _TRACEER.search(answer.text)
    assert found, answer.text
    return found.group(1)


def _return_of(vecozo: VecozoExchange, session: requests.Session, heen: str) -> str:
    """The traceerId of the return in the inbox that links to ``heen`` (bounded: 30 s)."""
    row = re.compile(_RETURN_ROW.pattern.replace("{heen}", heen), re.S)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = row.search(session.get(vecozo.gateway_url + LOKET).text)
        if found:
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no return to {heen} in the inbox within 30 s")


def _answered(
    vecozo: VecozoExchange, person: str, provider: str
) -> tuple[requests.Session, str, str]:
    """``person`` logged in, a declaration of ``provider`` uploaded, its return arrived: the
    session, the heenbericht's and the return's traceerIds."""
    session, csrf = log_in(vecozo, person)
    heen = _upload(vecozo, session, csrf, provider)
    return session, heen, _return_of(vecozo, session, heen)


def _shift_clock(vecozo: VecozoExchange, hours: float) -> None:
    now = dt.datetime.fromisoformat(vecozo.admin_sync("GET", "/admin/gateway/clock")["now"])
    moved = (now + dt.timedelta(hours=hours)).isoformat()
    vecozo.admin_sync("PUT", "/admin/gateway/clock", {"now": moved})


def _journal(vecozo: VecozoExchange, **query: str) -> list[dict[str, object]]:
    rows = vecozo.admin_sync("GET", f"/admin/gateway/journal?{urllib.parse.urlencode(query)}")
    assert isinstance(rows, list)
    return rows


def test_the_inbox_links_the_return_to_its_heenbericht_and_the_outbox_holds_it(
    vecozo: VecozoExchange,
) -> None:
    session, heen, retour = _answered(vecozo, HYGIENIST_PERSON, HYGIENIST)
    base = vecozo.gateway_url + LOKET
    outbox = session.get(base + "/verzonden").text
    answer_page = session.get(f"{base}/berichten/{retour}").text
    heen_page = session.get(f"{base}/berichten/{heen}").text

    assert f'data-traceer-id="{heen}"' in outbox
    assert f'data-traceer-id="{retour}"' not in outbox
    assert f'href="/portal/berichtloket/berichten/{heen}"' in answer_page
    assert "Zorgverzekeraar 3311" in answer_page  # afzender of the return
    assert f"Indiener {HYGIENIST}" in answer_page  # geadresseerde: the indiener
    assert "Nog niet gedownload" in answer_page
    assert f'href="/portal/berichtloket/berichten/{retour}"' in heen_page  # its retourbericht
    conversation = re.findall(r'id="conversatie">([0-9a-f-]{36})<', answer_page + heen_page)
    assert len(conversation) == 2
    assert conversation[0] == conversation[1]
    assert "Ingediend bedrag" in heen_page
    own = session.get(f"{base}/berichten/{heen}/download")  # the sender reads what it sent
    assert own.content == declaration(vecozo, provider=HYGIENIST, insurer=ZK)
    assert (
        "Nog niet gedownload door de geadresseerde" in session.get(f"{base}/berichten/{heen}").text
    )
    filtered = session.get(base, params={"status": "AanbiedenMislukt"}).text
    bogus = session.get(base, params={"status": "Weg"}).text
    assert 'id="geen-berichten"' in filtered
    assert "status: &#39;Weg&#39; bestaat niet" in bogus


def test_a_download_starts_24_hours_on_the_exchange_clock_for_portal_and_rest_alike(
    vecozo: VecozoExchange,
) -> None:
    session, heen, retour = _answered(vecozo, ACUPUNCTURE_PERSON, ACUPUNCTURE)
    url = f"{vecozo.gateway_url}{LOKET}/berichten/{retour}"
    declaratie = f"{vecozo.gateway_url}/portal/declaraties/{heen}"
    plain = session.get(url + "/download")
    packed = session.get(url + "/download?gezipt=1")

    assert plain.status_code == packed.status_code == 200
    assert vektis.parse_file(plain.content).standard.name == "OS302"
    assert hashlib.sha256(plain.content).hexdigest() in session.get(url).text
    with zipfile.ZipFile(io.BytesIO(packed.content)) as archive:
        assert archive.namelist() == [f"OS302-{retour}.asc"]
        assert archive.read(f"OS302-{retour}.asc") == plain.content
    assert "blijft beschikbaar tot" in session.get(url).text
    rows = _journal(vecozo, traceerId=retour, account=ACUPUNCTURE_PERSON)
    assert sorted(r["outcome"] for r in rows if str(r["route"]).endswith("/download")) == [
        "gedownload (gezipt)",
        "gedownload (ongezipt)",
    ]

    _shift_clock(vecozo, 23)
    assert session.get(url + "/download").status_code == 200
    assert 'id="retour-downloaden"' in session.get(declaratie).text
    _shift_clock(vecozo, 2)  # 25 hours after the first download; no sweep needed
    page, gone = session.get(url), session.get(url + "/download")
    # The Declaratieportaal follows the same rule: no link to a download that would be refused.
    heen_page = session.get(declaratie).text
    assert 'id="retour-downloaden"' not in heen_page
    assert "bewaartermijn" in heen_page
    system = person_session(vecozo, ACUPUNCTURE_SYSTEM)
    rest = system.get(f"{vecozo.gateway_url}{PULL}/{retour}/payload")

    assert page.status_code == 200  # the metadata stays
    assert 'id="niet-beschikbaar"' in page.text
    assert 'id="downloaden"' not in page.text
    assert gone.status_code == 404
    assert "bewaartermijn" in gone.text
    assert rest.status_code == 404
    assert "bewaartermijn" in rest.json()["detail"]


def test_another_organisations_message_is_not_found(vecozo: VecozoExchange) -> None:
    owner, csrf = log_in(vecozo, HOMECARE_PERSON)
    heen = _upload(vecozo, owner, csrf, HOMECARE)
    other, _ = log_in(vecozo, PSYCHOLOGIST_PERSON)
    url = f"{vecozo.gateway_url}{LOKET}/berichten/{heen}"
    answers = [other.get(url), other.get(url + "/download"), other.get(url + "/download?gezipt=1")]
    boxes = other.get(vecozo.gateway_url + LOKET).text + other.get(url.rsplit("/", 2)[0]).text

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(f"bericht {heen} niet gevonden" in a.text for a in answers)
    assert heen not in boxes
    assert owner.get(url).status_code == 200
    refused = _journal(vecozo, account=PSYCHOLOGIST_PERSON, status="404")
    assert len(refused) == 3


def test_the_assistant_reads_the_return_downloads_it_and_sees_it_expire(
    portal: PortalBrowser,
) -> None:
    vecozo = portal.vecozo
    page = portal.log_in(DENTIST_PERSON)
    page.goto(portal.url + "declaraties")
    page.set_input_files(
        "#bestand",
        files=[
            {
                "name": "tandarts.asc",
                "mimeType": "text/plain",
                "buffer": declaration(vecozo, provider=DENTIST, insurer=ZK),
            }
        ],
    )
    page.click("button:has-text('Uploaden')")
    heen = page.inner_text("section.uitkomst a")
    page.goto(portal.url + "berichtloket")
    link = page.locator(f"a.heenbericht[href$='{heen}']")
    for _ in range(150):  # bounded: 30 s for the insurer's answer
        if link.count():
            break
        page.wait_for_timeout(200)
        page.reload()
    assert link.count() == 1
    screenshot(page, "berichtloket-inbox")
    retour = link.locator("xpath=ancestor::tr").get_attribute("data-traceer-id")
    page.click(f"tr[data-traceer-id='{retour}'] td a")
    assert f"Zorgverzekeraar {ZK}" in page.inner_text("#afzender")
    assert DENTIST in page.inner_text("#geadresseerde")
    with page.expect_download() as download:
        page.click("#downloaden")
    saved = download.value.path()
    assert vektis.parse_file(saved.read_bytes()).standard.name == "MZ302"
    page.reload()
    assert "blijft beschikbaar tot" in page.inner_text("#bewaartermijn")
    screenshot(page, "berichtloket-bericht")
    page.click(f"#gekoppeld a[href$='{heen}']")
    assert page.locator(f"#gekoppeld a[href$='{retour}']").count() == 1

    _shift_clock(vecozo, 25)
    page.goto(f"{portal.url}berichtloket/berichten/{retour}")
    assert "niet meer beschikbaar" in page.inner_text("#niet-beschikbaar")
    assert page.locator("#downloaden").count() == 0
    screenshot(page, "berichtloket-verlopen")

    other = portal.log_in(OTHER_DENTIST_PERSON)
    answer = other.goto(f"{portal.url}berichtloket/berichten/{retour}")
    assert answer is not None
    assert answer.status == 404
    other.goto(portal.url + "berichtloket")
    assert retour not in other.content()


def test_a_rest_push_without_referentie_shows_in_both_portals(vecozo: VecozoExchange) -> None:
    """referentieId is optional in the push document: the pages show the traceerId instead."""
    data = declaration(vecozo, provider=DENTIST, insurer=ZK)
    header = gateway.file_header(data)
    assert header is not None
    traceer_id = str(uuid.uuid4())
    metadata = {
        "routeringgegevens": {
            "afzender": {"rol": "Praktijk", "code": DENTIST},
            "geadresseerden": [{"rol": "Zorgverzekeraar", "code": ZK}],
            "berichtstroom": {
                "berichttype": header.standard,
                "berichtversie": header.version,
                "berichtsubversie": header.subversion,
                "actie": "Indienen",
            },
        },
        "referentiegegevens": {"conversatieId": str(uuid.uuid4()), "traceerId": traceer_id},
    }
    pushed = person_session(vecozo, DENTIST_SYSTEM).post(
        vecozo.gateway_url + PUSH,
        files={
            "berichtMetadata": (None, json.dumps(metadata), "application/json"),
            "payload": ("a.asc", data, "application/octet-stream"),
        },
    )
    assert pushed.status_code == 204, pushed.text
    session, _ = log_in(vecozo, DENTIST_PERSON)
    base = vecozo.gateway_url + "/portal/"
    pages = [
        session.get(base + path)
        for path in (
            "berichtloket/verzonden",
            f"berichtloket/berichten/{traceer_id}",
            "declaraties",
            f"declaraties/{traceer_id}",
        )
    ]

    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    assert all(traceer_id in p.text for p in pages)
