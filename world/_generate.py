"""``generate_world``: a whole world from a seed, the same world for the same seed and year.

The organisations and scenarios are fixed (see ``_catalogue`` and ``_scenarios``); the seed
chooses names and the population. Dates depend only on the year of ``today`` (default: this
year), so the world written today is byte for byte the world written tomorrow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from world._catalogue import (
    BUREAUS,
    INSURERS,
    PROVIDERS,
    BureauSpec,
    ProviderSpec,
    insurer_delivery,
    policy_for,
)
from world._model import (
    Account,
    AccountKind,
    Bureau,
    Insurer,
    Provider,
    Service,
    Toestemming,
    World,
    totp_secret,
)
from world._population import draw_pools, generate_persons
from world._scenarios import scenario_persons, scenarios

if TYPE_CHECKING:  # faker costs ~80 ms to import; only generation needs it
    from faker import Faker

__all__ = ["generate_world", "user_number"]

_ALL = frozenset(Service)
# What each kind of organisation's accounts may do: (person account, system account).
_SERVICES: dict[str, tuple[frozenset[Service], frozenset[Service]]] = {
    "insurer": (frozenset({Service.COV, Service.BERICHTEN}), _ALL),
    "provider": (frozenset({Service.DECLAREREN, Service.COV}), _ALL),
    "bureau": (_ALL, frozenset({Service.DECLAREREN, Service.BERICHTEN})),
}


def user_number(kind: AccountKind, organisation: str) -> str:
    """A 14-digit VECOZO gebruikersnummer that shows whose it is: kind digit + code + sequence.

    1 = system, 2 = person; the organisation code is zero-padded to eight digits.
    """
    digit = "1" if kind is AccountKind.SYSTEM else "2"
    return f"{digit}{organisation:0>8}00001"


def _insurers() -> tuple[Insurer, ...]:
    return tuple(
        Insurer(
            uzovi=s.uzovi,
            name=s.name,
            group=s.group,
            policy=policy_for(s.group),
            delivery=insurer_delivery(s),
        )
        for s in INSURERS
    )


def _provider(spec: ProviderSpec, fake: Faker, everyone: frozenset[str]) -> Provider:
    return Provider(
        agb=spec.agb,
        practice_agb=spec.practice_agb,
        institution_agb=spec.institution_agb,
        kind=spec.kind,
        name=f"{spec.label} {fake.last_name()}",
        standard=spec.standard,
        contracted_with=everyone if spec.contracted else frozenset(),
        practitioners=frozenset(spec.practitioners),
        cov_refused_by=frozenset(spec.cov_refused_by),
    )


def _bureau(spec: BureauSpec, fake: Faker) -> Bureau:
    return Bureau(agb=spec.agb, name=f"{spec.label} {fake.city()}")


def _accounts(fake: Faker, orgs: list[tuple[str, str, str]], seed: int) -> Iterator[Account]:
    """A named person and a system per organisation (kind, code, name)."""
    for kind, code, name in orgs:
        person_services, system_services = _SERVICES[kind]
        person = user_number(AccountKind.PERSON, code)
        yield Account(
            user_number=person,
            kind=AccountKind.PERSON,
            name=fake.name(),
            organisation=code,
            services=person_services,
            totp_secret=totp_secret(seed=seed, user_number=person),
        )
        yield Account(
            user_number=user_number(AccountKind.SYSTEM, code),
            kind=AccountKind.SYSTEM,
            name=f"{name} systeem",
            organisation=code,
            services=system_services,
        )


def _toestemmingen(providers: dict[str, Provider], year: int) -> Iterator[Toestemming]:
    """Each bureau's clients for two years from 1 January last year, plus one expired one."""
    start, end = dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
    for spec in BUREAUS:
        for key in spec.clients:
            yield Toestemming(
                provider=providers[key].code, bureau=spec.agb, valid_from=start, valid_to=end
            )
    yield Toestemming(
        provider=providers["psycholoog"].code,
        bureau=BUREAUS[0].agb,
        valid_from=dt.date(year - 3, 1, 1),
        valid_to=dt.date(year - 2, 12, 31),
    )


def generate_world(*, seed: int, persons: int = 10_000, today: dt.date | None = None) -> World:
    """A complete world: fixed organisations and scenarios, ``persons`` generated people.

    ``today`` becomes the world's simulated clock; only its year shapes the generated dates.
    """
    if persons < 0:
        raise ValueError(f"persons must not be negative, not {persons}")
    year = (today or dt.date.today()).year
    from faker import Faker

    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    insurers = _insurers()
    everyone = frozenset(i.uzovi for i in insurers)
    by_key = {s.key: _provider(s, fake, everyone) for s in PROVIDERS}
    bureaus = tuple(_bureau(s, fake) for s in BUREAUS)
    orgs = [("insurer", i.uzovi, i.name) for i in insurers]
    orgs += [("provider", p.code, p.name) for p in by_key.values()]
    orgs += [("bureau", b.agb, b.name) for b in bureaus]
    pools = draw_pools(fake)
    return World(
        seed=seed,
        insurers=insurers,
        providers=tuple(by_key.values()),
        bureaus=bureaus,
        accounts=tuple(_accounts(fake, orgs, seed)),
        toestemmingen=tuple(_toestemmingen(by_key, year)),
        persons=scenario_persons(year)
        + generate_persons(seed=seed, count=persons, year=year, pools=pools),
        scenarios=scenarios(year),
        today=today,
    )
