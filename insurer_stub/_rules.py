"""The insurer's rules, each a small pure check that names the COD954 retourcode it emits.

Codes and their meanings are Vektis COD954 (retourcode (01)-(03)); 8983 is the code VGZ uses
for care that is not Zvw care because the client stays in a Wlz institution. Header rules reject
the whole file; insured rules reject a verzekerdenrecord and with it its prestatierecords; line
rules judge one debit prestatierecord. Credit lines are judged in ``_adjudicate`` because they
need the other lines of the same file.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from typing import NamedTuple

from insurer_stub._values import History, Insured, InsurerView, Line, LineStatus
from vektis import PARTIAL_AWARD, Header
from world import Person, TermKind

__all__ = [
    "LineContext",
    "award",
    "header_codes",
    "insured_codes",
    "line_codes",
]


def header_codes(
    header: Header, standard: str, insurer: InsurerView, history: History, fingerprint: str
) -> tuple[str, ...]:
    """The voorlooprecord rules; any code here rejects the whole file."""
    found: list[str] = []
    # 8061 "De zorgverzekeraar ondersteunt het ontvangen van het declaratiebestand ... volgens
    # de gebruikte standaard ... niet."
    if standard not in insurer.policy.supported_standards:
        found.append("8061")
    # 0018 "UZOVI-nummer ontbreekt of is onjuist (voorlooprecord)": not us, nor one of our brands.
    if header.uzovi not in insurer.brands:
        found.append("0018")
    found.extend(_provider_codes(header, insurer))
    found.extend(_bureau_codes(header, insurer))
    found.extend(_invoice_codes(header, history, fingerprint))
    return tuple(found)


def _provider_codes(header: Header, insurer: InsurerView) -> Iterator[str]:
    """0014 / 0016 / 0017 for an unknown code; 8022 when there is no contract and no
    restitution for non-contracted care ("Er is geen contract met de aangeduide ... declarant")."""
    directory = insurer.directory
    if not header.declarant:
        yield "0014"  # "Zorgverlenerscode ontbreekt, is onbekend of onjuist (voorlooprecord)"
        return
    zorgverlener = header.zorgverlenerscode
    if zorgverlener and directory.workplaces(zorgverlener) is None:
        yield "0014"
    for value, retourcode in (
        (header.praktijkcode, "0016"),  # "Praktijkcode ontbreekt, is onbekend of onjuist"
        (header.instellingscode, "0017"),  # "Instellingscode ... is onbekend of onjuist"
    ):
        if value and directory.provider(value) is None:
            yield retourcode
    yield from _practice_codes(header, insurer)
    provider = directory.provider(header.declarant)
    uncontracted = provider is not None and not is_contracted(provider.contracted_with, insurer)
    if uncontracted and not insurer.policy.max_tariffs:
        yield "8022"


def _practice_codes(header: Header, insurer: InsurerView) -> Iterator[str]:
    """The praktijk, not the person, declares.

    0016 "Praktijkcode ontbreekt, is onbekend of onjuist (voorlooprecord)." at an insurer whose
    pages say "Declareer op de AGB-code van uw praktijk (anders dan uw persoonlijke AGB-code)"
    (VGZ) for a file with only a personal AGB code; 8066 "Geen relatie bekend tussen
    zorgverlener in voorlooprecord en praktijk in voorlooprecord." for a zorgverlener who does
    not work at the praktijk named next to it.
    """
    if insurer.policy.practice_code_required and not (
        header.praktijkcode or header.instellingscode
    ):
        yield "0016"
    places = insurer.directory.workplaces(header.zorgverlenerscode)
    if header.praktijkcode and places is not None and header.praktijkcode not in places:
        yield "8066"


def is_contracted(contracted_with: frozenset[str], insurer: InsurerView) -> bool:
    return not contracted_with.isdisjoint(insurer.brands)


def _bureau_codes(header: Header, insurer: InsurerView) -> Iterator[str]:
    """0013 for an unknown servicebureau; 8023 "Er is bij de zorgverzekeraar geen relatie bekend
    tussen het servicebureau en de zorgaanbieder" without a toestemmingsverklaring."""
    if not header.servicebureau:
        return
    directory = insurer.directory
    if directory.bureau(header.servicebureau) is None:
        yield "0013"
        return
    on = header.factuurdatum or dt.date.min
    if not directory.has_toestemming(
        bureau=header.servicebureau, provider=header.declarant, day=on
    ):
        yield "8023"


def _invoice_codes(header: Header, history: History, fingerprint: str) -> Iterator[str]:
    """8067 "Declaratie is reeds eerder ingediend" for the same file again; 0030 "Factuurnummer
    declarant ... is niet uniek (nummer is reeds gebruikt in een voorgaande factuur)" otherwise."""
    earlier = history.invoice(header.declarant, header.factuurnummer)
    if earlier is None:
        return
    yield "8067" if earlier == fingerprint else "0030"


def insured_codes(insured: Insured, insurer: InsurerView) -> tuple[tuple[str, ...], Person | None]:
    """The verzekerdenrecord rules; a code here rejects the record and its prestaties (8002)."""
    population = insurer.population
    person = population.by_bsn.get(insured.bsn)
    number = insured.verzekerdennummer
    if person is None:
        # 0300 "Verzekerdennummer ... is onbekend (bij deze UZOVI-code)"; 0320 "Cliënt is niet
        # verzekerd" when the BSN is unknown and no (unknown) verzekerdennummer explains it.
        if number and number not in population.by_verzekerdennummer:
            return ("0300",), None
        return ("0320",), None
    found: list[str] = []
    if number and population.by_verzekerdennummer.get(number) is not person:
        found.append("0300")
    # 8004 "Combinatie BSN en geboortedatum verzekerde is onjuist."
    if insured.birth_date != person.birth_date:
        found.append("8004")
    # 8005 "Combinatie BSN en naam verzekerde is onjuist."
    if not _same_name(insured, person):
        found.append("8005")
    return tuple(found), person


def _same_name(insured: Insured, person: Person) -> bool:
    """Surnames compare as insurers compare them: without case, diacritics, spacing or
    punctuation, and with or without the voorvoegsel ("Wlzcliënt" = "WLZCLIENT"; "Berg" with
    voorvoegsel "van der" = "van der Berg" = "Berg"). The EI field holds 25 characters."""
    if insured.surname == person.surname[:_SURNAME_LENGTH].rstrip():
        return True  # as written in the world: most records, without normalising
    declared = {_name_key(insured.surname), _name_key(f"{insured.prefix} {insured.surname}")}
    known = {
        _name_key(person.surname[:_SURNAME_LENGTH]),
        _name_key(f"{person.prefix} {person.surname}"[:_SURNAME_LENGTH]),
    }
    return not declared.isdisjoint(known)


_SURNAME_LENGTH = 25  # NAAM VERZEKERDE in every declaration standard


def _name_key(name: str) -> str:
    """Case-folded letters and digits only, diacritics removed (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).casefold()


class LineContext:
    """What the line rules share within one file: insurer, history, receipt date, provider.

    Built once per file, it also holds the per-file lookups the rules would otherwise redo on
    every line (policy tables, "too late" per treatment day, each person's policies at this
    insurer's brands): a 100,000-line file asks them 100,000 times.
    """

    __slots__ = (
        "_behandelaars",
        "_covered",
        "_late",
        "_policies",
        "_workplace",
        "brands",
        "code_lists",
        "contracted",
        "declarant",
        "factuurdatum",
        "history",
        "insurer",
        "policy",
        "today",
    )

    def __init__(
        self,
        *,
        insurer: InsurerView,
        history: History,
        today: dt.date,
        header: Header,
        contracted: bool,
        code_lists: Callable[[str, str], tuple[bool, bool]],
    ) -> None:
        self.insurer = insurer
        self.history = history
        self.today = today
        self.declarant = header.declarant
        self.factuurdatum = header.factuurdatum
        self.contracted = contracted
        self.code_lists = code_lists
        self.brands = insurer.brands
        self.policy = insurer.policy
        self._late: dict[dt.date, bool] = {}
        self._policies: dict[str, _Held] = {}
        self._covered: dict[tuple[str, ...], frozenset[str]] = {}
        self._behandelaars: dict[str, str | None] = {}
        # The praktijk or instelling the behandelaar must work at ("" for an individual).
        self._workplace = header.instellingscode or header.praktijkcode

    def behandelaar_code(self, behandelaar: str) -> str | None:
        """5760 "Zorgverlenerscode behandelaar/uitvoerder is onbekend of onjuist." for a code
        the insurer does not know; 0559 "Zorgverlenerscode behandelaar/uitvoerder heeft geen
        overeenkomst met declarerende praktijk of instelling." for one working elsewhere."""
        if behandelaar in self._behandelaars:
            return self._behandelaars[behandelaar]
        places = self.insurer.directory.workplaces(behandelaar)
        code = None
        if places is None:
            code = "5760"
        elif self._workplace and self._workplace not in places:
            code = "0559"
        self._behandelaars[behandelaar] = code
        return code

    def too_late(self, day: dt.date) -> bool:
        """``is_too_late`` for ``today``, worked out once per treatment day of the file."""
        late = self._late.get(day)
        if late is None:
            policy = self.policy
            late = is_too_late(day, self.today, policy.term_kind, policy.term_length)
            self._late[day] = late
        return late

    def packages(self, person: Person, day: dt.date) -> tuple[str, ...]:
        """The packages ``person`` holds at this insurer's brands on ``day``."""
        held = self._policies.get(person.bsn)
        if held is None:
            held = self._policies[person.bsn] = _Held.of(person, self.brands)
        if held.since <= day and (held.until is None or day <= held.until):
            return held.every  # inside every policy: the common case, without a scan
        return tuple(
            [p for start, end, p in held.spans if start <= day and (end is None or day <= end)]
        )

    def insured_during(self, person: Person, start: dt.date, end: dt.date) -> bool:
        """True when any policy at this insurer's brands runs on some day of ``start..end``."""
        held = self._policies.get(person.bsn) or _Held.of(person, self.brands)
        return any(s <= end and (e is None or start <= e) for s, e, _ in held.spans)

    def covered(self, packages: tuple[str, ...]) -> frozenset[str]:
        """Every prestatiecode any of ``packages`` covers (the policy's coverage table)."""
        codes = self._covered.get(packages)
        if codes is None:
            table = self.policy.coverage
            codes = frozenset().union(*(table.get(p, ()) for p in packages))
            self._covered[packages] = codes
        return codes


class _Held(NamedTuple):
    """One person's policies at the brands, and the days on which all of them run at once."""

    spans: tuple[tuple[dt.date, dt.date | None, str], ...]
    since: dt.date  # the latest start (date.max without policies: never inside)
    until: dt.date | None  # the earliest end, None when none ends
    every: tuple[str, ...]  # every package, in the order of the coverages

    @classmethod
    def of(cls, person: Person, brands: frozenset[str]) -> _Held:
        spans = tuple((c.start, c.end, c.package) for c in person.coverages if c.uzovi in brands)
        ends = [end for _, end, _ in spans if end is not None]
        return cls(
            spans=spans,
            since=max((start for start, _, _ in spans), default=dt.date.max),
            until=min(ends) if ends else None,
            every=tuple(p for _, _, p in spans),
        )


def line_codes(line: Line, person: Person, ctx: LineContext) -> list[str]:
    """Every rule on a debit line, in the order a provider should fix them."""
    day = line.date_of_service
    if day is None:
        return ["8007"]  # "(Begin-/eind)datum prestatie ontbreekt of is onjuist."
    found: list[str] = []
    # 8176 "Prestatiedatum moet kleiner zijn dan of gelijk zijn aan factuurdatum."
    if ctx.factuurdatum is not None and day > ctx.factuurdatum:
        found.append("8176")
    if line.behandelaar and (wrong := ctx.behandelaar_code(line.behandelaar)):
        found.append(wrong)
    list_known, code_known = ctx.code_lists(line.prestatiecodelijst, line.prestatiecode)
    if not (list_known and code_known):
        # 0581 "Aanduiding prestatiecodelijst ontbreekt of is onjuist."; 0582 "Prestatiecode ...
        # ontbreekt of is onjuist (niet bestaande code)". Nothing else can be judged of it.
        found.append("0582" if list_known else "0581")
        return found
    _duplicate_codes(line, day, ctx, found)
    if ctx.too_late(day):
        found.append("0586")  # "Declaratie is te laat ingediend."
    _person_codes(line, day, person, ctx, found)
    return found


def _duplicate_codes(line: Line, day: dt.date, ctx: LineContext, found: list[str]) -> None:
    """8021 "Referentienummer dit prestatierecord ... is niet uniek (reeds aangeleverd)";
    0587 "Prestatie / declaratie is reeds gedeclareerd en/of vergoed".

    A rejected or credited line may come back under its old reference: it is judged afresh.
    """
    history, declarant = ctx.history, ctx.declarant
    earlier = history.line(declarant, line.referentie)
    if earlier is not None and earlier.status in _COUNTS_AS_PAID:
        found.append("8021")
    if history.paid_same(declarant, line.bsn, day, line.prestatiecode):
        found.append("0587")


_COUNTS_AS_PAID = frozenset({LineStatus.PAID, LineStatus.CREDIT})


def is_too_late(treated: dt.date, today: dt.date, kind: TermKind, length: int) -> bool:
    """VGZ: twelve months after the treatment; Zilveren Kruis: within the calendar year of the
    treatment, or (two calendar years) by the end of the following one."""
    if kind is TermKind.CALENDAR_YEARS:
        return today.year > treated.year + max(length, 1) - 1
    return today > add_months(treated, length)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months, clamped to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover


def _person_codes(
    line: Line, day: dt.date, person: Person, ctx: LineContext, found: list[str]
) -> None:
    policy = ctx.policy
    # 0328 "Cliënt is niet verzekerd wegens overlijden."
    if person.deceased is not None and person.deceased < day:
        found.append("0328")
        return
    packages = ctx.packages(person, day)
    end = line.end_of_service if line.end_of_service and line.end_of_service > day else day
    if not packages or (end != day and not ctx.packages(person, end)):
        found.append(_uninsured_code(person, day, end, ctx))
        return
    if policy.rejects_wlz and person.wlz_stays and person.in_wlz_on(day):
        found.append("8983")  # VGZ: care for a client staying in a Wlz institution
        return
    # 0613 "Prestatie is niet (volledig) declarabel volgens de verzekeringsvoorwaarden."
    if policy.coverage and line.prestatiecode not in ctx.covered(packages):
        found.append("0613")
    if line.prestatiecode in policy.machtiging_codes:
        found.extend(_machtiging_codes(line, day, person, ctx))
    _tariff_codes(line, ctx, found)


def _uninsured_code(person: Person, start: dt.date, end: dt.date, ctx: LineContext) -> str:
    """0320 "Cliënt is niet verzekerd." when no policy at this insurer's brands runs on any day
    of the prestatie (a single date of care, or a begin- to einddatum); 0506 "Cliënt is slechts
    tijdens een gedeelte van de behandelperiode verzekerd." when one runs on part of the period.
    """
    partly = end != start and ctx.insured_during(person, start, end)
    return "0506" if partly else "0320"


def _machtiging_codes(line: Line, day: dt.date, person: Person, ctx: LineContext) -> Iterator[str]:
    """0551 "Er is geen machtiging afgegeven"; 0552 "Machtiging is vervallen" (it ended before
    the treatment); 0553 "Gedeclareerde prestatie valt buiten de gemachtigde periode" (the
    treatment came before it started)."""
    candidates = [
        m
        for m in person.machtigingen
        if m.uzovi in ctx.brands
        and m.prestatiecode == line.prestatiecode
        and (not line.machtigingsnummer or m.number == line.machtigingsnummer)
    ]
    if not candidates:
        yield "0551"
    elif not any(m.start <= day <= m.end for m in candidates):
        yield "0552" if any(m.end < day for m in candidates) else "0553"


def _tariff_codes(line: Line, ctx: LineContext, found: list[str]) -> None:
    """0611 "Tarief prestatie ... is niet in overeenstemming met landelijke of contractafspraken":
    above the contracted tariff, or non-contracted care the insurer pays nothing for."""
    policy = ctx.policy
    if ctx.contracted:
        agreed = policy.contracted_tariffs.get(line.prestatiecode)
        if agreed is not None and line.tarief > agreed:
            found.append("0611")
        return
    if line.prestatiecode not in policy.max_tariffs:
        found.append("0611")
    elif award(line, ctx) < line.ingediend:
        found.append(PARTIAL_AWARD)


def award(line: Line, ctx: LineContext) -> int:
    """What an accepted debit line is paid: all of it, or at most the non-contracted maximum."""
    if ctx.contracted:
        return line.ingediend
    maximum = ctx.policy.max_tariffs.get(line.prestatiecode)
    if maximum is None:
        return 0
    # An AANTAL of 0000 passes the technical check (0638 is not judged): paid as one prestatie.
    return min(line.ingediend, maximum * max(line.aantal, 1))
