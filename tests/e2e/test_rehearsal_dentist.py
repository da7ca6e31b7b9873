"""Rehearsal: a dentist submits MZ301 files and gets their return files, over mutual TLS.

Everything goes through public interfaces: the ``vecozo`` fixture of our pytest plugin (an
isolated exchange with every stub insurer), ``provider_client.VecozoClient`` with the dentist's
own certificate, and the operator's admin port for the status history.
"""

from __future__ import annotations

import pytest
from conftest import answers, declaration

import vektis
from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST = "12050001"  # docs/TESTDATA.md: contracted with every insurer
VGZ = "7095"  # push-mode insurer
CZ = "7119"  # pull-mode insurer
ZK = "3311"  # push-mode insurer of a one-brand group
DELIVERED = ["Ontvangen", "WordtVerwerkt", "VerwerkingVoltooid", "WordtAangeboden", "Bezorgd"]


async def _history(vecozo: VecozoExchange, traceer_id: str) -> list[str]:
    rows = await vecozo.admin("GET", f"/admin/gateway/berichten/{traceer_id}/historie")
    return [row["status"] for row in rows]


def _codes(return_file: bytes) -> set[str]:
    parsed = vektis.parse_file(return_file)
    found: set[str] = set()
    for record in (parsed.header, *parsed.details):  # the closing record carries no codes
        found.update(c for c in record.get("retourcodes") or () if c)
    return found


@pytest.mark.parametrize("insurer", [ZK, CZ, VGZ])
async def test_a_clean_file_returns_as_header_and_closing_record(
    vecozo: VecozoExchange, insurer: str
) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=insurer))
    info, returned = await client.fetch_return(receipt.traceer_id, timeout=30)

    parsed = vektis.parse_file(returned)
    assert parsed.standard.name == "MZ302"
    assert list(parsed.details) == []  # no remark: header and closing record only
    assert info.als_antwoord_op == receipt.traceer_id
    assert info.conversatie_id == receipt.conversatie_id
    assert (info.afzender.rol, info.afzender.code) == ("Zorgverzekeraar", insurer)
    assert await _history(vecozo, receipt.traceer_id) == DELIVERED

    await client.acknowledge(info.traceer_id)
    assert await _history(vecozo, info.traceer_id) == DELIVERED  # the return's own life
    assert await answers(client, receipt.traceer_id) == ()


@pytest.mark.parametrize(
    ("code", "insurer"),
    [
        ("0320", CZ),  # not insured
        ("0328", VGZ),  # died before the date of care
        ("0320", ZK),  # not insured on the date of care (known to ZK, or not at all)
        ("8983", VGZ),  # Wlz client at a VGZ brand (a five-brand group: unique numbers)
    ],
)
async def test_a_file_with_a_faulty_line_returns_that_lines_code(
    vecozo: VecozoExchange, code: str, insurer: str
) -> None:
    client = vecozo.client(DENTIST)
    data = declaration(vecozo.world, provider=DENTIST, insurer=insurer, errors={code: 0.25})
    receipt = await client.push(data)
    _, returned = await client.fetch_return(receipt.traceer_id, timeout=30)

    parsed = vektis.parse_file(returned)
    assert code in _codes(returned)
    assert list(parsed.details)  # the faulty line comes back with its records
    assert await _history(vecozo, receipt.traceer_id) == DELIVERED


async def test_a_technically_wrong_file_is_refused_with_meldingen(vecozo: VecozoExchange) -> None:
    from provider_client import DeclarationRejectedError

    client = vecozo.client(DENTIST)
    data = declaration(vecozo.world, provider=DENTIST, insurer=ZK)
    *records, closing, end = data.split(b"\r\n")
    closing = closing[:10] + b"X" + closing[11:]  # a count of the closing record: not numeric
    broken = b"\r\n".join([*records, closing, end])
    assert vektis.validate(broken)  # the file itself is wrong, not the exchange
    receipt = await client.push(broken)

    with pytest.raises(DeclarationRejectedError) as refused:
        await client.wait_for_return(receipt.traceer_id, timeout=30)
    assert refused.value.meldingen
    assert await _history(vecozo, receipt.traceer_id) == [
        "Ontvangen",
        "WordtVerwerkt",
        "AfgekeurdDoorDienst",
    ]


async def test_another_practice_sees_neither_status_nor_return(vecozo: VecozoExchange) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=ZK))
    await client.wait_for_return(receipt.traceer_id, timeout=30)

    other = vecozo.client("87050001")  # the mondhygiënist's system account
    assert await answers(other, receipt.traceer_id) == ()
    # not even whether the message exists: the same empty list as for an unknown traceerId
    assert await other.status(traceer_id=receipt.traceer_id) == ()
