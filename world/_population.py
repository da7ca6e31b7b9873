"""The insured population: many plausible people, fast and reproducible.

Faker is slow per call (tens of microseconds), so it fills small pools of surnames, first-name
initials and postcodes once; every per-person choice is then a draw from ``random.Random(seed)``.
That keeps 100,000 people well under the ten seconds the brief allows, and a seed still gives
the same people byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vektis import make_bsn
from world._catalogue import INSURERS, PACKAGES
from world._model import Coverage, CoverageKind, Machtiging, Person, WlzStay

if TYPE_CHECKING:  # faker costs ~80 ms to import; only generation needs it
    from faker import Faker

__all__ = ["Pools", "draw_pools", "generate_persons"]

_POOL_SIZE = 1500
_EXTRA_PACKAGES = tuple(name for name in PACKAGES if name != "basis")
_UZOVIS = tuple(spec.uzovi for spec in INSURERS)
_SHARES = tuple(spec.share for spec in INSURERS)
# Population BSNs stay below the 9999xxxxx test range the scenarios use.
_BSN_PREFIXES = range(10_000_000, 99_990_000)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pools:
    """Names and addresses drawn once from Faker nl_NL."""

    surnames: tuple[tuple[str, str], ...]  # (prefix, surname), e.g. ("van der", "Berg")
    initials: tuple[str, ...]
    postcodes: tuple[str, ...]


def _split_surname(full: str) -> tuple[str, str]:
    """'van der Berg' -> ('van der', 'Berg'): the voorvoegsel is the leading lower-case words."""
    words = full.split(" ")
    cut = 0
    while cut < len(words) - 1 and words[cut].islower():
        cut += 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def draw_pools(fake: Faker) -> Pools:
    surnames = tuple(_split_surname(fake.last_name()) for _ in range(_POOL_SIZE))
    initials = tuple(sorted({fake.first_name()[0].upper() for _ in range(_POOL_SIZE)}))
    postcodes = tuple(fake.postcode().replace(" ", "") for _ in range(_POOL_SIZE))
    return Pools(surnames=surnames, initials=initials, postcodes=postcodes)


class _Numbers:
    """Verzekerdennummers: one sequence for the whole world, below the scenario range 9xxxxxxxx.

    Insurers of one concern share their administration (an insurer answers for every brand of
    its group), so a number drawn per UZOVI would name different people at sibling brands and a
    correct declaration could be refused as "verzekerdennummer onbekend". One shared counter
    keeps every number unique world-wide and still depends only on the draw order (the seed).
    """

    def __init__(self) -> None:
        self._next = 100_000_001

    def take(self) -> str:
        number, self._next = self._next, self._next + 1
        return str(number)


class _Builder:
    """Draws one person at a time; all randomness comes from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random, pools: Pools, year: int) -> None:
        self.rng, self.pools, self.year = rng, pools, year
        self.numbers = _Numbers()
        self.machtigingen = 0
        self._jan1 = dt.date(year, 1, 1).toordinal()

    def person(self, bsn: str) -> Person:
        rng = self.rng
        birth = dt.date.fromordinal(self._jan1 - rng.randrange(1, 100 * 365))
        age = self.year - birth.year
        prefix, surname = rng.choice(self.pools.surnames)
        deceased = self._deceased(age, birth)
        coverages = () if rng.random() < 0.003 else self._coverages(birth, deceased)
        return Person(
            bsn=bsn,
            initials="".join(f"{c}." for c in rng.sample(self.pools.initials, rng.randint(1, 3))),
            surname=surname,
            prefix=prefix,
            birth_date=birth,
            sex=rng.choice("12"),
            postcode=rng.choice(self.pools.postcodes),
            house_number=rng.randint(1, 250),
            deceased=deceased,
            wlz_stays=self._wlz_stays(rng.random() < (0.05 if age >= 75 else 0.002), birth),
            coverages=coverages,
            machtigingen=self._machtigingen(coverages),
        )

    def _wlz_stays(self, admitted: bool, birth: dt.date) -> tuple[WlzStay, ...]:
        """One open stay for a Wlz client, starting on the first of a month in the two years
        before the reference year (derived from the birth date: no extra draw, so the rest of
        a seed's population stays the same as before stays were dated)."""
        if not admitted:
            return ()
        start = dt.date(self.year - 2 + birth.day % 2, birth.month, 1)
        return (WlzStay(start=max(start, birth)),)

    def _deceased(self, age: int, birth: dt.date) -> dt.date | None:
        """A death last year, more likely for the old; never in the reference year itself."""
        if self.rng.random() >= (0.03 if age >= 80 else 0.001):
            return None
        day = dt.date.fromordinal(self._jan1 - self.rng.randint(1, 365))
        return day if day > birth else None

    def _coverages(self, birth: dt.date, deceased: dt.date | None) -> tuple[Coverage, ...]:
        rng = self.rng
        start = max(birth, dt.date(self.year - rng.randint(0, 12), 1, 1))
        switches = [d for d in (self.year - 1, self.year) if start.year < d and rng.random() < 0.06]
        bounds = [start, *(dt.date(y, 1, 1) for y in switches)]
        uzovi = rng.choices(_UZOVIS, _SHARES)[0]
        package = rng.choice(_EXTRA_PACKAGES) if rng.random() < 0.8 else None
        out: list[Coverage] = []
        for index, begin in enumerate(bounds):
            if deceased is not None and begin > deceased:
                break
            end = bounds[index + 1] - dt.timedelta(days=1) if index + 1 < len(bounds) else None
            end = deceased if deceased is not None and (end is None or end > deceased) else end
            out.extend(self._policy(uzovi, package, begin, end))
            uzovi = rng.choice([u for u in _UZOVIS if u != uzovi])
        return tuple(out)

    def _policy(
        self, uzovi: str, package: str | None, start: dt.date, end: dt.date | None
    ) -> tuple[Coverage, ...]:
        """Basis, plus the aanvullende at the same insurer under the same verzekerdennummer."""
        number = self.numbers.take()
        basis = Coverage(
            uzovi=uzovi,
            verzekerdennummer=number,
            kind=CoverageKind.BASIS,
            package="basis",
            start=start,
            end=end,
        )
        if package is None:
            return (basis,)
        extra = Coverage(
            uzovi=uzovi,
            verzekerdennummer=number,
            kind=CoverageKind.AANVULLEND,
            package=package,
            start=start,
            end=end,
        )
        return basis, extra

    def _machtigingen(self, coverages: Sequence[Coverage]) -> tuple[Machtiging, ...]:
        current = [c for c in coverages if c.end is None and c.package == "tand-750"]
        if not current or self.rng.random() >= 0.05:
            return ()
        self.machtigingen += 1
        uzovi = current[0].uzovi
        return (
            Machtiging(
                number=f"M{uzovi}1{self.machtigingen:09d}",
                uzovi=uzovi,
                prestatiecode="E13",
                start=dt.date(self.year, 1, 1),
                end=dt.date(self.year, 12, 31),
            ),
        )


def _bsns(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct valid BSNs; about one prefix in eleven has no valid check digit."""
    prefixes = rng.sample(_BSN_PREFIXES, count + count // 8 + 16)
    valid = (make_bsn(n) for n in prefixes)
    bsns = [b for b in valid if b is not None][:count]
    if len(bsns) < count:
        raise RuntimeError("ran out of BSN prefixes")  # unreachable: 1/8 spare vs 1/11 lost
    return bsns


def generate_persons(*, seed: int, count: int, year: int, pools: Pools) -> tuple[Person, ...]:
    """``count`` people insured (or not) around reference year ``year``."""
    rng = random.Random(seed)
    builder = _Builder(rng, pools, year)
    return tuple(builder.person(bsn) for bsn in _bsns(rng, count))
