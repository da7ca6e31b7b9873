"""Rehearsal: two service bureaus submit for their providers to three insurer groups.

Every return file must reach the bureau that submitted the declaration and nobody else (not the
provider, not the other bureau); a bureau without toestemming is refused; revoking a bureau
employee's certificate locks that person out at once while the colleagues keep working.
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import declaration

from vecozo_sim.cli import main as vecozo_sim
from vecozo_sim.pytest_plugin import VecozoExchange

BUREAU_1, BUREAU_2 = "98100001", "98100002"
EMPLOYEE_1 = "29810000100001"  # the person account of bureau 98100001
VGZ, UNIVE, ZK, CZ = "7095", "0101", "3311", "7119"  # VGZ group (two brands), Achmea, CZ
# docs/TESTDATA.md: 98100001 may submit for 12050001, 87050001, 90050001; 98100002 for
# 94050001 (EP301) and 75750001 (AW319). Each bureau sends to the VGZ group, Zilveren Kruis, CZ.
ORDERS = {
    BUREAU_1: [("12050001", VGZ), ("87050001", ZK), ("90050001", CZ), ("12050001", UNIVE)],
    BUREAU_2: [("94050001", UNIVE), ("75750001", ZK), ("94050001", CZ)],
}


async def _submit_all(vecozo: VecozoExchange, bureau: str) -> set[str]:
    client = vecozo.client(bureau)
    sent = set()
    for seed, (provider, insurer) in enumerate(ORDERS[bureau]):
        data = declaration(
            vecozo.world, provider=provider, insurer=insurer, bureau=bureau, seed=seed, lines=3
        )
        sent.add((await client.push(data)).traceer_id)
    for traceer_id in sent:
        await client.wait_for_return(traceer_id, timeout=30)
    return sent


@pytest.mark.parametrize("bureaus", [[BUREAU_1], [BUREAU_1, BUREAU_2]])
async def test_every_return_reaches_the_bureau_that_submitted_and_nobody_else(
    vecozo: VecozoExchange, bureaus: list[str]
) -> None:
    # A TaskGroup, not gather: if one bureau fails, the other is cancelled rather than left
    # running into the teardown (where it used to reopen a client session that leaked).
    async with asyncio.TaskGroup() as group:
        tasks = {b: group.create_task(_submit_all(vecozo, b)) for b in bureaus}
    sent = {bureau: task.result() for bureau, task in tasks.items()}
    for bureau in ORDERS:
        inbox = await vecozo.client(bureau).list_messages()
        assert {m.als_antwoord_op for m in inbox} == sent.get(bureau, set())
        assert all(m.afzender.rol == "Zorgverzekeraar" for m in inbox)
    providers = {provider for orders in ORDERS.values() for provider, _ in orders}
    for provider in providers:
        assert await vecozo.client(provider).list_messages() == ()


async def test_a_bureau_without_toestemming_is_refused(vecozo: VecozoExchange) -> None:
    from provider_client import ProblemDetailsError

    data = declaration(vecozo.world, provider="12050001", insurer=VGZ, bureau=BUREAU_2)
    with pytest.raises(ProblemDetailsError) as refused:
        await vecozo.client(BUREAU_2).push(data)
    # 422: the request is well-formed but refused (not allowed to send for this afzender)
    assert refused.value.status == 422
    [reason] = refused.value.errors["routeringgegevens.afzender.code"]
    assert reason == "98100002 mag niet indienen voor 12050001: geen geldige toestemmingsverklaring"
    receipt = await vecozo.client(BUREAU_1).push(
        declaration(vecozo.world, provider="12050001", insurer=VGZ, bureau=BUREAU_1)
    )
    assert receipt.traceer_id  # the bureau that holds the toestemming may


# The employee's person certificate pushes only where the operator allows persons on the
# berichtenservice (docs/COMPATIBILITY.md); otherwise it would be refused before and after.
@pytest.mark.parametrize("vecozo_allow_person_rest", [True])
async def test_revoking_an_employee_locks_that_person_out_at_once(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    from provider_client import ClientError

    employee = vecozo.client(EMPLOYEE_1)
    data = declaration(vecozo.world, provider="12050001", insurer=VGZ, bureau=BUREAU_1)
    await employee.push(data)  # works before

    assert (
        vecozo_sim(["certs", "revoke", "--home", str(vecozo.home), "--user-number", EMPLOYEE_1])
        == 0
    )
    assert "revoked" in capsys.readouterr().out
    assert (await vecozo.admin("POST", "/admin/gateway/crl/reload"))["revoked"] == 1

    with pytest.raises(ClientError):
        await employee.push(data)  # the open connection: refused by the exchange's own check
    with pytest.raises(ClientError):
        await vecozo.client(EMPLOYEE_1).push(data)  # a new connection: refused at the handshake
    colleague = await vecozo.client(BUREAU_1).push(data)  # the bureau's system still works
    assert colleague.traceer_id
