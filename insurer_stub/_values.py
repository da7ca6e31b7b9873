"""The values adjudication reads and produces: who the insurer is, whom it insures, what it judged.

Adjudication is a pure function, so everything it needs from the world and from earlier files is
handed to it as values or read-only lookups: an :class:`InsurerView` (the insurer, its brands,
its policy, its insured population and the providers and bureaus it knows) and a
:class:`History` of lines judged before. What it produces, :class:`JudgedLine` per prestatie,
is what the I/O shell stores so duplicates and credits work across files and restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple, Protocol, TypeVar

from vektis import RecordLayout
from world import InsurerPolicy, Person, Provider, World

__all__ = [
    "Directory",
    "History",
    "Insured",
    "InsurerView",
    "JudgedLine",
    "Line",
    "LineStatus",
    "MemoryHistory",
    "Population",
    "PriorLine",
    "insured_reader",
    "line_reader",
]


class Insured(NamedTuple):
    """A verzekerdenrecord (02): who the lines below it are for.

    A NamedTuple rather than a frozen dataclass, like :class:`Line`: one is built per record of
    files of 100,000 lines, and a tuple is built several times faster (docs/PERFORMANCE.md).
    """

    id: int
    bsn: str
    verzekerdennummer: str
    birth_date: dt.date | None
    surname: str
    prefix: str


class Line(NamedTuple):
    """A prestatierecord (04); ``ingediend`` is signed cents (negative for a credit line).

    Immutable and typed, but a NamedTuple: adjudication builds one per line and a tuple is built
    five times faster than a frozen dataclass, which was a tenth of the adjudication time.
    """

    id: int
    bsn: str
    machtigingsnummer: str
    date_of_service: dt.date | None
    prestatiecodelijst: str
    prestatiecode: str
    tarief: int
    aantal: int
    ingediend: int
    referentie: str
    referentie_voorgaand: str
    end_of_service: dt.date | None  # AW319's einddatum prestatie; None for one day
    behandelaar: str  # zorgverlenerscode behandelaar/uitvoerder, "" when not given

    @property
    def is_credit(self) -> bool:
        return self.ingediend < 0


T = TypeVar("T", bound=tuple[Any, ...])

# The record fields behind Line and Insured, in their field order.
_LINE_KEYS = (
    *("id", "bsn", "machtigingsnummer", "date_of_service", "prestatiecodelijst"),
    *("prestatiecode", "tarief", "aantal", "declaratiebedrag", "referentie"),
    *("referentie_voorgaand", "end_date_of_service", "behandelaar"),
)
_INSURED_KEYS = ("id", "bsn", "verzekerdennummer", "birth_date", "surname", "prefix")

# What a field some standards lack means for a line. EP301 and OS301 declare one prestatie per
# record: they have no AANTAL UITGEVOERDE PRESTATIES, and their BEREKEND BEDRAG is "tarief maal
# aantal prestaties" of that one. Only AW319 has an einddatum: elsewhere care is of one day.
LINE_ABSENT: Mapping[str, object] = {"aantal": 1, "end_date_of_service": None}


def line_reader(layout: RecordLayout) -> Callable[[str], Line]:
    """The Line of the text of a prestatierecord of ``layout``, read by vektis' reader."""
    read = layout.reader(*_LINE_KEYS, absent=LINE_ABSENT, zeros_empty=("behandelaar",), trim=True)
    return read.into(_maker(Line, _LINE_KEYS))


def insured_reader(layout: RecordLayout) -> Callable[[str], Insured]:
    """The Insured of the text of a verzekerdenrecord of ``layout``."""
    return layout.reader(*_INSURED_KEYS, trim=True).into(_maker(Insured, _INSURED_KEYS))


def _maker(kind: type[T], keys: tuple[str, ...]) -> Callable[[Iterable[Any]], T]:
    """``kind._make`` without its length check per record: the keys are checked here, once."""
    fields: tuple[str, ...] = getattr(kind, "_fields")  # noqa: B009 - a NamedTuple's fields
    if len(keys) != len(fields):
        raise TypeError(f"{kind.__name__} has {len(fields)} fields, not {len(keys)}")
    return partial(tuple.__new__, kind)


class Directory(Protocol):
    """The organisations an insurer knows; ``world.World`` satisfies it."""

    def provider(self, code: str) -> Provider | None: ...

    def has_toestemming(self, *, bureau: str, provider: str, day: dt.date) -> bool: ...

    def bureau(self, agb: str) -> object | None: ...

    def workplaces(self, zorgverlener: str) -> frozenset[str] | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Population:
    """The persons insured (ever) at one insurer's brands, indexed for per-line lookups."""

    by_bsn: Mapping[str, Person]
    by_verzekerdennummer: Mapping[str, Person]

    @classmethod
    def of(cls, persons: Iterable[Person], uzovis: frozenset[str]) -> Population:
        """Index ``persons`` by BSN and by each verzekerdennummer they hold at ``uzovis``."""
        by_bsn: dict[str, Person] = {}
        by_nr: dict[str, Person] = {}
        for person in persons:
            numbers = [c.verzekerdennummer for c in person.coverages if c.uzovi in uzovis]
            if numbers:
                by_bsn[person.bsn] = person
                by_nr.update(dict.fromkeys(numbers, person))
        return cls(by_bsn=by_bsn, by_verzekerdennummer=by_nr)


@dataclass(frozen=True, slots=True, kw_only=True)
class InsurerView:
    """One insurer as adjudication sees it: built once per world, shared by every file."""

    uzovi: str
    name: str
    brands: frozenset[str]  # every UZOVI of its group, itself included
    policy: InsurerPolicy
    population: Population
    directory: Directory = field(repr=False)

    @classmethod
    def from_world(cls, world: World, uzovi: str) -> InsurerView:
        """The view of ``uzovi`` in ``world``; raises KeyError when it is not an insurer there."""
        insurer = world.insurer(uzovi)
        if insurer is None:
            raise KeyError(f"no insurer with UZOVI {uzovi} in the world")
        brands = world.group_of(uzovi)
        persons = {p.bsn: p for u in sorted(brands) for p in world.persons_at(u)}
        return cls(
            uzovi=uzovi,
            name=insurer.name,
            brands=brands,
            policy=insurer.policy,
            population=Population.of(persons.values(), brands),
            directory=world,
        )


class LineStatus(StrEnum):
    """What became of a prestatie line; credits change a paid debit to ``credited``."""

    PAID = "paid"  # debit line awarded (fully or partly)
    REJECTED = "rejected"  # awarded nothing; cannot be credited, may be re-submitted
    CREDITED = "credited"  # a paid debit that a later credit line cancelled
    CREDIT = "credit"  # an accepted credit line itself


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorLine:
    """A line judged in an earlier file, as the history remembers it."""

    declarant: str
    referentie: str
    bsn: str
    date_of_service: dt.date
    prestatiecode: str
    ingediend: int
    toegekend: int
    status: LineStatus


class JudgedLine(NamedTuple):
    """A prestatie line of this file with its outcome, to be stored in the history.

    Immutable and typed, but a NamedTuple rather than a frozen dataclass: adjudication builds
    one per line of files of 100,000 lines, and a tuple is built several times faster.
    """

    declarant: str
    referentie: str
    referentie_voorgaand: str
    bsn: str
    date_of_service: dt.date
    prestatiecode: str
    ingediend: int
    toegekend: int
    status: LineStatus
    codes: tuple[str, ...] = ()

    def as_prior(self) -> PriorLine:
        return PriorLine(
            declarant=self.declarant,
            referentie=self.referentie,
            bsn=self.bsn,
            date_of_service=self.date_of_service,
            prestatiecode=self.prestatiecode,
            ingediend=self.ingediend,
            toegekend=self.toegekend,
            status=self.status,
        )


class History(Protocol):
    """Read-only access to everything an insurer judged before (all files, all restarts)."""

    def line(self, declarant: str, referentie: str) -> PriorLine | None:
        """The line with this referentienummer of this declarant, if any."""
        ...

    def paid_same(self, declarant: str, bsn: str, day: dt.date, prestatiecode: str) -> bool:
        """True when an identical prestatie of this declarant is paid and not credited."""
        ...

    def invoice(self, declarant: str, factuurnummer: str) -> str | None:
        """The fingerprint of the earlier file with this factuurnummer, if any."""
        ...


def _content_key(
    declarant: str, bsn: str, day: dt.date, code: str
) -> tuple[str, str, dt.date, str]:
    return (declarant, bsn, day, code)


class MemoryHistory:
    """The working set of a :class:`History`: dictionaries, updated after every judged file.

    The SQLite store is the durable copy and refills one of these at start-up; adjudication
    only ever reads it, so lookups cost a dictionary access per line.
    """

    __slots__ = ("_invoices", "_lines", "_paid")

    def __init__(self) -> None:
        self._lines: dict[tuple[str, str], PriorLine] = {}
        self._paid: dict[tuple[str, str, dt.date, str], int] = {}
        self._invoices: dict[tuple[str, str], str] = {}

    def line(self, declarant: str, referentie: str) -> PriorLine | None:
        return self._lines.get((declarant, referentie))

    def paid_same(self, declarant: str, bsn: str, day: dt.date, prestatiecode: str) -> bool:
        return self._paid.get((declarant, bsn, day, prestatiecode), 0) > 0  # _content_key

    def invoice(self, declarant: str, factuurnummer: str) -> str | None:
        return self._invoices.get((declarant, factuurnummer))

    def remember(self, line: PriorLine) -> None:
        """Store or replace ``line``; keeps the count of paid identical prestaties right."""
        key = (line.declarant, line.referentie)
        old = self._lines.get(key)
        if old is not None and old.status is LineStatus.PAID:
            self._count(old, -1)
        self._lines[key] = line
        if line.status is LineStatus.PAID:
            self._count(line, +1)

    def remember_invoice(self, declarant: str, factuurnummer: str, fingerprint: str) -> None:
        self._invoices[(declarant, factuurnummer)] = fingerprint

    def _count(self, line: PriorLine, step: int) -> None:
        key = _content_key(line.declarant, line.bsn, line.date_of_service, line.prestatiecode)
        self._paid[key] = self._paid.get(key, 0) + step

    def __len__(self) -> int:
        return len(self._lines)
