"""How to test your own code against the simulator with the ``vecozo`` pytest fixture.

Installing vecozo-sim registers the plugin; no import or conftest.py line is needed. Each test
gets its own exchange with every stub insurer (free ports, own store, the session's world and
certificates). This file is the example the README shows, so it cannot go stale.
"""

import datetime as dt

import pytest

from provider_client import GenerateOptions, generate_file


@pytest.fixture
def vecozo_today():  # override a setting the pytest-httpserver way: a small fixture
    return dt.date.today()


async def test_submit_a_declaration_and_fetch_the_return(vecozo):
    client = vecozo.client("12050001")  # an organisation code, user number or account name
    options = GenerateOptions(
        provider="12050001", insurer="3311", lines=3, seed=1, today=dt.date.today()
    )
    declaration = generate_file(vecozo.world, options).data

    receipt = await client.push(declaration)
    info, return_file = await client.fetch_return(receipt.traceer_id, timeout=30)

    assert info.als_antwoord_op == receipt.traceer_id
    assert return_file.startswith(b"01")  # an MZ302 return file: the voorlooprecord first


async def test_check_insurance_of_a_named_test_person(vecozo):
    person = vecozo.persons["insured-vgz"]  # docs/TESTDATA.md lists every scenario
    result = await vecozo.client("12050001").cov(bsn=person.bsn, birth_date=person.birth_date)
    assert result.insured


@pytest.mark.parametrize("vecozo_faults", [{"insurers": {"3311": {"down": True}}}])
async def test_rehearse_an_insurer_that_is_down(vecozo):
    faults = await vecozo.admin("GET", "/admin/insurers/faults")  # the operator's port
    assert faults["3311"]["down"] is True
