"""How to test your own code against the simulator with the ``vecozo`` pytest fixture.

``pip install 'vecozo-sim[pytest]'`` registers the plugin; no import, conftest.py line or ini
setting is needed. One exchange with every stub insurer runs for the whole session, on its own
thread, and is emptied before each test: any client works, a blocking one in a plain test as
well as our async one. This file is the example the README shows, so it cannot go stale. (This
repository runs pytest-asyncio in auto mode; in the default strict mode mark async tests with
``@pytest.mark.asyncio``, as below.)
"""

import datetime as dt
import subprocess

import pytest
import requests

from provider_client import GenerateOptions, generate_file

MAILBOX = "/berichtenservice/berichten/rest-pull/v1/berichten"


@pytest.fixture
def vecozo_today():  # override a setting the pytest-httpserver way: a small fixture
    return dt.date.today()


def test_any_blocking_client_in_a_plain_test(vecozo):
    cert, key = vecozo.cert_and_key("12050001")  # an organisation code, user number or name
    session = requests.Session()
    session.trust_env = False  # so REQUESTS_CA_BUNDLE cannot replace the test CA below
    session.cert, session.verify = (str(cert), str(key)), str(vecozo.ca_cert)
    assert session.get(vecozo.gateway_url + MAILBOX, timeout=10).json() == []

    curl = ["curl", "-sS", "--noproxy", "*", "--cert", str(cert), "--key", str(key)]
    curl += ["--cacert", str(vecozo.ca_cert), vecozo.gateway_url + MAILBOX]
    assert subprocess.run(curl, capture_output=True, text=True, check=True).stdout == "[]"


@pytest.mark.asyncio
async def test_submit_a_declaration_and_fetch_the_return(vecozo):
    client = vecozo.client("12050001")
    options = GenerateOptions(
        provider="12050001", insurer="3311", lines=3, seed=1, today=dt.date.today()
    )
    declaration = generate_file(vecozo.world, options).data

    receipt = await client.push(declaration)
    info, return_file = await client.fetch_return(receipt.traceer_id, timeout=30)

    assert info.als_antwoord_op == receipt.traceer_id
    assert return_file.startswith(b"01")  # an MZ302 return file: the voorlooprecord first


@pytest.mark.asyncio
async def test_check_insurance_of_a_named_test_person(vecozo):
    person = vecozo.persons["insured-vgz"]  # docs/TESTDATA.md lists every scenario
    result = await vecozo.client("12050001").cov(bsn=person.bsn, birth_date=person.birth_date)
    assert result.insured


@pytest.mark.parametrize("vecozo_faults", [{"insurers": {"3311": {"down": True}}}])
def test_rehearse_an_insurer_that_is_down(vecozo):
    faults = vecozo.admin_sync("GET", "/admin/insurers/faults")  # the operator's port
    assert faults["3311"]["down"] is True  # and gone again in the next test
