"""The REST berichtenservice and COV take a systeemcertificaat only, as VECOZO's documents say
("alleen mogelijk indien er een geldig VECOZO systeemcertificaat wordt meegestuurd"), unless the
operator allows a person's: seen by curl and requests, which share none of our code.

A person's certificate is the dentist's assistant's (docs/TESTDATA.md: declareren and cov, so
only the certificate kind can be the reason for a refusal of a push or a COV check).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from conftest import UpProcess, declaration
from defusedxml import ElementTree
from gateway_fixtures import declaration_metadata

from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST = "12050001"
PERSON = "21205000100001"  # the dentist's assistant: a person account (declareren, cov)
SYSTEM = "11205000100001"  # the dentist's system account (declareren, berichten, cov)
PUSH = "/berichtenservice/berichten/rest-push/v1/berichten"
PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"
STATUS = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
COV_JSON = "/cov/v1/controle"
COV_SOAP = "/cov/vz801802/v1/soap11"
INSURED_VGZ = {"bsn": "999900006", "geboortedatum": "1980-05-17"}  # docs/TESTDATA.md
RULE = "alleen een systeemcertificaat"
SOAP_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"',
}


def _soap(vecozo: VecozoExchange) -> bytes:
    """A Controleer request for the insured person, by BSN and birth date, peildatum today."""
    today = (vecozo.world.today or dt.date.today()).isoformat()
    return f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:v1="http://schemas.vecozo.nl/VZ801802/v1"
 xmlns:mes="http://schemas.vecozo.nl/VZ801802/v1/messages"
 xmlns:typ="http://schemas.vecozo.nl/VZ801802/v1/types"><s:Body><v1:Controleer><v1:request>
<mes:Zoekopdrachten><typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer>
<typ:Geboortedatum>{INSURED_VGZ["geboortedatum"]}</typ:Geboortedatum>
<typ:Peildatum>{today}</typ:Peildatum><typ:Bsn>{INSURED_VGZ["bsn"]}</typ:Bsn>
</typ:Zoekopdracht></mes:Zoekopdrachten></v1:request></v1:Controleer></s:Body></s:Envelope>
""".encode()


def _curl_cov(url: str, cert: Path, key: Path, ca: Path) -> tuple[int, dict[str, object]]:
    """The JSON face of COV with curl, as the banner of ``up`` prints it."""
    command = ["curl", "--silent", "--show-error", "--max-time", "20", "--noproxy", "*"]
    command += ["--cert", str(cert), "--key", str(key), "--cacert", str(ca)]
    command += ["-H", "Content-Type: application/json", "-d", json.dumps(INSURED_VGZ)]
    command += ["--write-out", "\n%{http_code}", url + COV_JSON]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    body, status = done.stdout.rsplit("\n", 1)
    return int(status), json.loads(body)


def _session(vecozo: VecozoExchange, account: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # this machine's REQUESTS_CA_BUNDLE would override verify=
    session.verify = str(vecozo.ca_cert)
    session.cert = tuple(str(p) for p in vecozo.cert_and_key(account))
    return session


@pytest.fixture
def person(vecozo: VecozoExchange) -> Iterator[requests.Session]:
    with _session(vecozo, PERSON) as session:
        yield session


@pytest.fixture
def system(vecozo: VecozoExchange) -> Iterator[requests.Session]:
    with _session(vecozo, SYSTEM) as session:
        yield session


def _push(vecozo: VecozoExchange, session: requests.Session) -> requests.Response:
    """A push as the published OpenAPI document has it (multipart: metadata and payload)."""
    metadata = declaration_metadata(afzender=DENTIST, uzovi="7095")
    files = {
        "berichtMetadata": (None, json.dumps(metadata), "application/json"),
        "payload": ("decl.asc", _declaration(vecozo), "application/octet-stream"),
    }
    return session.post(vecozo.gateway_url + PUSH, files=files, timeout=20)


def _declaration(vecozo: VecozoExchange) -> bytes:
    return declaration(vecozo.world, provider=DENTIST, insurer="7095")


def _assert_refused(response: requests.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert (problem["status"], problem["title"]) == (403, "Niet geautoriseerd")
    assert RULE in problem["detail"]


def test_a_person_is_refused_on_every_webservice_by_default(
    vecozo: VecozoExchange, person: requests.Session
) -> None:
    url = vecozo.gateway_url
    _assert_refused(_push(vecozo, person))
    _assert_refused(person.get(url + PULL, timeout=20))
    _assert_refused(person.get(url + STATUS, params={"traceerId": str(uuid.uuid4())}, timeout=20))
    _assert_refused(person.post(url + "/acc" + COV_JSON, json=INSURED_VGZ, timeout=20))
    soap = person.post(url + COV_SOAP, data=_soap(vecozo), headers=SOAP_HEADERS, timeout=20)
    assert soap.status_code == 403
    fault = ElementTree.fromstring(soap.content).find(".//faultstring")
    assert fault is not None
    assert fault.text is not None
    assert fault.text.startswith("Niet geautoriseerd: ")
    assert RULE in fault.text

    journal = vecozo.admin_sync("GET", f"/admin/gateway/journal?account={PERSON}")
    assert [entry["status"] for entry in journal] == [403] * 5
    assert all(RULE in entry["outcome"] for entry in journal)


def test_a_person_is_refused_with_curl_and_the_system_answered(vecozo: VecozoExchange) -> None:
    status, problem = _curl_cov(vecozo.gateway_url, *vecozo.cert_and_key(PERSON), vecozo.ca_cert)
    assert status == 403
    assert RULE in str(problem["detail"])

    status, answer = _curl_cov(vecozo.gateway_url, *vecozo.cert_and_key(SYSTEM), vecozo.ca_cert)
    assert status == 200
    assert "Gevonden" in json.dumps(answer)


def test_the_system_certificate_is_accepted(
    vecozo: VecozoExchange, system: requests.Session
) -> None:
    url = vecozo.gateway_url
    assert _push(vecozo, system).status_code == 204
    assert system.get(url + PULL, timeout=20).status_code == 200
    soap = system.post(url + COV_SOAP, data=_soap(vecozo), headers=SOAP_HEADERS, timeout=20)
    assert soap.status_code == 200, soap.text
    assert "Gevonden" in soap.text


def test_an_organisation_code_means_its_system_certificate(vecozo: VecozoExchange) -> None:
    assert vecozo.cert_and_key(DENTIST) == vecozo.cert_and_key(SYSTEM)


class TestASuiteThatAllowsPersons:
    """A vendor's suite built on the old behaviour overrides one small fixture."""

    @pytest.fixture
    def vecozo_allow_person_rest(self) -> bool:
        return True

    def test_the_person_is_accepted(self, vecozo: VecozoExchange, person: requests.Session) -> None:
        url = vecozo.gateway_url
        assert _push(vecozo, person).status_code == 204
        cov = person.post(url + COV_JSON, json=INSURED_VGZ, timeout=20)
        assert cov.status_code == 200, cov.text
        status, _ = _curl_cov(url, *vecozo.cert_and_key(PERSON), vecozo.ca_cert)
        assert status == 200

    def test_the_person_keeps_only_its_own_rights(
        self, vecozo: VecozoExchange, person: requests.Session
    ) -> None:
        refused = person.get(vecozo.gateway_url + PULL, timeout=20)  # no berichten right
        assert refused.status_code == 403
        assert RULE not in refused.json()["detail"]
        assert "berichten" in refused.json()["detail"]


def test_up_allows_persons_through_its_environment_variable(
    run_up: Callable[..., UpProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The container's way (docs/CONTAINER.md): the variable, read by ``up`` itself."""
    monkeypatch.setenv("VECOZO_SIM_ALLOW_PERSON_REST", "yes")
    home = tmp_path / "home"
    up = run_up(home, "--persons", "0")
    accounts, ca = home / "accounts", home / "pki" / "ca.pem"
    person = (accounts / f"{PERSON}.pem", accounts / f"{PERSON}-key.pem")

    status, answer = _curl_cov(up.runtime["gateway_url"], *person, ca)

    assert status == 200, answer
    assert "a person's certificate is accepted too" in up.output()
