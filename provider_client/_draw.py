"""Who and what a generated line is about: pools of insured persons and the crafted error lines.

A clean line must be clean at the insurer: the person is insured at the insurer's group on the
date, a package of theirs covers the prestatiecode, the tariff is the contracted one, a
machtiging exists when the code needs one, and the date lies within the declaratietermijn.
An error line breaks exactly one of those so the insurer answers with the asked retourcode.
The insurer stub's rules are the reference; this module never imports them (separate parties).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass

from provider_client._errors import ClientError
from vektis import is_valid_bsn
from world import Insurer, Person, Provider, TermKind, World

__all__ = [
    "SUPPORTED_ERRORS",
    "Context",
    "GenerateError",
    "Line",
    "Pool",
    "add_months",
    "build_context",
    "shared_numbers",
]

# Retourcodes the generator can provoke on purpose, with the fault each line carries.
SUPPORTED_ERRORS: dict[str, str] = {
    "0320": "a person the insurer does not know, or knows without a policy on the date of care",
    "0328": "a deceased insured person, care after the date of death",
    "0551": "a code that needs a machtiging, none present",
    "0586": "a date of care outside the insurer's declaratietermijn",
    "0587": "the same prestatie as an earlier line of the file, under a new reference",
    "0611": "a tariff above the contracted tariff",
    "0613": "a prestatiecode none of the person's packages covers",
    "8983": "a Wlz client at an insurer that refuses Wlz care",
}


class GenerateError(ClientError):
    """The world cannot yield the asked file (unknown provider, no person fits an error)."""

    exit_code = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One prestatie, before rendering; ``credit_of`` names the line a credit reverses."""

    person: Person
    verzekerdennummer: str
    day: dt.date
    code: str
    tarief: int
    machtiging: str = ""
    credit_of: Line | None = None
    fault: str = ""  # the retourcode this line is meant to draw, "" for a clean line


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    """Persons insured at the group on every day of the period, with the codes covered for them."""

    persons: tuple[Person, ...]
    numbers: tuple[str, ...]  # verzekerdennummer at the group, per person
    codes: tuple[tuple[str, ...], ...]  # covered, contracted codes per person


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    world: World
    provider: Provider
    insurer: Insurer
    brands: frozenset[str]
    standard_codes: tuple[str, ...]
    contracted: bool
    start: dt.date
    end: dt.date
    today: dt.date
    excluded: frozenset[str]  # scenario BSNs: never used for clean lines
    pool: Pool

    def tariff(self, code: str) -> int:
        """Contracted tariff, or the maximum for non-contracted care (paid in full up to it)."""
        policy = self.insurer.policy
        table = policy.contracted_tariffs if self.contracted else policy.max_tariffs
        return int(table[code])

    def number_of(self, person: Person, day: dt.date | None = None) -> str:
        """The verzekerdennummer at the group: on ``day`` when given, else any ever held."""
        for coverage in person.coverages:
            if coverage.uzovi in self.brands and (day is None or coverage.is_active_on(day)):
                return coverage.verzekerdennummer
        return ""

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def random_day(self, rng: random.Random) -> dt.date:
        return self.start + dt.timedelta(days=rng.randrange(self.days()))


def build_context(
    world: World,
    *,
    provider: Provider,
    insurer: Insurer,
    standard_codes: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    today: dt.date,
) -> Context:
    brands = world.group_of(insurer.uzovi)
    tariffs = insurer.policy.contracted_tariffs
    codes = tuple(c for c in standard_codes if c in tariffs and c in insurer.policy.max_tariffs)
    if not codes:
        raise GenerateError(f"{insurer.uzovi} has no tariff for any code of {provider.standard}")
    partial = Context(
        world=world,
        provider=provider,
        insurer=insurer,
        brands=brands,
        standard_codes=codes,
        contracted=not provider.contracted_with.isdisjoint(brands),
        start=start,
        end=end,
        today=today,
        excluded=frozenset(s.bsn for s in world.scenarios if s.bsn),
        pool=Pool(persons=(), numbers=(), codes=()),
    )
    return _replace_pool(partial, _cached_pool(_PoolKey(partial)))


class _PoolKey:
    """What a pool depends on: the world (by identity: hashing 10,000 persons by value would
    cost more than the pool), the insurer, the codes and the period."""

    __slots__ = ("_key", "ctx")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._key = (ctx.insurer.uzovi, ctx.standard_codes, ctx.start, ctx.end)

    def __hash__(self) -> int:
        return hash((id(self.ctx.world), self._key))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _PoolKey)
            and other.ctx.world is self.ctx.world
            and other._key == self._key
        )


# Finding the eligible persons walks the whole group and costs far more than a small file, and
# a load run asks for the same few pools again and again. A kept key holds its world, so a
# collected world's reused id() never meets an entry of its own.
@functools.lru_cache(maxsize=64)
def _cached_pool(key: _PoolKey) -> Pool:
    return _pool_of(key.ctx)


def _pool_of(ctx: Context) -> Pool:
    persons: list[Person] = []
    numbers: list[str] = []
    codes: list[tuple[str, ...]] = []
    group = _group_persons(ctx)
    ambiguous = shared_numbers(ctx, group)
    for person in group:
        if ctx.number_of(person, ctx.start) in ambiguous:
            continue  # the insurer could not tell this person by verzekerdennummer (0300)
        covered = _clean_codes(ctx, person)
        if covered:
            persons.append(person)
            numbers.append(ctx.number_of(person, ctx.start))
            codes.append(covered)
    if not persons:
        raise GenerateError(
            f"nobody insured at {ctx.insurer.uzovi} from {ctx.start} to {ctx.end} is covered "
            f"for {ctx.provider.standard} care; choose another insurer or period"
        )
    return Pool(persons=tuple(persons), numbers=tuple(numbers), codes=tuple(codes))


def _replace_pool(ctx: Context, pool: Pool) -> Context:
    return Context(
        world=ctx.world,
        provider=ctx.provider,
        insurer=ctx.insurer,
        brands=ctx.brands,
        standard_codes=ctx.standard_codes,
        contracted=ctx.contracted,
        start=ctx.start,
        end=ctx.end,
        today=ctx.today,
        excluded=ctx.excluded,
        pool=pool,
    )


def _group_persons(ctx: Context) -> list[Person]:
    """Everyone ever insured at the group, once, in the world's order (deterministic)."""
    seen: dict[str, Person] = {}
    for uzovi in sorted(ctx.brands):
        for person in ctx.world.persons_at(uzovi):
            seen.setdefault(person.bsn, person)
    return list(seen.values())


def shared_numbers(ctx: Context, group: list[Person]) -> frozenset[str]:
    """Verzekerdennummers held by more than one person across the group's brands."""
    owners: dict[str, str] = {}
    shared: set[str] = set()
    for person in group:
        for coverage in person.coverages:
            if coverage.uzovi in ctx.brands:
                owner = owners.setdefault(coverage.verzekerdennummer, person.bsn)
                if owner != person.bsn:
                    shared.add(coverage.verzekerdennummer)
    return frozenset(shared)


def _clean_codes(ctx: Context, person: Person) -> tuple[str, ...]:
    """Codes a clean line may carry for ``person`` on every day of the period, else ()."""
    if person.bsn in ctx.excluded or not is_valid_bsn(person.bsn):
        return ()
    if person.deceased is not None and person.deceased <= ctx.end:
        return ()
    if ctx.insurer.policy.rejects_wlz and person.in_wlz_during(ctx.start, ctx.end):
        return ()
    packages = _packages_through(ctx, person)
    if not packages:
        return ()
    coverage = ctx.insurer.policy.coverage
    needs = ctx.insurer.policy.machtiging_codes
    return tuple(
        code
        for code in ctx.standard_codes
        if any(code in coverage.get(p, ()) for p in packages)
        and (code not in needs or _machtiging(ctx, person, code, ctx.start, ctx.end))
    )


def _packages_through(ctx: Context, person: Person) -> tuple[str, ...]:
    """Packages at the group active on both ends of the period (policies do not have holes)."""
    return tuple(
        c.package
        for c in person.coverages
        if c.uzovi in ctx.brands and c.is_active_on(ctx.start) and c.is_active_on(ctx.end)
    )


def _machtiging(ctx: Context, person: Person, code: str, start: dt.date, end: dt.date) -> str:
    for m in person.machtigingen:
        if m.uzovi in ctx.brands and m.prestatiecode == code and m.start <= start and end <= m.end:
            return m.number
    return ""


def machtiging_for(ctx: Context, person: Person, code: str, day: dt.date) -> str:
    if code not in ctx.insurer.policy.machtiging_codes:
        return ""
    return _machtiging(ctx, person, code, day, day)


def pool_line(ctx: Context, i: int, code: str, day: dt.date, *, fault: str = "") -> Line:
    """The line of pool person ``i`` for ``code`` on ``day``: its tariff and any machtiging."""
    person = ctx.pool.persons[i]
    return Line(
        person=person,
        verzekerdennummer=ctx.pool.numbers[i],
        day=day,
        code=code,
        tarief=ctx.tariff(code),
        machtiging=machtiging_for(ctx, person, code, day),
        fault=fault,
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months (negative allowed), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")  # pragma: no cover


def too_late_day(ctx: Context) -> dt.date:
    """A day just outside the declaratietermijn, counted the insurer's way from ``today``."""
    policy = ctx.insurer.policy
    if policy.term_kind is TermKind.CALENDAR_YEARS:
        return dt.date(ctx.today.year - max(policy.term_length, 1), 6, 15)
    return add_months(ctx.today, -policy.term_length) - dt.timedelta(days=20)
