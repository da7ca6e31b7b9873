"""COV in the portal: the three zoekpaden, the peildatum, the answer in Dutch words, and the
same answer the COV webservice gives (its JSON face, asked with the organisation's system
certificate), because both call ``gateway.check_insurance``. A person without the ``cov``
right sees no COV page.

Scenario persons: docs/TESTDATA.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from portal_support import (
    HYGIENIST_PERSON,
    PSYCHOLOGIST_PERSON,
    PortalBrowser,
    csrf_of,
    log_in,
    person_session,
    screenshot,
)

from vecozo_sim.pytest_plugin import VecozoExchange, VecozoServer, VecozoWorld

NO_CONTRACT_PERSON = "21205000200001"  # praktijk 12050002: Menzis (3332) refuses it COV
NO_CONTRACT_SYSTEM = "11205000200001"
ZK_PERSON = "20000331100001"  # an insurer's person and system: cov too
ZK_SYSTEM = "10000331100001"
CZ_PERSON = "20000711900001"  # an insurer's person: cov and berichten (cov taken away below)
INSURED_VGZ = {"bsn": "999900006", "geboortedatum": "1980-05-17"}  # 7095 / 900000001
INSURED_ZK = {"verzekerdennummer": "900000002", "geboortedatum": "1975-02-03"}  # 3311
NOT_INSURED = {"bsn": "999900031", "geboortedatum": "1990-11-30"}  # BsnOnbekend
DOUBLE = {"bsn": "999900122", "geboortedatum": "1972-12-24"}  # 7095 and 3332
_CELLS = re.compile(r'<td class="uzovi">(\d{4})</td>\s*<td class="verzekerdennummer">([^<]*)</td>')
_RESULT = re.compile(r"\(resultaat (\w+)\)")


def _ask(vecozo: VecozoExchange, session: requests.Session, zoekpad: str, **fields: str) -> str:
    url = vecozo.gateway_url + "/portal/cov"
    csrf = csrf_of(session.get(url).text)
    answer = session.post(url, data={"csrf": csrf, "zoekpad": zoekpad, **fields})
    assert answer.status_code == 200, answer.text
    return answer.text


def _webservice(
    vecozo: VecozoExchange, system: str, question: dict[str, object]
) -> dict[str, object]:
    """The COV webservice's JSON face, asked with a system certificate."""
    session = person_session(vecozo, system)
    answer = session.post(vecozo.gateway_url + "/cov/v1/controle", json=question)
    assert answer.status_code == 200, answer.text
    found = answer.json()["zoekresultaten"][0]
    assert isinstance(found, dict)
    return found


def _policies(found: dict[str, object]) -> list[tuple[str, str]]:
    verzekerde = found.get("verzekerde") or {}
    assert isinstance(verzekerde, dict)
    policies = verzekerde.get("verzekeringen", [])
    return [(p["uzovi"], p["verzekerdennummer"] or "-") for p in policies]


def test_each_zoekpad_answers_as_the_cov_webservice_does(vecozo: VecozoExchange) -> None:
    person = vecozo.world.person(INSURED_VGZ["bsn"])
    assert person is not None
    address = {"postcode": person.postcode, "huisnummer": str(person.house_number)}
    session, _ = log_in(vecozo, ZK_PERSON)
    asked: dict[str, tuple[str, dict[str, object]]] = {
        "bsn": (_ask(vecozo, session, "bsn", **INSURED_VGZ), INSURED_VGZ),
        "verzekerdennummer": (_ask(vecozo, session, "verzekerdennummer", **INSURED_ZK), INSURED_ZK),
        "adres": (
            _ask(vecozo, session, "adres", **address, geboortedatum="1980-05-17"),
            {
                "postcode": person.postcode,
                "huisnummer": person.house_number,
                "geboortedatum": "1980-05-17",
            },
        ),
        "niet gevonden": (_ask(vecozo, session, "bsn", **NOT_INSURED), NOT_INSURED),
    }
    for name, (page, question) in asked.items():
        service = _webservice(vecozo, ZK_SYSTEM, question)
        assert _RESULT.findall(page)[0] == service["resultaat"], name
        assert _CELLS.findall(page) == _policies(service), name

    assert ("7095", "900000001") in _CELLS.findall(asked["bsn"][0])
    assert "VGZ" in asked["bsn"][0]
    assert ("3311", "900000002") in _CELLS.findall(asked["verzekerdennummer"][0])
    assert _CELLS.findall(asked["adres"][0]) == _CELLS.findall(asked["bsn"][0])
    assert "er is geen verzekerde met dit BSN bekend" in asked["niet gevonden"][0]
    assert "BsnOnbekend" in asked["niet gevonden"][0]
    journal = vecozo.admin_sync(
        "GET", f"/admin/gateway/journal?account={ZK_PERSON}&route=/portal/cov"
    )
    assert sorted(r["outcome"] for r in journal if r["method"] == "POST") == [
        "COV op BSN en geboortedatum: BsnOnbekend",
        "COV op BSN en geboortedatum: Gevonden",
        "COV op Postcode, huisnummer en geboortedatum: Gevonden",
        "COV op Verzekerdennummer en geboortedatum: Gevonden",
    ]


def test_an_insurer_that_refuses_the_practice_shows_no_details(vecozo: VecozoExchange) -> None:
    """The caller's organisation reaches the COV function: 3332 refuses praktijk 12050002."""
    session, _ = log_in(vecozo, NO_CONTRACT_PERSON)
    page = _ask(vecozo, session, "bsn", **DOUBLE)
    service = _webservice(vecozo, NO_CONTRACT_SYSTEM, DOUBLE)

    assert ("3332", "-") in _CELLS.findall(page)
    assert _CELLS.findall(page) == _policies(service)
    assert "Geen inzage: deze zorgverzekeraar heeft uw organisatie niet geautoriseerd" in page


def test_the_peildatum_defaults_to_today_and_a_form_mistake_is_named(
    vecozo: VecozoExchange,
) -> None:
    today = vecozo.admin_sync("GET", "/admin/gateway/clock")["today"]
    session, _ = log_in(vecozo, PSYCHOLOGIST_PERSON)
    form = session.get(vecozo.gateway_url + "/portal/cov")
    csrf = csrf_of(form.text)
    wrong = session.post(
        vecozo.gateway_url + "/portal/cov",
        data={"csrf": csrf, "zoekpad": "bsn", "bsn": "12345", "geboortedatum": "17-05-1980"},
    )
    old = _ask(vecozo, session, "bsn", **INSURED_VGZ, peildatum="2001-01-01")

    assert f'name="peildatum" type="date" required value="{today}"' in form.text
    assert wrong.status_code == 400
    assert "BSN: vul 9 tot en met 9 cijfers in" in wrong.text
    assert "Geboortedatum: &#39;17-05-1980&#39; is geen datum (JJJJ-MM-DD)" in wrong.text
    assert "Peildatum2JaarOfOuder" in old
    assert "twee jaar of langer in het verleden" in old


@pytest.fixture(scope="module")
def no_cov_exchange(
    vecozo_world: VecozoWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VecozoExchange]:
    """An exchange of a world where the CZ person lost the ``cov`` right (nothing else)."""
    from gateway import RetrySchedule
    from world import Service, save_world

    world = vecozo_world.world
    accounts = tuple(
        dataclasses.replace(a, services=a.services - {Service.COV})
        if a.user_number == CZ_PERSON
        else a
        for a in world.accounts
    )
    changed = dataclasses.replace(world, accounts=accounts)
    layout = vecozo_world.copy_to(Path(tmp_path_factory.mktemp("no-cov")) / "home")
    save_world(changed, layout)
    root = Path(tmp_path_factory.mktemp("no-cov-exchange"))
    with VecozoServer(VecozoWorld(layout, changed), root) as server:
        exchange = server.prepare(today=None, retry=RetrySchedule(attempts=1))
        handle = VecozoExchange(server, exchange)
        yield handle
        handle.close_clients()


def test_a_person_without_the_cov_right_sees_no_cov_page(
    no_cov_exchange: VecozoExchange,
) -> None:
    vecozo = no_cov_exchange
    session, csrf = log_in(vecozo, CZ_PERSON)
    start = session.get(vecozo.gateway_url + "/portal/")
    page = session.get(vecozo.gateway_url + "/portal/cov")
    asked = session.post(
        vecozo.gateway_url + "/portal/cov", data={"csrf": csrf, "zoekpad": "bsn", **INSURED_VGZ}
    )

    assert 'href="/portal/cov"' not in start.text
    assert 'href="/portal/berichtloket"' in start.text
    assert page.status_code == asked.status_code == 403
    assert "niet geautoriseerd voor COV" in page.text
    assert "999900006" not in asked.text


def test_the_assistant_checks_a_patient_by_each_zoekpad(portal: PortalBrowser) -> None:
    person = portal.vecozo.world.person(INSURED_VGZ["bsn"])
    assert person is not None
    page = portal.log_in(HYGIENIST_PERSON)
    page.click("nav a:has-text('COV')")
    searches = [
        ("bsn", {"bsn": "999900006", "geboortedatum": "1980-05-17"}, "900000001"),
        ("verzekerdennummer", INSURED_ZK, "900000002"),
        (
            "adres",
            {
                "postcode": person.postcode,
                "huisnummer": str(person.house_number),
                "geboortedatum": "1980-05-17",
            },
            "900000001",
        ),
    ]
    for zoekpad, fields, number in searches:
        for name, value in fields.items():
            page.fill(f"#zoek-{zoekpad} [name='{name}']", value)
        page.click(f"#zoek-{zoekpad} button")
        assert "Verzekerde gevonden" in page.inner_text("#resultaat")
        assert number in page.inner_text("#verzekeringen")
        screenshot(page, f"cov-{zoekpad}")
    page.fill("#zoek-bsn [name='bsn']", NOT_INSURED["bsn"])
    page.fill("#zoek-bsn [name='geboortedatum']", NOT_INSURED["geboortedatum"])
    page.click("#zoek-bsn button")
    assert "Niet gevonden" in page.inner_text("#resultaat")
    assert page.locator("#verzekeringen").count() == 0
    screenshot(page, "cov-niet-gevonden")
