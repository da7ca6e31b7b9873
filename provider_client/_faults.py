"""Crafting one line per asked retourcode, each with exactly one fault the insurer will find.

Every crafter picks a person from the world so the rest of the line stays correct (name, birth
date, verzekerdennummer, a contracted tariff), then breaks the one thing its code is about.
Candidates are gathered once per file and drawn with the file's seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from provider_client._draw import (
    SUPPORTED_ERRORS,
    Context,
    GenerateError,
    Line,
    machtiging_for,
    pool_line,
    shared_numbers,
    too_late_day,
)
from vektis import is_valid_bsn
from world import Person

__all__ = ["craft_fault"]


def craft_fault(code: str, ctx: Context, rng: random.Random) -> Line:
    """A line that draws ``code``; the 0587 duplicate is made by the assembler (it needs a twin)."""
    crafter = _CRAFTERS.get(code)
    if crafter is None:
        known = ", ".join(sorted(SUPPORTED_ERRORS))
        raise GenerateError(f"cannot provoke retourcode {code}; supported: {known}")
    return crafter(ctx, rng)


def _pick(candidates: list[Person], code: str, ctx: Context, rng: random.Random) -> Person:
    if not candidates:
        raise GenerateError(
            f"no person in this world can provoke {code} ({SUPPORTED_ERRORS[code]}) at "
            f"{ctx.insurer.uzovi} between {ctx.start} and {ctx.end}; try another --insurer"
        )
    return candidates[rng.randrange(len(candidates))]


def _clean(ctx: Context, rng: random.Random, *, fault: str) -> Line:
    """A clean line of a random pool person; callers change one thing of it."""
    i = rng.randrange(len(ctx.pool.persons))
    codes = ctx.pool.codes[i]
    code = codes[rng.randrange(len(codes))]
    return pool_line(ctx, i, code, ctx.random_day(rng), fault=fault)


def _faulty(
    ctx: Context,
    rng: random.Random,
    person: Person,
    *,
    number: str,
    fault: str,
    code: str | None = None,
) -> Line:
    """``person``'s line on a random day, of ``code`` or else a random standard code."""
    if code is None:
        code = ctx.standard_codes[rng.randrange(len(ctx.standard_codes))]
    return Line(
        person=person,
        verzekerdennummer=number,
        day=ctx.random_day(rng),
        code=code,
        tarief=ctx.tariff(code),
        fault=fault,
    )


def _unknown_to_group(ctx: Context, rng: random.Random) -> Line:
    """0320: unknown to the whole group: the insurer finds neither BSN nor verzekerdennummer."""
    outsiders = [
        p
        for p in ctx.world.persons
        if p.bsn not in ctx.excluded
        and not any(c.uzovi in ctx.brands for c in p.coverages)
        and (p.deceased is None or p.deceased > ctx.end)
    ]
    person = _pick(outsiders[:2000], "0320", ctx, rng)
    return _faulty(ctx, rng, person, number="", fault="0320")


def _deceased(ctx: Context, rng: random.Random) -> Line:
    """0328: known to the group, died before the date of care."""
    dead = [
        p
        for p in _group(ctx)
        if p.deceased is not None and p.deceased < ctx.start and ctx.number_of(p)
    ]
    person = _pick(dead, "0328", ctx, rng)
    return _faulty(ctx, rng, person, number=ctx.number_of(person), fault="0328")


def _not_insured(ctx: Context, rng: random.Random) -> Line:
    """0320: unknown to the group, or (half the lines) known with an earlier or later
    policy but none on the date of care: 0506 is only for a period partly insured."""
    if rng.random() < 0.5:
        return _unknown_to_group(ctx, rng)
    return _uninsured_on_day(ctx, rng)


def _uninsured_on_day(ctx: Context, rng: random.Random) -> Line:
    """0320: known to the group (an earlier or later policy), none active on the date."""

    def fits(p: Person) -> bool:
        alive = p.deceased is None or p.deceased > ctx.end
        return alive and not any(
            c.uzovi in ctx.brands and (c.is_active_on(ctx.start) or c.is_active_on(ctx.end))
            for c in p.coverages
        )

    candidates = [p for p in _group(ctx) if fits(p)]
    if not candidates:
        return _unknown_to_group(ctx, rng)
    person = candidates[rng.randrange(len(candidates))]
    return _faulty(ctx, rng, person, number=ctx.number_of(person), fault="0320")


def _wlz(ctx: Context, rng: random.Random) -> Line:
    """8983: a Wlz client with an active policy, at an insurer that refuses Wlz clients' care."""
    if not ctx.insurer.policy.rejects_wlz:
        raise GenerateError(
            f"{ctx.insurer.uzovi} accepts Wlz clients; 8983 needs one that does not"
        )
    clients = [
        p
        for p in _group(ctx)
        if p.in_wlz_on(ctx.start)
        and p.in_wlz_on(ctx.end)
        and (p.deceased is None or p.deceased > ctx.end)
        and ctx.number_of(p, ctx.start)
        and ctx.number_of(p, ctx.end)
    ]
    person = _pick(clients, "8983", ctx, rng)
    return _faulty(ctx, rng, person, number=ctx.number_of(person, ctx.start), fault="8983")


def _not_covered(ctx: Context, rng: random.Random) -> Line:
    """0613: insured on the date, but the code is outside every package the person holds."""
    policy = ctx.insurer.policy
    options: list[tuple[Person, str]] = []
    for person in _group(ctx)[:5000]:
        if (policy.rejects_wlz and person.in_wlz_during(ctx.start, ctx.end)) or (
            person.deceased and person.deceased <= ctx.end
        ):
            continue
        packages = [
            c.package
            for c in person.coverages
            if c.uzovi in ctx.brands and c.is_active_on(ctx.start) and c.is_active_on(ctx.end)
        ]
        uncovered = [
            code
            for code in ctx.standard_codes
            if code not in policy.machtiging_codes
            and not any(code in policy.coverage.get(p, ()) for p in packages)
        ]
        if packages and uncovered:
            options.append((person, uncovered[rng.randrange(len(uncovered))]))
    if not options:
        _pick([], "0613", ctx, rng)
    person, code = options[rng.randrange(len(options))]
    return _faulty(
        ctx, rng, person, number=ctx.number_of(person, ctx.start), fault="0613", code=code
    )


def _no_machtiging(ctx: Context, rng: random.Random) -> Line:
    """0551: a covered code that needs a machtiging, for a person who has none for it."""
    policy = ctx.insurer.policy
    needs = sorted(c for c in ctx.standard_codes if c in policy.machtiging_codes)
    for _ in range(200):
        i = rng.randrange(len(ctx.pool.persons))
        person = ctx.pool.persons[i]
        packages = [c.package for c in person.coverages_on(ctx.start) if c.uzovi in ctx.brands]
        covered = [c for c in needs if any(c in policy.coverage.get(p, ()) for p in packages)]
        if covered and not any(m.uzovi in ctx.brands for m in person.machtigingen):
            code = covered[rng.randrange(len(covered))]
            return _faulty(ctx, rng, person, number=ctx.pool.numbers[i], fault="0551", code=code)
    _pick([], "0551", ctx, rng)
    raise AssertionError("unreachable")  # pragma: no cover


def _too_late(ctx: Context, rng: random.Random) -> Line:
    """0586: a clean line moved to a day the declaratietermijn no longer covers."""
    day = too_late_day(ctx)
    for _ in range(200):
        line = _clean(ctx, rng, fault="0586")
        packages = [c.package for c in line.person.coverages_on(day) if c.uzovi in ctx.brands]
        if any(line.code in ctx.insurer.policy.coverage.get(p, ()) for p in packages) and (
            not machtiging_for(ctx, line.person, line.code, day)
            and line.code not in ctx.insurer.policy.machtiging_codes
        ):
            number = ctx.number_of(line.person, day)
            return _moved(line, day, number)
    _pick([], "0586", ctx, rng)
    raise AssertionError("unreachable")  # pragma: no cover


def _moved(line: Line, day: dt.date, number: str) -> Line:
    return Line(
        person=line.person,
        verzekerdennummer=number,
        day=day,
        code=line.code,
        tarief=line.tarief,
        fault=line.fault,
    )


def _overpriced(ctx: Context, rng: random.Random) -> Line:
    """0611: a contracted provider asking more than the contracted tariff."""
    if not ctx.contracted:
        raise GenerateError(
            f"{ctx.provider.code} has no contract with {ctx.insurer.uzovi}: 0611 needs one"
        )
    line = _clean(ctx, rng, fault="0611")
    return Line(
        person=line.person,
        verzekerdennummer=line.verzekerdennummer,
        day=line.day,
        code=line.code,
        tarief=line.tarief + 1 + rng.randrange(500),
        machtiging=line.machtiging,
        fault="0611",
    )


def _group(ctx: Context) -> list[Person]:
    seen: dict[str, Person] = {}
    for uzovi in sorted(ctx.brands):
        for person in ctx.world.persons_at(uzovi):
            seen.setdefault(person.bsn, person)
    people = [p for p in seen.values() if is_valid_bsn(p.bsn)]
    ambiguous = shared_numbers(ctx, people)
    return [p for p in people if not any(c.verzekerdennummer in ambiguous for c in p.coverages)]


_CRAFTERS: dict[str, Callable[[Context, random.Random], Line]] = {
    "0320": _not_insured,
    "0328": _deceased,
    "0551": _no_machtiging,
    "0586": _too_late,
    "0611": _overpriced,
    "0613": _not_covered,
    "8983": _wlz,
}
