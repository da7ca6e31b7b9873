"""Rehearsal: the insurer rules of issue 10 as a vendor meets them, through the running exchange.

A generated clean MZ301 file of the dentist is changed the way a practice system gets it wrong
or merely writes it differently (only the personal AGB code; names in ASCII upper case), pushed,
and the return file fetched back: what the insurer says is read from the return itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from conftest import declaration

import vektis
from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST = "12050001"  # docs/TESTDATA.md: praktijk of tandarts 12100001
VGZ, ZK = "7095", "3311"
# MZ301 voorlooprecord (1-based positions of the layout): 0111 PRAKTIJKCODE at 47 (8),
# 0113 IDENTIFICATIECODE BETALING AAN at 63 (2); verzekerdenrecord 0210 NAAM at 64 (25) and
# 0211 VOORVOEGSEL at 89 (10).
PRAKTIJKCODE, BETALING_AAN = slice(46, 54), slice(62, 64)
NAAM, VOORVOEGSEL = slice(63, 88), slice(88, 98)


def _put(line: str, where: slice, value: str) -> str:
    return line[: where.start] + value + line[where.stop :]


def _rewrite(data: bytes, record_type: str, change: Callable[[str], str]) -> bytes:
    lines = data.decode("latin-1").split("\r\n")
    out = [change(line) if line[:2] == record_type else line for line in lines]
    return "\r\n".join(out).encode("latin-1")


def _personal_agb_only(header: str) -> str:
    return _put(_put(header, PRAKTIJKCODE, "0" * 8), BETALING_AAN, "02")


def _shouted(insured: str) -> str:
    """The voorvoegsel moved into the name, all in ASCII upper case: "VAN DER BERG"."""
    name = f"{insured[VOORVOEGSEL].strip()} {insured[NAAM].strip()}".strip()
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    return _put(_put(insured, NAAM, folded[:25].ljust(25)), VOORVOEGSEL, " " * 10)


async def _return_codes(vecozo: VecozoExchange, data: bytes) -> tuple[set[str], set[str]]:
    """(the voorlooprecord's retourcodes, every detail record's) of the return file."""
    assert vektis.validate(data) == []
    client = vecozo.client(DENTIST)
    receipt = await client.push(data)
    _, returned = await client.fetch_return(receipt.traceer_id, timeout=30)
    parsed = vektis.parse_file(returned)
    details = {c for r in parsed.details for c in r.get("retourcodes") or () if c}
    return {c for c in parsed.header.get("retourcodes") or () if c}, details


@pytest.mark.parametrize(("insurer", "expected"), [(VGZ, "0016"), (ZK, "8001")])
async def test_a_file_on_the_personal_agb_code_only(
    vecozo: VecozoExchange, insurer: str, expected: str
) -> None:
    """VGZ: "Declareer op de AGB-code van uw praktijk (anders dan uw persoonlijke AGB-code)";
    Zilveren Kruis has no such rule and pays the individual zorgverlener."""
    clean = declaration(vecozo.world, provider=DENTIST, insurer=insurer, lines=2, seed=3)
    personal = _rewrite(clean, "01", _personal_agb_only)
    header, _ = await _return_codes(vecozo, personal)
    assert header == {expected}


async def test_names_in_ascii_upper_case_are_the_same_person(vecozo: VecozoExchange) -> None:
    """Practice systems send "WLZCLIENT" for "Wlzcliënt" and "VAN DER BERG" for "Berg" with
    voorvoegsel "van der": no 8005."""
    clean = declaration(vecozo.world, provider=DENTIST, insurer=ZK, lines=40, seed=4)
    insured = [line for line in clean.decode("latin-1").split("\r\n") if line[:2] == "02"]
    assert any(line[VOORVOEGSEL].strip() for line in insured)  # the file has such names
    shouted = _rewrite(clean, "02", _shouted)
    header, details = await _return_codes(vecozo, shouted)
    assert "8005" not in details
    assert header == {"8001"}
