"""Rehearsal: crediting. A dentist is paid, credits the line, declares it again, and the insurer's
ledger (the operator's ``/admin/insurers/ledger/{uzovi}``) adds up; and the refusals.

The rules, as the insurer pages put them: a credit line repeats the debit line with the amount
that was paid and names it in ``referentie_voorgaand``; only a paid line can be credited (8017
"Van deze creditering is geen debitering bekend"), and only once (8084 "Debetregel is al
eerder gecrediteerd"); a credited line may be declared again and is judged afresh. Every file
goes over mutual TLS with the dentist's own certificate, through the exchange to Zilveren Kruis.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import declaration

import vektis
from vecozo_sim.pytest_plugin import VecozoExchange
from world import World

DENTIST = "12050001"  # praktijk, the declarant of its files (docs/TESTDATA.md)
ZK = "3311"  # push-mode insurer, pays within its payment term


def _edited(record: vektis.Record, **changes: object) -> dict[str, object]:
    """Every field of ``record`` by number (so it renders back the same), with ``changes`` by
    semantic key in place of their fields (an amount's D/C indicator included)."""
    values: dict[str, object] = {"record_type": record.record_type, **record.fields()}
    for key in changes:
        for field in record.layout.field(key):
            values.pop(field.number, None)
            values.pop(field.sign, None)
    return values | changes


def _again(data: bytes, *, factuurnummer: str) -> bytes:
    """The same file under a new invoice number (the same number again would be 0030/8067)."""
    parsed = vektis.parse_file(data)
    header = _edited(parsed.header, factuurnummer=factuurnummer)
    return vektis.render_file(parsed.standard, [header, *parsed.details, parsed.closing])


def _credit(debit: bytes, line: str, *, amount: int, factuurnummer: str, referentie: str) -> bytes:
    """A credit of ``amount`` for the debit line ``line`` (its referentie): that line with its
    verzekerdenrecord, the amounts negative, naming the debit line in referentie_voorgaand."""
    parsed = vektis.parse_file(debit)
    at = next(
        i
        for i, r in enumerate(parsed.details)
        if r.record_type == "04" and r.get("referentie") == line
    )
    insured = next(r for r in reversed(parsed.details[:at]) if r.record_type == "02")
    # A new file numbers its detail records from 1 again (0801).
    credit = _edited(
        parsed.details[at],
        id=2,
        berekend_bedrag=-amount,
        declaratiebedrag=-amount,
        referentie=referentie,
        referentie_voorgaand=line,
    )
    counts = {"aantal_verzekerden": 1, "aantal_prestaties": 1, "aantal_detail": 2}
    closing = _edited(parsed.closing, totaal_declaratiebedrag=-amount, **counts)
    header = _edited(parsed.header, factuurnummer=factuurnummer)
    return vektis.render_file(parsed.standard, [header, _edited(insured, id=1), credit, closing])


def _lines(data: bytes) -> list[vektis.Record]:
    return [r for r in vektis.parse_file(data).details if r.record_type == "04"]


async def _send(vecozo: VecozoExchange, data: bytes) -> dict[str, set[str]]:
    """Push, wait for the return file: {referentie: retourcodes} of its remarked lines."""
    client = vecozo.client(DENTIST)
    receipt = await client.push(data)
    _, returned = await client.fetch_return(receipt.traceer_id, timeout=15)
    return {str(r.get("referentie")): _codes(r) for r in _lines(returned)}


def _codes(record: vektis.Record) -> set[str]:
    codes = record.get("retourcodes")
    assert isinstance(codes, tuple)
    return {str(c) for c in codes if c}


def _all_known_to_zk(world: World, data: bytes) -> bool:
    """True when ZK knows every person of the file: a 0320 then rejects the line itself, not
    the verzekerdenrecord (whose lines come back 8002, and so would their credits)."""
    brands = world.group_of(ZK)
    bsns = [r.get_str("bsn") for r in vektis.parse_file(data).details if r.record_type == "02"]
    people = [world.person(bsn) for bsn in bsns]
    return all(p is not None and any(c.uzovi in brands for c in p.coverages) for p in people)


async def _ledger(vecozo: VecozoExchange) -> dict[str, Any]:
    ledger: dict[str, Any] = await vecozo.admin(
        "GET", f"/admin/insurers/ledger/{ZK}?provider={DENTIST}"
    )
    return ledger


async def test_pay_credit_and_declare_again_and_the_ledger_adds_up(
    vecozo: VecozoExchange,
) -> None:
    debit = declaration(vecozo.world, provider=DENTIST, insurer=ZK, lines=1, seed=7)
    [line] = _lines(debit)
    ref = str(line.get("referentie"))
    assert await _send(vecozo, debit) == {}  # paid: the file comes back without remarks
    [paid_row] = (await _ledger(vecozo))["regels"]
    paid = paid_row["toegekend"]
    assert paid == line.get("declaratiebedrag")  # contracted: paid in full
    assert paid > 0

    credit = _credit(debit, ref, amount=paid, factuurnummer="CREDIT01", referentie="7" * 20)
    assert await _send(vecozo, credit) == {}  # accepted
    assert await _send(vecozo, _again(debit, factuurnummer="AGAIN01")) == {}  # paid afresh

    ledger = await _ledger(vecozo)
    rows = ledger["regels"]
    assert [row["toegekend"] for row in rows] == [paid, -paid, paid]
    assert (ledger["toegekend"], ledger["gecrediteerd"]) == (2 * paid, -paid)
    # the credit is offset against the next file, so only the first one is transferred
    assert [(row["verrekend"], row["uitbetaald"]) for row in rows] == [
        (0, paid),
        (0, 0),
        (-paid, 0),
    ]
    assert (ledger["uitbetaald"], ledger["saldo"]) == (paid, 0)
    insurer = vecozo.world.insurer(ZK)
    assert insurer is not None
    term = dt.timedelta(days=min(insurer.policy.payment_term_days, 30) - 1)  # receipt = day 1
    for row in rows:
        received = dt.date.fromisoformat(row["ontvangen"])
        assert dt.date.fromisoformat(row["betaaldatum"]) == received + term


async def test_a_rejected_line_cannot_be_credited_nor_a_paid_one_twice(
    vecozo: VecozoExchange,
) -> None:
    drafts = (
        declaration(
            vecozo.world, provider=DENTIST, insurer=ZK, lines=2, seed=s, errors={"0320": 0.5}
        )
        for s in range(1, 30)
    )
    mixed = next(d for d in drafts if _all_known_to_zk(vecozo.world, d))
    [(rejected, codes)] = (await _send(vecozo, mixed)).items()
    assert codes == {"0320"}  # known to ZK, but not insured on the date of care
    [paid_line] = [r for r in _lines(mixed) if r.get("referentie") != rejected]
    paid = paid_line.get_int("declaratiebedrag")
    amount = next(r for r in _lines(mixed) if r.get("referentie") == rejected).get_int(
        "declaratiebedrag"
    )
    refused = _credit(mixed, rejected, amount=amount, factuurnummer="CREDIT02", referentie="8" * 20)
    assert await _send(vecozo, refused) == {"8" * 20: {"8017"}}

    paid_ref = str(paid_line.get("referentie"))
    first = _credit(mixed, paid_ref, amount=paid, factuurnummer="CREDIT03", referentie="5" * 20)
    assert await _send(vecozo, first) == {}
    again = _credit(mixed, paid_ref, amount=paid, factuurnummer="CREDIT04", referentie="6" * 20)
    assert await _send(vecozo, again) == {"6" * 20: {"8084"}}

    ledger = await _ledger(vecozo)
    # The debit was paid out in full; the one accepted credit is owed back until a next
    # payment offsets it, so the balance stands at minus the credited amount.
    assert (ledger["toegekend"], ledger["gecrediteerd"], ledger["saldo"]) == (paid, -paid, -paid)
