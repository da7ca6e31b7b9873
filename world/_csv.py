"""population.csv <-> persons: one line per person; policies, machtigingen and Wlz stays packed.

A CSV stays small for 100,000 people, opens in a spreadsheet and diffs line by line. The packed
columns read ``uzovi:verzekerdennummer:kind:package:start:end`` per policy,
``number:uzovi:prestatiecode:start:end`` per machtiging and ``start:end`` per Wlz stay (``wlz``;
``0`` for none, and the older ``1`` still reads as a stay since birth), several joined by ``;``;
an empty end means the policy or stay runs on. Every line is checked on reading and a problem
names its line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from identifiers import is_ascii_digits
from vektis import is_valid_bsn
from world._errors import WorldFileError
from world._model import Coverage, CoverageKind, Machtiging, Person, WlzStay

__all__ = ["COLUMNS", "population_text", "read_population"]

COLUMNS = (
    "bsn",
    "initials",
    "surname",
    "prefix",
    "birth_date",
    "sex",
    "postcode",
    "house_number",
    "deceased",
    "wlz",
    "coverages",
    "machtigingen",
)
_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_TOKEN = re.compile(r"[^:;]+")
# By value: iterating an Enum and calling it per policy was a fifth of loading 10,000 persons.
_KINDS = {k.value: k for k in CoverageKind}


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _coverage_cell(coverages: Iterable[Coverage]) -> str:
    return ";".join(
        f"{c.uzovi}:{c.verzekerdennummer}:{c.kind.value}:{c.package}:{_iso(c.start)}:{_iso(c.end)}"
        for c in coverages
    )


def _wlz_cell(stays: Iterable[WlzStay]) -> str:
    """``start:end`` per Wlz stay (empty end: it lasts), ``;`` between; ``0`` for none."""
    return ";".join(f"{_iso(s.start)}:{_iso(s.end)}" for s in stays) or "0"


def _machtiging_cell(machtigingen: Iterable[Machtiging]) -> str:
    return ";".join(
        f"{m.number}:{m.uzovi}:{m.prestatiecode}:{_iso(m.start)}:{_iso(m.end)}"
        for m in machtigingen
    )


def population_text(persons: Iterable[Person]) -> str:
    """The CSV text of ``persons`` (LF line ends, so the bytes are the same on every system)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(
        (
            p.bsn,
            p.initials,
            p.surname,
            p.prefix,
            p.birth_date.isoformat(),
            p.sex,
            p.postcode,
            p.house_number,
            _iso(p.deceased),
            _wlz_cell(p.wlz_stays),
            _coverage_cell(p.coverages),
            _machtiging_cell(p.machtigingen),
        )
        for p in persons
    )
    return out.getvalue()


class _LineError(Exception):
    """A problem on the current line; the reader adds file and line number."""


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _LineError(f"{what} is not a date like 2024-01-31: {text!r}") from None


def _parts(cell: str, count: int, what: str) -> list[list[str]]:
    items = [item.split(":") for item in cell.split(";")] if cell else []
    for item in items:
        if len(item) != count:
            raise _LineError(f"{what} {':'.join(item)!r} needs {count} fields separated by ':'")
    return items


def _coverage(item: list[str], uzovis: Set[str]) -> Coverage:
    uzovi, number, kind, package, start, end = item
    if uzovi not in uzovis:
        raise _LineError(f"policy names unknown UZOVI {uzovi!r}")
    coverage_kind = _KINDS.get(kind)
    if coverage_kind is None:
        raise _LineError(f"policy kind {kind!r} is neither basis nor aanvullend")
    if not _TOKEN.fullmatch(number) or not _TOKEN.fullmatch(package):
        raise _LineError("policy needs a verzekerdennummer and a package")
    cov = Coverage(
        uzovi=uzovi,
        verzekerdennummer=number,
        kind=coverage_kind,
        package=package,
        start=_date(start, "policy start"),
        end=_date(end, "policy end") if end else None,
    )
    if cov.end is not None and cov.end < cov.start:
        raise _LineError(f"policy at {uzovi} ends ({cov.end}) before it starts ({cov.start})")
    return cov


def _check_overlap(coverages: tuple[Coverage, ...]) -> None:
    """A person holds at most one basis and one aanvullend policy on any day."""
    if len({c.kind for c in coverages}) == len(coverages):  # most people: one of each kind
        return
    for kind in CoverageKind:
        spans = sorted((c for c in coverages if c.kind is kind), key=lambda c: c.start)
        for before, after in itertools.pairwise(spans):
            if before.end is None or before.end >= after.start:
                raise _LineError(
                    f"{kind.value} policies overlap: {before.uzovi} from "
                    f"{before.start} and {after.uzovi} from {after.start}"
                )


def _machtiging(item: list[str], uzovis: Set[str]) -> Machtiging:
    number, uzovi, code, start, end = item
    if uzovi not in uzovis:
        raise _LineError(f"machtiging {number} names unknown UZOVI {uzovi!r}")
    return Machtiging(
        number=number,
        uzovi=uzovi,
        prestatiecode=code,
        start=_date(start, "machtiging start"),
        end=_date(end, "machtiging end"),
    )


def _wlz_stays(cell: str, born: dt.date) -> tuple[WlzStay, ...]:
    """The wlz column: ``0`` (or empty) for none, ``start:end;start:`` per stay, or the older
    ``1`` (a Wlz client without dates), read as one stay since birth."""
    if cell in ("", "0"):
        return ()
    if cell == "1":
        return (WlzStay(start=born),)
    stays = []
    for start, end in _parts(cell, 2, "wlz stay"):
        stay = WlzStay(
            start=_date(start, "wlz stay start"), end=_date(end, "wlz stay end") if end else None
        )
        if stay.end is not None and stay.end < stay.start:
            raise _LineError(f"wlz stay ends ({stay.end}) before it starts ({stay.start})")
        stays.append(stay)
    return tuple(stays)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rules:
    uzovis: Set[str]
    invalid_bsns: Set[str]  # the scenario BSNs allowed to fail the 11-proef
    double_insured: Set[str]  # the scenario BSNs allowed two basis policies at once


def _person(row: list[str], rules: _Rules) -> Person:
    if len(row) != len(COLUMNS):
        raise _LineError(f"expected {len(COLUMNS)} columns, found {len(row)}")
    bsn, initials, surname, prefix, birth, sex, postcode, house, deceased, wlz, covs, machts = row
    if not is_ascii_digits(bsn, length=9):
        raise _LineError(f"BSN must be nine digits, not {bsn!r}")
    if not is_valid_bsn(bsn) and bsn not in rules.invalid_bsns:
        raise _LineError(f"BSN {bsn} fails the 11-proef")
    if sex not in ("1", "2") or not _POSTCODE.fullmatch(postcode):
        raise _LineError(f"sex must be 1 or 2, postcode like 1234AB: {sex!r}, {postcode!r}")
    if not is_ascii_digits(house) or not surname:
        raise _LineError(f"house number must be digits and surname present: {house!r}")
    coverages = tuple(_coverage(i, rules.uzovis) for i in _parts(covs, 6, "policy"))
    if bsn not in rules.double_insured:
        _check_overlap(coverages)
    born = _date(birth, "birth_date")
    return Person(
        bsn=bsn,
        initials=initials,
        surname=surname,
        prefix=prefix,
        birth_date=born,
        sex=sex,
        postcode=postcode,
        house_number=int(house),
        deceased=_date(deceased, "deceased") if deceased else None,
        wlz_stays=_wlz_stays(wlz, born),
        coverages=coverages,
        machtigingen=tuple(_machtiging(i, rules.uzovis) for i in _parts(machts, 5, "machtiging")),
    )


class _Owners:
    """Who holds each verzekerdennummer within an insurer group: (group, number) -> (BSN, line).

    The brands of one concern answer for each other, so a number that names two people in one
    group makes an insurer refuse a correct declaration of one of them (0300).
    """

    def __init__(self, groups: Mapping[str, str]) -> None:
        self._groups = groups
        self._owners: dict[tuple[str, str], tuple[str, int]] = {}

    def claim(self, person: Person, line: int) -> None:
        for c in person.coverages:
            group = self._groups.get(c.uzovi, c.uzovi)
            bsn, first = self._owners.setdefault((group, c.verzekerdennummer), (person.bsn, line))
            if bsn != person.bsn:
                raise _LineError(
                    f"verzekerdennummer {c.verzekerdennummer} at {c.uzovi} already belongs to "
                    f"BSN {bsn} (line {first}) in insurer group {group}"
                )


def read_population(
    text: str,
    *,
    file: str,
    uzovis: Set[str],
    invalid_bsns: Set[str] = frozenset(),
    double_insured: Set[str] = frozenset(),
    groups: Mapping[str, str] | None = None,
) -> tuple[Person, ...]:
    """Persons from population.csv text; raises WorldFileError naming the line of a problem.

    ``groups`` maps UZOVI to insurer group; without it every UZOVI is a group of its own.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise WorldFileError(file, "line 1", f"header must be {','.join(COLUMNS)}")
    rules = _Rules(uzovis=uzovis, invalid_bsns=invalid_bsns, double_insured=double_insured)
    owners = _Owners(groups or {})
    persons: list[Person] = []
    seen: set[str] = set()
    for row in reader:
        try:
            person = _person(row, rules)
            owners.claim(person, reader.line_num)
        except _LineError as exc:
            raise WorldFileError(file, f"line {reader.line_num}", str(exc)) from None
        if person.bsn in seen:
            raise WorldFileError(file, f"line {reader.line_num}", f"BSN {person.bsn} repeated")
        seen.add(person.bsn)
        persons.append(person)
    return tuple(persons)
