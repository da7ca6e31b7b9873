"""The typed model of the simulated world: who exists, who may do what, who is insured where.

Every value is a frozen, slotted, keyword-only dataclass so a loaded world can be shared between
the gateway, the insurer stubs and the client without anyone changing it behind another's back.
Amounts are integer euro cents. Dates are ``datetime.date``.

This module is the contract between the rooms: the gateway reads organisations, accounts,
toestemmingen and delivery preferences; the insurer stubs read insurers, policies and the
population; the client and the traffic generator read providers, persons and scenarios.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import vektis

__all__ = [
    "Account",
    "AccountKind",
    "Bureau",
    "Coverage",
    "CoverageKind",
    "Delivery",
    "DeliveryMode",
    "Insurer",
    "InsurerPolicy",
    "Machtiging",
    "OrganisationKind",
    "Person",
    "Provider",
    "Scenario",
    "Service",
    "TermKind",
    "Toestemming",
    "WlzStay",
    "World",
    "totp_secret",
]


class Service(StrEnum):
    """A VECOZO service an account can be authorised for."""

    DECLAREREN = "declareren"
    COV = "cov"
    BERICHTEN = "berichten"


class AccountKind(StrEnum):
    """Persoonlijk certificaat (a named person) or systeemcertificaat (software)."""

    PERSON = "person"
    SYSTEM = "system"


class OrganisationKind(StrEnum):
    INSURER = "insurer"
    PROVIDER = "provider"
    BUREAU = "bureau"


class DeliveryMode(StrEnum):
    """How the exchange hands messages to an organisation."""

    PULL = "pull"  # into its mailbox; it pulls with rest-pull
    PUSH = "push"  # the exchange pushes to its https endpoint (same multipart contract)


class CoverageKind(StrEnum):
    BASIS = "basis"
    AANVULLEND = "aanvullend"


class TermKind(StrEnum):
    """How an insurer's declaratietermijn is counted (seed pages: VGZ and Zilveren Kruis)."""

    MONTHS_AFTER_TREATMENT = "months_after_treatment"  # VGZ: 12 months after treatment
    CALENDAR_YEARS = "calendar_years"  # Zilveren Kruis: within the calendar year, two at most


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    mode: DeliveryMode = DeliveryMode.PULL
    endpoint: str | None = None  # https URL of the receiving endpoint when mode is PUSH

    def __post_init__(self) -> None:
        if self.mode is DeliveryMode.PUSH and not self.endpoint:
            raise ValueError("push delivery needs an endpoint")


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurerPolicy:
    """What an insurer accepts and pays; the insurer stub judges declarations with it."""

    term_kind: TermKind = TermKind.MONTHS_AFTER_TREATMENT
    term_length: int = 12  # months after treatment, or number of calendar years
    contracted_tariffs: Mapping[str, int] = field(default_factory=dict)  # prestatiecode -> cents
    max_tariffs: Mapping[str, int] = field(default_factory=dict)  # non-contracted care -> cents
    coverage: Mapping[str, frozenset[str]] = field(default_factory=dict)  # package -> codes
    machtiging_codes: frozenset[str] = frozenset()  # prestatiecodes that need a machtiging
    rejects_wlz: bool = True  # retourcode 8983 for Wlz clients, as VGZ does
    practice_code_required: bool = False  # VGZ: "Declareer op de AGB-code van uw praktijk"
    payment_term_days: int = 30
    processing_delay_seconds: float = 0.0
    delay_jitter_seconds: float = 0.0
    whole_file_rejection: bool = False  # reject the whole file (8097) on any error
    supported_standards: frozenset[str] = frozenset({"MZ301", "OS301", "EP301", "AW319"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Insurer:
    uzovi: str
    name: str
    group: str  # concern / brand group, e.g. "VGZ"; brands of one group share a policy
    policy: InsurerPolicy
    delivery: Delivery = Delivery()

    @property
    def code(self) -> str:
        return self.uzovi


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    agb: str  # personal zorgverlenerscode (8 digits)
    practice_agb: str | None  # praktijkcode with the tussennul, or None
    institution_agb: str | None = None  # instellingscode, for instellingen
    kind: str  # AGB zorgverlenersoort, e.g. "12" tandartsen, "90" alternatieve zorg
    name: str
    standard: str  # the EI standard it declares with, e.g. "MZ301"
    contracted_with: frozenset[str] = frozenset()  # UZOVI codes
    delivery: Delivery = Delivery()
    # Personal AGB codes of the other zorgverleners working at this praktijk or instelling.
    practitioners: frozenset[str] = frozenset()
    # UZOVI codes that do not authorise it for COV: NietGeautoriseerdVoorZorgverzekeraar.
    cov_refused_by: frozenset[str] = frozenset()

    @property
    def code(self) -> str:
        """The organisation code an account of this provider belongs to."""
        return self.institution_agb or self.practice_agb or self.agb

    @property
    def zorgverleners(self) -> frozenset[str]:
        """Every personal AGB code that works here: ``agb`` and the ``practitioners``."""
        return self.practitioners | {self.agb}

    @property
    def codes(self) -> frozenset[str]:
        """Every AGB code under which this provider may appear as afzender."""
        return frozenset(c for c in (self.agb, self.practice_agb, self.institution_agb) if c)


def _workplaces(providers: tuple[Provider, ...]) -> dict[str, frozenset[str]]:
    """Personal AGB code -> the codes of every praktijk or instelling it works at."""
    places: dict[str, set[str]] = {}
    for provider in providers:
        for agb in provider.zorgverleners:
            places.setdefault(agb, set()).update(provider.codes)
    return {agb: frozenset(codes) for agb, codes in places.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Bureau:
    agb: str  # AGB code with zorgverlenersoort 98
    name: str
    delivery: Delivery = Delivery()

    @property
    def code(self) -> str:
        return self.agb


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    user_number: str  # 14-digit VECOZO gebruikersnummer, the certificate subject's serialNumber
    kind: AccountKind
    name: str  # the person's name or the system's name; certificate CN
    organisation: str  # code of the organisation: UZOVI, provider code or bureau AGB
    services: frozenset[Service]
    # A person's authenticatie-app secret (RFC 6238 TOTP, base32) for the portal's second
    # factor; None for a system account, which cannot log in to the portal.
    totp_secret: str | None = None


def totp_secret(*, seed: int, user_number: str) -> str:
    """The person's TOTP secret the world derives from its seed: the same seed, the same code.

    160 bits (RFC 4226 section 4: "The length of the shared secret MUST be at least 128 bits")
    as 32 base32 characters, as an authenticatie-app takes it.
    """
    digest = hashlib.sha256(f"vecozo-sim totp {seed} {user_number}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


@dataclass(frozen=True, slots=True, kw_only=True)
class Toestemming:
    """A toestemmingsverklaring: a provider lets a bureau declare Zvw care for it."""

    provider: str  # the provider's organisation code (Provider.code)
    bureau: str  # the bureau's AGB
    service: Service = Service.DECLAREREN
    valid_from: dt.date
    valid_to: dt.date  # at most two years after valid_from

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """One insurance policy of a person (a 'polis'): basis or aanvullend, at one insurer."""

    uzovi: str
    verzekerdennummer: str
    kind: CoverageKind
    package: str  # e.g. "basis", "tand-100", "alternatief-500"
    start: dt.date
    end: dt.date | None = None  # inclusive; None while it runs

    def is_active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True, kw_only=True)
class Machtiging:
    number: str
    uzovi: str
    prestatiecode: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True, kw_only=True)
class WlzStay:
    """A stay in a Wlz institution (with treatment there), ``start`` to ``end`` inclusive.

    The seeds (VGZ pages) refuse Zvw declarations with 8983 "for clients who stay in a Wlz
    institution and are treated there": a dated fact, not a property of the person for life.
    """

    start: dt.date
    end: dt.date | None = None  # inclusive; None while it lasts

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    bsn: str
    initials: str
    surname: str
    prefix: str  # voorvoegsel, "" when none
    birth_date: dt.date
    sex: str  # "1" man, "2" vrouw (NEN-ISO 5218 as in the EI files)
    postcode: str
    house_number: int
    deceased: dt.date | None = None
    wlz_stays: tuple[WlzStay, ...] = ()
    coverages: tuple[Coverage, ...] = ()
    machtigingen: tuple[Machtiging, ...] = ()

    def coverages_on(self, day: dt.date) -> Iterator[Coverage]:
        return (c for c in self.coverages if c.is_active_on(day))

    @property
    def wlz(self) -> bool:
        """True when the person has (had, or will have) any Wlz stay."""
        return bool(self.wlz_stays)

    def in_wlz_on(self, day: dt.date) -> bool:
        """True when ``day`` falls inside one of the person's Wlz stays."""
        return any(stay.covers(day) for stay in self.wlz_stays)

    def in_wlz_during(self, start: dt.date, end: dt.date) -> bool:
        """True when any Wlz stay overlaps ``start..end``."""
        return any(s.start <= end and (s.end is None or start <= s.end) for s in self.wlz_stays)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named test case with stable identifiers, like a payment provider's test card numbers."""

    name: str  # stable identifier, e.g. "not-insured"
    triggers: str  # what it produces, e.g. "COV: no policy found; declarations: 0320"
    bsn: str | None = None
    birth_date: dt.date | None = None
    uzovi: str | None = None
    verzekerdennummer: str | None = None
    provider: str | None = None  # a provider's organisation code
    bureau: str | None = None


class _Index:
    """Lookup tables of a World, built once: the gateway and the insurer stubs ask per request."""

    __slots__ = ("accounts", "bureaus", "by_uzovi", "insurers", "judges", "persons", "providers")

    def __init__(self, world: World) -> None:
        self.insurers = {i.uzovi: i for i in world.insurers}
        self.judges = _judges(world.insurers)
        self.providers = {code: p for p in reversed(world.providers) for code in p.codes}
        self.bureaus = {b.agb: b for b in world.bureaus}
        self.accounts = {a.user_number: a for a in world.accounts}
        self.persons = {p.bsn: p for p in world.persons}
        at: dict[str, list[Person]] = {}
        for person in world.persons:
            for uzovi in dict.fromkeys(c.uzovi for c in person.coverages):
                at.setdefault(uzovi, []).append(person)
        self.by_uzovi = {uzovi: tuple(people) for uzovi, people in at.items()}


# The stub that judges a register UZOVI whose concern has no stub insurer in the world.
_FALLBACK_GROUP = "Test"


def _judges(insurers: tuple[Insurer, ...]) -> dict[str, Insurer]:
    """Every UZOVI the world can route: its own insurers, and each code of the UZOVI register
    (brands and labels such as 9001, 3313, 7053) judged by the first insurer of its concern in
    the world, or by the test insurer when the concern has none (ONVZ, a.s.r., ...)."""
    first: dict[str, Insurer] = {}
    for insurer in insurers:
        first.setdefault(insurer.group, insurer)
    fallback = first.get(_FALLBACK_GROUP)
    judges = {
        code: judge
        for code, entry in vektis.UZOVI_REGISTER.items()
        if (judge := first.get(entry.group, fallback)) is not None
    }
    return judges | {i.uzovi: i for i in insurers}


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    seed: int
    insurers: tuple[Insurer, ...]
    providers: tuple[Provider, ...]
    bureaus: tuple[Bureau, ...]
    accounts: tuple[Account, ...]
    toestemmingen: tuple[Toestemming, ...]
    persons: tuple[Person, ...]
    scenarios: tuple[Scenario, ...]
    today: dt.date | None = None  # the simulated clock; None means the real date
    _index: _Index = field(init=False, repr=False, compare=False)
    _workplaces: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the indexes are derived data, set once here and never changed afterwards.
        object.__setattr__(self, "_index", _Index(self))
        object.__setattr__(self, "_workplaces", _workplaces(self.providers))

    def insurer(self, uzovi: str) -> Insurer | None:
        return self._index.insurers.get(uzovi)

    def provider(self, code: str) -> Provider | None:
        """The provider with this AGB, practice or institution code."""
        return self._index.providers.get(code)

    def bureau(self, agb: str) -> Bureau | None:
        return self._index.bureaus.get(agb)

    def workplaces(self, zorgverlener: str) -> frozenset[str] | None:
        """The codes of every praktijk or instelling where this personal AGB code works (their
        own codes included); None for a zorgverlener the world does not know."""
        return self._workplaces.get(zorgverlener)

    def account(self, user_number: str) -> Account | None:
        return self._index.accounts.get(user_number)

    def person(self, bsn: str) -> Person | None:
        """The insured person (or scenario person) with this BSN."""
        return self._index.persons.get(bsn)

    def persons_at(self, uzovi: str) -> tuple[Person, ...]:
        """Everyone with any coverage, past, present or future, at ``uzovi``.

        Past and future policies are included so COV can answer for any peildatum.
        """
        return self._index.by_uzovi.get(uzovi, ())

    def accounts_of(self, organisation: str) -> tuple[Account, ...]:
        return tuple(a for a in self.accounts if a.organisation == organisation)

    def has_toestemming(self, *, bureau: str, provider: str, day: dt.date) -> bool:
        """True when ``bureau`` holds a toestemmingsverklaring of ``provider`` valid on ``day``.

        ``provider`` may be any of the provider's codes; the verklaring names its organisation code.
        """
        found = self.provider(provider)
        code = found.code if found else provider
        return any(
            t.bureau == bureau and t.provider == code and t.is_valid_on(day)
            for t in self.toestemmingen
        )

    def organisation_kind(self, code: str) -> OrganisationKind | None:
        if self.insurer(code):
            return OrganisationKind.INSURER
        if self.bureau(code):
            return OrganisationKind.BUREAU
        if self.provider(code):
            return OrganisationKind.PROVIDER
        return None

    def organisation_name(self, code: str) -> str | None:
        org = self.insurer(code) or self.bureau(code) or self.provider(code)
        return org.name if org else None

    def judge_of(self, uzovi: str) -> Insurer | None:
        """The stub insurer that judges a declaration addressed to ``uzovi``: itself, or for a
        brand or label of the UZOVI register its concern's stub (None: not routable)."""
        return self._index.judges.get(uzovi)

    def group_of(self, uzovi: str) -> frozenset[str]:
        """Every UZOVI of the same concern / brand group as ``uzovi`` (itself included), with
        the register's codes its concern's stubs judge (``judge_of``)."""
        insurer = self.insurer(uzovi)
        if insurer is None:
            return frozenset()
        own = frozenset(i.uzovi for i in self.insurers if i.group == insurer.group)
        return own | {code for code, judge in self._index.judges.items() if judge.uzovi in own}
