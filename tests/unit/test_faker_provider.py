"""The Faker provider: registered the Faker way, valid identifiers, the whole BSN space."""

from __future__ import annotations

import pytest
from faker import Faker

import vektis
from provider_client import VecozoProvider
from vektis import is_valid_bsn


def _fake(seed: int = 1) -> Faker:
    fake = Faker("nl_NL")
    fake.add_provider(VecozoProvider)
    fake.seed_instance(seed)
    return fake


def test_bsns_pass_the_elfproef_and_may_repeat_digits() -> None:
    fake = _fake()
    bsns = [fake.bsn() for _ in range(2000)]
    assert all(is_valid_bsn(b) for b in bsns)
    # Faker's nl_NL ssn never repeats a digit; almost every real BSN does.
    assert sum(len(set(b)) < 9 for b in bsns) > 1500


def test_codes_have_their_shapes() -> None:
    fake = _fake()
    agb = fake.agb("12")
    assert len(agb) == 8
    assert agb.startswith("12")
    assert fake.praktijkcode("12")[2] == "0"
    assert len(fake.uzovi()) == 4


@pytest.mark.parametrize("standard", ["MZ301", "OS301", "EP301", "AW319"])
def test_prestatiecodes_are_ones_vektis_knows(standard: str) -> None:
    """An unknown code is refused by the insurer (0582), so every draw must be in vektis' list."""
    fake = _fake()
    known = {p.code for p in vektis.prestatiecodes(standard)}
    drawn = {fake.prestatiecode(standard) for _ in range(500)}
    assert known
    assert drawn <= known
    assert len(drawn) > 1


def test_prestatiecode_of_any_standard_is_known_to_vektis() -> None:
    fake = _fake()
    known = {p.code for s in ("MZ301", "OS301", "EP301", "AW319") for p in vektis.prestatiecodes(s)}
    assert {fake.prestatiecode() for _ in range(500)} <= known


def test_prestatiecode_of_a_standard_without_codes_is_refused() -> None:
    with pytest.raises(ValueError, match="MZ302"):
        _fake().prestatiecode("MZ302")


def test_same_seed_same_values() -> None:
    first, second = _fake(5), _fake(5)
    assert [first.bsn() for _ in range(5)] == [second.bsn() for _ in range(5)]
    assert [first.bsn() for _ in range(5)] != [_fake(6).bsn() for _ in range(5)]
