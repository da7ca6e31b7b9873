"""The Faker provider: registered the Faker way, valid identifiers, the whole BSN space."""

from __future__ import annotations

from faker import Faker

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
    assert fake.prestatiecode("MZ301") in {"C11", "C13", "M03", "X10", "V91", "R24", "J28"}


def test_same_seed_same_values() -> None:
    first, second = _fake(5), _fake(5)
    assert [first.bsn() for _ in range(5)] == [second.bsn() for _ in range(5)]
    assert [first.bsn() for _ in range(5)] != [_fake(6).bsn() for _ in range(5)]
