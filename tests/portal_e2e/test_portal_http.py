"""The portal over HTTP with ``requests`` (no browser): the rules a browser test cannot pin
down exactly - cookie flags, status codes, CSRF, a cookie presented with another certificate,
revocation inside one kept-alive connection, the journal, and ``GET /`` for API clients.

The browser itself is driven in test_portal_browser.py.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import urllib.parse
import zipfile
from collections.abc import Iterator

import pytest
import requests
from portal_support import (
    ACUPUNCTURE,
    ACUPUNCTURE_PERSON,
    BUREAU_PERSON,
    DENTIST,
    DENTIST_PERSON,
    DENTIST_SYSTEM,
    HOMECARE,
    HOMECARE_PERSON,
    HYGIENIST_PERSON,
    OTHER_BUREAU_PERSON,
    OTHER_DENTIST_PERSON,
    PSYCHOLOGIST_PERSON,
    ZK,
    close_sessions,
    csrf_of,
    declaration,
    log_in,
    person_session,
    secret_of,
    totp_code,
)

from vecozo_sim.cli import main as vecozo_sim
from vecozo_sim.pytest_plugin import VecozoExchange

INSURER_PERSON = "20000709500001"  # VGZ's person: cov and berichten, no declareren


@pytest.fixture(autouse=True)
def _sessions_closed() -> Iterator[None]:
    yield
    close_sessions()


def _journal(vecozo: VecozoExchange, **query: str) -> list[dict[str, object]]:
    params = urllib.parse.urlencode(query)
    rows = vecozo.admin_sync("GET", f"/admin/gateway/journal?{params}")
    assert isinstance(rows, list)
    return rows


def test_a_browser_at_the_root_goes_to_the_portal_an_api_client_keeps_its_404(
    vecozo: VecozoExchange,
) -> None:
    session = person_session(vecozo, DENTIST_SYSTEM)
    browser = session.get(
        vecozo.gateway_url + "/", headers={"Accept": "text/html,*/*"}, allow_redirects=False
    )
    api = session.get(vecozo.gateway_url + "/", headers={"Accept": "application/json"})
    unknown = session.get(vecozo.gateway_url + "/nergens", headers={"Accept": "application/json"})

    assert (browser.status_code, browser.headers["Location"]) == (302, "/portal/")
    assert api.status_code == unknown.status_code == 404
    assert api.headers["Content-Type"].startswith("application/problem+json")
    assert {k: v for k, v in api.json().items() if k != "instance"} == {
        k: v for k, v in unknown.json().items() if k != "instance"
    }


def test_a_path_that_leaves_the_portal_is_no_way_around_its_login(vecozo: VecozoExchange) -> None:
    """Whatever starts with /portal/ is the portal's: a path that tries to climb out to the
    berichtenservice meets the login, and once logged in a page that does not exist."""
    escape = "/portal/%2E%2E/berichtenservice/berichten/rest-pull/v1/berichten"
    stranger = person_session(vecozo, DENTIST_PERSON)
    before = stranger.get(vecozo.gateway_url + escape, allow_redirects=False)
    session, _ = log_in(vecozo, INSURER_PERSON)  # has the berichten right the API would need
    after = session.get(vecozo.gateway_url + escape)

    assert (before.status_code, before.headers["Location"]) == (303, "/portal/inloggen")
    assert after.status_code == 404
    assert "Pagina niet gevonden" in after.text
    assert after.headers["Content-Type"].startswith("text/html")


def test_a_person_logs_in_with_the_totp_code_and_the_cookie_is_locked_down(
    vecozo: VecozoExchange,
) -> None:
    session = person_session(vecozo, OTHER_DENTIST_PERSON)
    url = vecozo.gateway_url + "/portal/inloggen"
    page = session.get(url)
    answer = session.post(
        url,
        data={
            "csrf": csrf_of(page.text),
            "code": totp_code(secret_of(vecozo, OTHER_DENTIST_PERSON)),
        },
        allow_redirects=False,
    )

    assert answer.status_code == 303
    assert answer.headers["Location"] == "/portal/"
    cookie = answer.headers["Set-Cookie"]
    assert all(
        flag in cookie for flag in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/portal/")
    )
    start = session.get(vecozo.gateway_url + "/portal/")
    name = vecozo.world.account(OTHER_DENTIST_PERSON).name  # type: ignore[union-attr]
    assert start.status_code == 200
    assert f"Welkom, {name}" in start.text
    assert start.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in start.headers["Content-Security-Policy"]
    logged = _journal(vecozo, account=OTHER_DENTIST_PERSON, outcome="ingelogd")
    assert [row["route"] for row in logged] == ["/portal/inloggen"]


def test_a_wrong_totp_code_is_refused_and_the_pages_stay_closed(vecozo: VecozoExchange) -> None:
    session = person_session(vecozo, OTHER_DENTIST_PERSON)
    url = vecozo.gateway_url + "/portal/inloggen"
    page = session.get(url)
    right = totp_code(secret_of(vecozo, OTHER_DENTIST_PERSON))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answer = session.post(url, data={"csrf": csrf_of(page.text), "code": wrong})
    after = session.get(vecozo.gateway_url + "/portal/declaraties", allow_redirects=False)

    assert answer.status_code == 401
    assert "De code is onjuist" in answer.text
    assert (after.status_code, after.headers["Location"]) == (303, "/portal/inloggen")
    assert _journal(vecozo, account=OTHER_DENTIST_PERSON, outcome="refused: onjuiste code")


def test_a_totp_code_is_accepted_once_only(vecozo: VecozoExchange) -> None:
    """RFC 6238 5.2: "the verifier MUST NOT accept the second attempt of the OTP"."""
    code = totp_code(secret_of(vecozo, HYGIENIST_PERSON))
    answers = []
    for _ in range(2):
        session = person_session(vecozo, HYGIENIST_PERSON)
        url = vecozo.gateway_url + "/portal/inloggen"
        page = session.get(url)
        answers.append(session.post(url, data={"csrf": csrf_of(page.text), "code": code}))
    assert [a.status_code for a in answers] == [200, 401]


def test_a_system_certificate_cannot_log_in(vecozo: VecozoExchange) -> None:
    session = person_session(vecozo, DENTIST_SYSTEM)
    page = session.get(vecozo.gateway_url + "/portal/inloggen")

    assert page.status_code == 403
    assert "Met een systeemcertificaat kunt u niet inloggen" in page.text
    assert 'name="code"' not in page.text


def test_a_form_without_its_csrf_token_is_refused(vecozo: VecozoExchange) -> None:
    session, _csrf = log_in(vecozo, PSYCHOLOGIST_PERSON)
    base = vecozo.gateway_url + "/portal/"
    data = declaration(vecozo, provider=DENTIST, insurer=ZK)
    upload = session.post(base + "declaraties", files={"bestand": ("a.asc", data)})
    forged = session.post(
        base + "declaraties", files={"csrf": (None, "x" * 43), "bestand": ("a.asc", data)}
    )
    logout = session.post(base + "uitloggen", data={})

    assert upload.status_code == forged.status_code == logout.status_code == 403
    assert "CSRF" in upload.text
    assert session.get(base + "declaraties").status_code == 200  # still logged in
    assert "Geen declaraties gevonden" in session.get(base + "declaraties").text


def test_forms_sent_in_the_wrong_shape_get_a_clear_page_not_a_500(vecozo: VecozoExchange) -> None:
    session, csrf = log_in(vecozo, BUREAU_PERSON)
    base = vecozo.gateway_url + "/portal/"
    plain = session.post(base + "declaraties", data={"csrf": csrf, "bestand": "x"})
    long_reference = session.post(
        base + "declaraties",
        files={"csrf": (None, csrf), "referentie": (None, "r" * 1000), "bestand": ("a", b"x")},
    )
    no_file = session.post(base + "declaraties", files={"csrf": (None, csrf)})
    broken = session.post(
        base + "declaraties",
        data=b"--x\r\nnot a header\r\n\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )

    assert plain.status_code == 400
    assert "verwacht multipart/form-data" in plain.text
    assert long_reference.status_code == 400
    assert "referentie is groter dan 400 bytes" in long_reference.text
    assert no_file.status_code == 400
    assert "Kies een bestand" in no_file.text
    assert broken.status_code == 403  # no CSRF token can be read from it


def test_the_session_cookie_with_another_certificate_is_refused(vecozo: VecozoExchange) -> None:
    owner, _ = log_in(vecozo, HOMECARE_PERSON)
    thief = person_session(vecozo, OTHER_BUREAU_PERSON)
    thief.cookies.update(owner.cookies)
    stolen = thief.get(vecozo.gateway_url + "/portal/declaraties")

    assert stolen.status_code == 403
    assert "ander certificaat" in stolen.text
    assert owner.get(vecozo.gateway_url + "/portal/declaraties").status_code == 200


def test_logging_out_ends_the_session(vecozo: VecozoExchange) -> None:
    session, csrf = log_in(vecozo, OTHER_BUREAU_PERSON)
    cookie = dict(session.cookies)
    out = session.post(vecozo.gateway_url + "/portal/uitloggen", data={"csrf": csrf})
    replay = person_session(vecozo, OTHER_BUREAU_PERSON)
    replay.cookies.update(cookie)
    after = replay.get(vecozo.gateway_url + "/portal/declaraties", allow_redirects=False)

    assert out.status_code == 200
    assert "U bent uitgelogd" in out.text
    assert (after.status_code, after.headers["Location"]) == (303, "/portal/inloggen")


def test_a_person_without_declareren_sees_no_upload_and_cannot_post_one(
    vecozo: VecozoExchange,
) -> None:
    session, csrf = log_in(vecozo, INSURER_PERSON)
    page = session.get(vecozo.gateway_url + "/portal/declaraties")
    data = declaration(vecozo, provider=DENTIST, insurer=ZK)
    upload = session.post(
        vecozo.gateway_url + "/portal/declaraties",
        files={"csrf": (None, csrf), "bestand": ("a.asc", data)},
    )

    assert page.status_code == 200
    assert 'name="bestand"' not in page.text
    assert upload.status_code == 403
    assert "niet geautoriseerd voor declareren" in upload.text


def test_an_upload_is_accepted_like_a_rest_push_and_journaled_with_the_person(
    vecozo: VecozoExchange,
) -> None:
    session, csrf = log_in(vecozo, DENTIST_PERSON)
    data = declaration(vecozo, provider=DENTIST, insurer=ZK)
    answer = session.post(
        vecozo.gateway_url + "/portal/declaraties",
        files={"csrf": (None, csrf), "referentie": (None, "run 7"), "bestand": ("a.asc", data)},
    )
    assert answer.status_code == 200, answer.text
    traceer_id = answer.text.split('traceerId <a href="/portal/declaraties/')[1].split('"')[0]

    history = vecozo.admin_sync("GET", f"/admin/gateway/berichten/{traceer_id}/historie")
    assert history[0]["status"] == "Ontvangen"
    rows = _journal(vecozo, traceerId=traceer_id, account=DENTIST_PERSON)
    assert [(r["method"], r["route"], r["status"]) for r in rows] == [
        ("POST", "/portal/declaraties", 200)
    ]


def _zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _upload(session: requests.Session, url: str, csrf: str, name: str, data: bytes) -> str:
    answer = session.post(
        url + "/portal/declaraties", files={"csrf": (None, csrf), "bestand": (name, data)}
    )
    return f"{answer.status_code} {answer.text}"


def test_a_zip_is_submitted_file_by_file_within_the_documented_limits(
    vecozo: VecozoExchange,
) -> None:
    session, csrf = log_in(vecozo, ACUPUNCTURE_PERSON)
    clean = declaration(vecozo, provider=ACUPUNCTURE, insurer=ZK)
    other = declaration(vecozo, provider=ACUPUNCTURE, insurer="7119")
    two = _upload(
        session, vecozo.gateway_url, csrf, "week.zip", _zip(("a.asc", clean), ("b.asc", other))
    )
    many = _zip(*((f"{n}.asc", clean) for n in range(31)))
    too_many = _upload(session, vecozo.gateway_url, csrf, "veel.zip", many)
    too_big = _upload(session, vecozo.gateway_url, csrf, "groot.asc", b"0" * (25 * 1024 * 1024 + 1))
    not_ei = _upload(session, vecozo.gateway_url, csrf, "brief.txt", b"Beste zorgverzekeraar,\r\n")

    assert two.startswith("200 ")
    assert two.count("Ontvangen met traceerId") == 2
    assert too_many.startswith("400 ")
    assert "31 bestanden; maximaal 30 per ZIP" in too_many
    assert too_big.startswith("400 ")
    assert "bestand is groter dan 25 MB" in too_big
    assert not_ei.startswith("422 ")
    assert "geen leesbaar EI-declaratiebestand" in not_ei
    listed = session.get(vecozo.gateway_url + "/portal/declaraties").text
    assert listed.count("<tr>") == 1 + 2  # the header row and the two files of the ZIP


def _rows(session: requests.Session, url: str, **query: str) -> str:
    page = session.get(url + "/portal/declaraties", params=query)
    assert page.status_code == 200
    return page.text


def test_the_overview_filters_by_insurer_status_and_date(vecozo: VecozoExchange) -> None:
    session, csrf = log_in(vecozo, HOMECARE_PERSON)
    url, today = vecozo.gateway_url, dt.datetime.now(dt.UTC).date()
    for insurer in (ZK, "7119"):
        data = declaration(vecozo, provider=HOMECARE, insurer=insurer)
        assert _upload(session, url, csrf, f"{insurer}.asc", data).startswith("200 ")
    day = dt.timedelta(days=1)

    assert _rows(session, url).count("<tr>") == 1 + 2
    assert _rows(session, url, verzekeraar=ZK).count("<tr>") == 1 + 1
    assert _rows(session, url, van=str(today), tot=str(today)).count("<tr>") == 1 + 2
    assert "Geen declaraties gevonden" in _rows(session, url, van=str(today + day))
    assert "Geen declaraties gevonden" in _rows(session, url, tot=str(today - day))
    assert "Geen declaraties gevonden" in _rows(session, url, status="AfgekeurdDoorDienst")
    wrong = _rows(session, url, van="gisteren", status="Kwijt")
    assert "van: &#39;gisteren&#39; is geen datum" in wrong
    assert "status: &#39;Kwijt&#39; bestaat niet" in wrong


def test_a_bureau_without_toestemming_is_refused_by_the_exchanges_own_rule(
    vecozo: VecozoExchange,
) -> None:
    """98100002 holds no toestemmingsverklaring of 12050001 (docs/TESTDATA.md)."""
    session, csrf = log_in(vecozo, OTHER_BUREAU_PERSON)
    data = declaration(vecozo, provider=DENTIST, insurer=ZK)
    answer = _upload(session, vecozo.gateway_url, csrf, "voor-tandarts.asc", data)

    assert answer.startswith("422 ")
    assert "geen geldige toestemmingsverklaring" in answer
    assert "routeringgegevens.afzender.code" in answer


def test_a_revoked_person_is_locked_out_at_once_also_in_an_open_session(
    vecozo: VecozoExchange,
) -> None:
    """Last in this module: revoking changes the home, so the next test gets a new exchange."""
    session, _ = log_in(vecozo, ACUPUNCTURE_PERSON)
    assert session.get(vecozo.gateway_url + "/portal/declaraties").status_code == 200
    revoke = ["certs", "revoke", "--home", str(vecozo.home), "--user-number", ACUPUNCTURE_PERSON]
    assert vecozo_sim(revoke) == 0

    deadline, page = time.monotonic() + 10, None
    while time.monotonic() < deadline:  # the CRL file is re-read at most once a second
        try:
            page = session.get(vecozo.gateway_url + "/portal/declaraties", timeout=5)
        except requests.exceptions.SSLError:  # a new connection: refused in the handshake
            page = None
            break
        if page.status_code == 403:
            break
        time.sleep(0.2)
    assert page is not None, "the kept-alive connection was closed instead of answered"
    assert page.status_code == 403
    assert "ingetrokken" in page.text
    refused = _journal(vecozo, route="/portal/declaraties", status="403")
    assert refused
    assert "ingetrokken" in str(refused[-1]["outcome"])
