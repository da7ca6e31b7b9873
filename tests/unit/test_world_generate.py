"""generate_world: determinism, valid identifiers, coherent policies, stable scenarios."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

import vektis
from vektis import is_valid_bsn
from world import (
    INVALID_BSN_SCENARIO,
    AccountKind,
    CoverageKind,
    DeliveryMode,
    HomeLayout,
    Person,
    TermKind,
    World,
    generate_world,
    save_world,
)

TODAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=11, persons=3000, today=TODAY)


def _files(world: World, root: Path) -> tuple[bytes, bytes]:
    layout = HomeLayout(root=root)
    save_world(world, layout)
    return layout.world_file.read_bytes(), layout.population_file.read_bytes()


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = _files(generate_world(seed=5, persons=400, today=TODAY), tmp_path / "a")
    second = _files(generate_world(seed=5, persons=400, today=TODAY), tmp_path / "b")
    assert first == second


def test_another_seed_gives_another_population(tmp_path: Path) -> None:
    first = _files(generate_world(seed=5, persons=400, today=TODAY), tmp_path / "a")
    other = _files(generate_world(seed=6, persons=400, today=TODAY), tmp_path / "b")
    assert first[1] != other[1]


def test_only_the_dates_year_matters(tmp_path: Path) -> None:
    january = generate_world(seed=5, persons=200, today=dt.date(2026, 1, 2))
    december = generate_world(seed=5, persons=200, today=dt.date(2026, 12, 30))
    assert january.persons == december.persons


def test_every_bsn_passes_the_11_proef_except_the_scenario(world: World) -> None:
    failing = [p.bsn for p in world.persons if not is_valid_bsn(p.bsn)]
    scenario = next(s for s in world.scenarios if s.name == INVALID_BSN_SCENARIO)
    assert failing == [scenario.bsn]
    assert len({p.bsn for p in world.persons}) == len(world.persons) == 3000 + 13


def _spans(person: Person, kind: CoverageKind) -> list[tuple[dt.date, dt.date | None, str]]:
    return sorted((c.start, c.end, c.uzovi) for c in person.coverages if c.kind is kind)


def test_policies_never_overlap_per_person_and_kind(world: World) -> None:
    """Except for the one scenario person who is insured twice, for COV's sake."""
    double = _scenario_person(world, "double-insured")
    for person, kind in itertools.product(world.persons, CoverageKind):
        if person is double:
            continue
        for (_, end, _), (start, _, _) in itertools.pairwise(_spans(person, kind)):
            assert end is not None
            assert end < start, person.bsn


def test_no_verzekerdennummer_names_two_people(world: World) -> None:
    # Brands of one concern share their administration, so a number must be unique world-wide.
    owners: dict[str, set[str]] = {}
    for person in world.persons:
        for c in person.coverages:
            owners.setdefault(c.verzekerdennummer, set()).add(person.bsn)
    shared = {number: bsns for number, bsns in owners.items() if len(bsns) > 1}
    assert shared == {}


def test_insurer_switches_happen_on_1_january(world: World) -> None:
    switches = 0
    double = _scenario_person(world, "double-insured")
    for person in world.persons:
        if person is double:
            continue
        for before, after in itertools.pairwise(_spans(person, CoverageKind.BASIS)):
            assert after[2] != before[2]
            assert (after[0].month, after[0].day) == (1, 1)
            assert before[1] == after[0] - dt.timedelta(days=1)
            switches += 1
    assert switches > 50  # the population does switch, not just the scenario


def test_deceased_people_are_not_insured_after_death(world: World) -> None:
    dead = [p for p in world.persons if p.deceased]
    assert dead
    for person in dead:
        assert person.deceased is not None
        assert all(c.end is not None and c.end <= person.deceased for c in person.coverages)


def test_scenarios_are_the_same_for_every_seed(world: World) -> None:
    other = generate_world(seed=99, persons=10, today=TODAY)
    assert other.scenarios == world.scenarios
    for scenario in world.scenarios:
        if scenario.bsn:
            assert other.person(scenario.bsn) == world.person(scenario.bsn)
            assert scenario.bsn.startswith("9999")


def _scenario_person(world: World, name: str) -> Person:
    bsn = next(s.bsn for s in world.scenarios if s.name == name)
    assert bsn is not None
    person = world.person(bsn)
    assert person is not None
    return person


def test_scenario_people_have_the_promised_situation(world: World) -> None:
    assert _scenario_person(world, "not-insured").coverages == ()
    assert _scenario_person(world, "wlz-client").wlz
    deceased = _scenario_person(world, "deceased")
    assert deceased.deceased == dt.date(2025, 3, 15)
    assert not list(deceased.coverages_on(TODAY))
    switch = _scenario_person(world, "insurer-switch")
    assert {c.uzovi for c in switch.coverages_on(dt.date(2025, 12, 31))} == {"3311"}
    assert {c.uzovi for c in switch.coverages_on(dt.date(2026, 1, 1))} == {"7095"}
    only = _scenario_person(world, "aanvullend-only")
    assert {c.kind for c in only.coverages} == {CoverageKind.AANVULLEND}
    partial = _scenario_person(world, "partially-insured")
    assert list(partial.coverages_on(dt.date(2025, 6, 30)))
    assert not list(partial.coverages_on(dt.date(2025, 7, 1)))


def test_provider_without_contract_and_bureau_without_toestemming(world: World) -> None:
    by_name = {s.name: s for s in world.scenarios}
    lonely = world.provider(by_name["provider-without-contract"].provider or "")
    assert lonely is not None
    assert lonely.contracted_with == frozenset()
    pair = by_name["bureau-without-toestemming"]
    assert pair.bureau
    assert pair.provider
    assert not world.has_toestemming(bureau=pair.bureau, provider=pair.provider, day=TODAY)
    assert world.has_toestemming(bureau="98100001", provider=pair.provider, day=TODAY)
    expired = by_name["toestemming-expired"]
    assert expired.bureau
    assert expired.provider
    assert not world.has_toestemming(bureau=expired.bureau, provider=expired.provider, day=TODAY)


def test_indexes_agree_with_a_scan(world: World) -> None:
    for uzovi in ("7095", "3311", "3000"):
        scanned = tuple(p for p in world.persons if any(c.uzovi == uzovi for c in p.coverages))
        assert world.persons_at(uzovi) == scanned
    assert world.persons_at("9999") == ()
    assert world.person("123456782") is None
    assert world.provider("12100001") is world.provider("12050001")


def test_every_organisation_has_a_person_and_a_system_account(world: World) -> None:
    codes = [i.uzovi for i in world.insurers] + [p.code for p in world.providers]
    codes += [b.agb for b in world.bureaus]
    for code in codes:
        kinds = sorted(a.kind for a in world.accounts_of(code))
        assert kinds == [AccountKind.PERSON, AccountKind.SYSTEM], code
    numbers = [a.user_number for a in world.accounts]
    assert all(len(n) == 14 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_default_insurers_and_their_policies(world: World) -> None:
    # the world's VGZ stubs, and the register's VGZ labels its first stub (7095) judges
    assert world.group_of("7095") == {
        "7095",
        "0101",
        "0699",
        "0736",
        "3361",
        "3334",
        "8401",
        "9001",
    }
    vgz, zk = world.insurer("7095"), world.insurer("3311")
    assert vgz is not None
    assert zk is not None
    assert (vgz.policy.term_kind, vgz.policy.term_length) == (TermKind.MONTHS_AFTER_TREATMENT, 12)
    assert (zk.policy.term_kind, zk.policy.term_length) == (TermKind.CALENDAR_YEARS, 2)
    assert vgz.policy.rejects_wlz
    assert vgz.policy.payment_term_days == 30
    assert {i.delivery.mode for i in world.insurers} == {DeliveryMode.PUSH, DeliveryMode.PULL}
    assert all(p.delivery.mode is DeliveryMode.PULL for p in world.providers)


def test_negative_person_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        generate_world(seed=1, persons=-1)


def test_policies_use_the_vektis_code_lists_where_they_exist(world: World) -> None:
    policy = world.insurers[0].policy
    for standard in ("MZ301", "OS301", "EP301", "AW319"):
        listed = {p.code: p.tariff for p in vektis.prestatiecodes(standard)}
        assert listed
        assert {c: policy.contracted_tariffs[c] for c in listed} == listed
    # Psychological care and wijkverpleging are basisverzekering care, from vektis' lists only.
    basis = {p.code for s in ("EP301", "AW319") for p in vektis.prestatiecodes(s)}
    assert policy.coverage["basis"] == basis
    assert policy.machtiging_codes <= set(policy.contracted_tariffs)
    assert all(policy.max_tariffs[c] < policy.contracted_tariffs[c] for c in policy.max_tariffs)
