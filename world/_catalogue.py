"""The fixed part of every generated world: insurers, their policies, prestaties, organisations.

Codes here are stable across seeds on purpose: test suites of vendors hard-code UZOVI and AGB
codes the way payment tests hard-code card numbers. Only names and the population vary per seed.

Prestatiecodes and tariffs (cents) come from ``vektis.prestatiecodes`` for every standard it lists
(MZ301 mondzorg, OS301 alternative care, EP301 psychologische zorg, AW319 wijkverpleging), so a
generated declaration and the insurer's policy name the same codes; as a fallback this module
keeps a small table of its own: plausible values for testing, not the NZa tariff list.
"""

from __future__ import annotations

from dataclasses import dataclass

import vektis
from world._model import Delivery, DeliveryMode, InsurerPolicy, TermKind

__all__ = [
    "BUREAUS",
    "INSURERS",
    "MACHTIGING_CODES",
    "PACKAGES",
    "PRESTATIES",
    "PROVIDERS",
    "BureauSpec",
    "InsurerSpec",
    "Prestatie",
    "ProviderSpec",
    "insurer_delivery",
    "policy_for",
    "push_endpoint",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Prestatie:
    code: str
    standard: str  # the EI standard it is declared with
    description: str
    tariff: int  # contracted tariff, cents
    basis: bool  # covered by the basisverzekering (else only by an aanvullende)


_OWN_PRESTATIES: tuple[Prestatie, ...] = (
    Prestatie(
        code="C11",
        standard="MZ301",
        description="Periodiek mondonderzoek",
        tariff=2823,
        basis=False,
    ),
    Prestatie(
        code="C13",
        standard="MZ301",
        description="Probleemgericht consult",
        tariff=1588,
        basis=False,
    ),
    Prestatie(
        code="M03",
        standard="MZ301",
        description="Gebitsreiniging per 5 minuten",
        tariff=1617,
        basis=False,
    ),
    Prestatie(
        code="X10", standard="MZ301", description="Kleine röntgenfoto", tariff=1722, basis=False
    ),
    Prestatie(
        code="V91",
        standard="MZ301",
        description="Eénvlaksvulling composiet",
        tariff=5297,
        basis=False,
    ),
    Prestatie(
        code="E13",
        standard="MZ301",
        description="Wortelkanaalbehandeling",
        tariff=11061,
        basis=False,
    ),
    Prestatie(
        code="24104",
        standard="OS301",
        description="Behandeling acupunctuur",
        tariff=6500,
        basis=False,
    ),
    Prestatie(
        code="24200",
        standard="OS301",
        description="Behandeling homeopathie",
        tariff=6000,
        basis=False,
    ),
    Prestatie(
        code="24600",
        standard="OS301",
        description="Behandeling chiropractie",
        tariff=7500,
        basis=False,
    ),
    Prestatie(
        code="24603",
        standard="OS301",
        description="Behandeling osteopathie",
        tariff=8000,
        basis=False,
    ),
)


# Psychological care and wijkverpleging are basisverzekering care; dental and alternative care
# are covered only by an aanvullende verzekering (for adults).
_BASIS_STANDARDS = frozenset({"EP301", "AW319"})


def _prestaties() -> tuple[Prestatie, ...]:
    """Vektis' code list where it has one for a standard, this module's own table otherwise."""
    out: list[Prestatie] = []
    for standard in ("MZ301", "OS301", "EP301", "AW319"):
        listed = vektis.prestatiecodes(standard)
        out += [
            Prestatie(
                code=p.code,
                standard=standard,
                description=p.description,
                tariff=p.tariff,
                basis=standard in _BASIS_STANDARDS,
            )
            for p in listed
        ] or [p for p in _OWN_PRESTATIES if p.standard == standard]
    return tuple(out)


PRESTATIES = _prestaties()
# Codes that need a machtiging at the insurers that ask for one (a simulator choice).
MACHTIGING_CODES = frozenset({"E13"})

_DENTAL = frozenset(p.code for p in PRESTATIES if p.standard == "MZ301")
_ALTERNATIVE = frozenset(p.code for p in PRESTATIES if p.standard == "OS301")
_BASIS = frozenset(p.code for p in PRESTATIES if p.basis)

# package -> the prestatiecodes it covers; "basis" is the basisverzekering.
PACKAGES: dict[str, frozenset[str]] = {
    "basis": _BASIS,
    "tand-250": _DENTAL - MACHTIGING_CODES,
    "tand-750": _DENTAL,
    "alternatief-500": _ALTERNATIVE,
    "compleet": _DENTAL | _ALTERNATIVE,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurerSpec:
    uzovi: str
    name: str
    group: str
    push: bool  # the exchange pushes to its endpoint; otherwise it pulls its mailbox
    share: int  # relative share of the population it insures


INSURERS: tuple[InsurerSpec, ...] = (
    InsurerSpec(uzovi="7095", name="VGZ Zorgverzekeraar", group="VGZ", push=True, share=20),
    InsurerSpec(uzovi="0101", name="Univé Zorg", group="VGZ", push=True, share=8),
    InsurerSpec(uzovi="0699", name="IZA Zorgverzekeraar", group="VGZ", push=False, share=4),
    InsurerSpec(uzovi="0736", name="Zorgverzekeraar UMC", group="VGZ", push=False, share=2),
    InsurerSpec(uzovi="3361", name="Zekur", group="VGZ", push=False, share=2),
    InsurerSpec(
        uzovi="3311", name="Zilveren Kruis Zorgverzekeringen", group="Achmea", push=True, share=28
    ),
    InsurerSpec(uzovi="7119", name="CZ Zorgverzekeringen", group="CZ", push=False, share=22),
    InsurerSpec(uzovi="3332", name="Menzis Zorgverzekeraar", group="Menzis", push=True, share=13),
    InsurerSpec(uzovi="3000", name="Testverzekeraar VECOZO", group="Test", push=False, share=1),
)


def push_endpoint(uzovi: str) -> str:
    """A placeholder receiving endpoint; the runner replaces it by the stub's real URL."""
    return f"https://127.0.0.1/insurers/{uzovi}"


def _tariffs(percent: int) -> dict[str, int]:
    return {p.code: p.tariff * percent // 100 for p in PRESTATIES}


def _coverage() -> dict[str, frozenset[str]]:
    return dict(PACKAGES)


def policy_for(group: str) -> InsurerPolicy:
    """The policy of an insurer group, after the insurers' own pages where they say something.

    VGZ: "twelve months after treatment" to declare, care for clients staying in a Wlz
    institution refused with 8983 (only VGZ's pages say so), declarations on the praktijk's AGB
    code, payment within 30 days. Zilveren Kruis: declare within the calendar year, two
    calendar years at most. Non-contracted care is paid up to a maximum tariff below the
    contracted one.
    """
    term = (
        (TermKind.CALENDAR_YEARS, 2) if group == "Achmea" else (TermKind.MONTHS_AFTER_TREATMENT, 12)
    )
    return InsurerPolicy(
        term_kind=term[0],
        term_length=term[1],
        contracted_tariffs=_tariffs(100),
        max_tariffs=_tariffs(75 if group == "VGZ" else 80),
        coverage=_coverage(),
        machtiging_codes=MACHTIGING_CODES if group != "Test" else frozenset(),
        rejects_wlz=group == "VGZ",
        practice_code_required=group == "VGZ",
        payment_term_days=30,
    )


def insurer_delivery(spec: InsurerSpec) -> Delivery:
    if spec.push:
        return Delivery(mode=DeliveryMode.PUSH, endpoint=push_endpoint(spec.uzovi))
    return Delivery()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpec:
    key: str  # short handle used by scenarios and toestemmingen below
    agb: str
    practice_agb: str | None
    institution_agb: str | None
    kind: str  # AGB zorgverlenersoort
    label: str  # prefix of the generated name
    standard: str
    contracted: bool  # with every insurer, or with none
    practitioners: tuple[str, ...] = ()  # other zorgverleners (personal AGB) working there
    cov_refused_by: tuple[str, ...] = ()  # UZOVIs that do not authorise it for COV


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        key="tandarts",
        agb="12100001",
        practice_agb="12050001",
        institution_agb=None,
        kind="12",
        label="Tandartspraktijk",
        standard="MZ301",
        contracted=True,
        practitioners=("12100003",),  # a second tandarts of the same praktijk
    ),
    ProviderSpec(
        key="tandarts-zonder-contract",
        agb="12100002",
        practice_agb="12050002",
        institution_agb=None,
        kind="12",
        label="Tandartsenpraktijk",
        standard="MZ301",
        contracted=False,
        cov_refused_by=("3332",),  # scenario cov-not-authorised: Menzis keeps its data
    ),
    ProviderSpec(
        key="mondhygienist",
        agb="87100001",
        practice_agb="87050001",
        institution_agb=None,
        kind="87",
        label="Mondhygiënistenpraktijk",
        standard="MZ301",
        contracted=True,
    ),
    ProviderSpec(
        key="alternatief",
        agb="90100001",
        practice_agb="90050001",
        institution_agb=None,
        kind="90",
        label="Praktijk voor acupunctuur",
        standard="OS301",
        contracted=True,
    ),
    ProviderSpec(
        key="psycholoog",
        agb="94100001",
        practice_agb="94050001",
        institution_agb=None,
        kind="94",
        label="Psychologenpraktijk",
        standard="EP301",
        contracted=True,
    ),
    ProviderSpec(
        key="wijkverpleging",
        agb="91100001",
        practice_agb=None,
        institution_agb="75750001",
        kind="75",
        label="Thuiszorg",
        standard="AW319",
        contracted=True,
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BureauSpec:
    agb: str  # zorgverlenersoort 98
    label: str
    clients: tuple[str, ...]  # ProviderSpec keys with a valid toestemmingsverklaring


BUREAUS: tuple[BureauSpec, ...] = (
    BureauSpec(
        agb="98100001",
        label="Declaratieservice",
        clients=("tandarts", "mondhygienist", "alternatief"),
    ),
    BureauSpec(agb="98100002", label="Zorgadministratie", clients=("psycholoog", "wijkverpleging")),
)
