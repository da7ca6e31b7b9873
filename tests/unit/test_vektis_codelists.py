"""Code lists as data: retourcodes, prestatiecodes, the UZOVI register."""

from __future__ import annotations

import pytest

import vektis


def test_retourcodes_carry_meaning_and_category() -> None:
    assert vektis.retourcode("0435") == vektis.Retourcode(
        code="0435",
        meaning="Burgerservicenummer (BSN) verzekerde ontbreekt of is onjuist.",
        category="D",
    )
    assert vektis.retourcode("8983") is not None
    for code in ("8001", "8002", "0200", "8061", "0804"):
        assert vektis.retourcode(code) is not None
    assert vektis.retourcode("9999") is None


def test_prestatiecodes_per_standard() -> None:
    alternative = vektis.prestatiecodes("OS301")
    assert {p.code for p in alternative} >= {"24000", "24104", "24611"}
    assert all(p.codelijst == "090" for p in alternative)
    c11 = vektis.prestatiecode(vektis.get_standard("MZ301"), "C11")
    assert c11 is not None
    assert c11.tariff > 0
    assert c11.codelijst == "010"


def test_ep301_and_aw319_have_code_lists() -> None:
    # AW319 v1.4, 0416: "bij Wijkverpleging waarde '065'"; EP301 names no value (036 is ours).
    wijkverpleging = vektis.prestatiecodes("AW319")
    assert {"1001", "1002"} <= {p.code for p in wijkverpleging}
    assert {p.codelijst for p in wijkverpleging} == {"065"}
    psychologie = vektis.prestatiecodes(vektis.get_standard("EP301"))
    assert len(psychologie) >= 5
    assert {p.codelijst for p in psychologie} == {"036"}
    assert all(p.tariff > 0 for p in (*wijkverpleging, *psychologie))


@pytest.mark.parametrize("standard", ["MZ301", "OS301", "EP301", "AW319"])
def test_every_prestatiecode_fits_its_layout_field(standard: str) -> None:
    """A code that does not fit the prestatiecode field could never be rendered or declared."""
    (field,) = vektis.get_standard(standard).records["04"].by_key["prestatiecode"]
    (lijst,) = vektis.get_standard(standard).records["04"].by_key["prestatiecodelijst"]
    codes = vektis.prestatiecodes(standard)
    assert codes
    for p in codes:
        assert len(p.code) <= field.length, p
        assert p.code.isdigit() or field.type == "AN", p
        assert len(p.codelijst) == lijst.length, p
        assert p.codelijst.isdigit(), p


def test_uzovi_register_groups() -> None:
    assert vektis.UZOVI_REGISTER["7095"].group == "VGZ"
    assert {"7095", "0101", "0699", "0736", "3361"} <= vektis.uzovi_group("0101")
    assert vektis.uzovi_group("3311") >= {"3311", "3313", "3351", "3358", "9086"}
    assert vektis.uzovi_group("7119") >= {"7119", "7053", "9664"}
    assert vektis.UZOVI_REGISTER["3332"].group == "Menzis"
    assert vektis.uzovi_group("0000") == frozenset()
