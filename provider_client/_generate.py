"""Realistic declaration files from a world: pure, seeded, fast.

``generate_file(world, options)`` draws persons of the insurer's group, prestaties the provider's
kind declares and the policy covers, contracted tariffs and dates inside the period, adds the
asked error mix (one crafted line per error) and credits, and renders the EI file. The same
world and options give the same bytes. Nothing here reads a file or a clock: ``today`` is an
option, because the declaratietermijn is counted from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import vektis
from provider_client._draw import Context, GenerateError, Line, build_context, machtiging_for
from provider_client._faults import craft_fault
from provider_client._template import LineTemplate, date_text
from world import Insurer, Person, Provider, World

__all__ = ["GenerateOptions", "GeneratedFile", "generate_bureau", "generate_file"]

# AANDUIDING PRESTATIECODELIJST (COD367) per standard: 010 mondzorg, 065 wijkverpleging.
PRESTATIECODELIJST: dict[str, str] = {
    "MZ301": "010",
    "OS301": "090",
    "EP301": "094",
    "AW319": "065",
}
# IDENTIFICATIECODE BETALING AAN (COD833): which header party is paid.
_PAY_BUREAU, _PAY_ZORGVERLENER, _PAY_PRAKTIJK, _PAY_INSTELLING = "01", "02", "03", "04"


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateOptions:
    provider: str  # any AGB code of the provider (zorgverlener, praktijk or instelling)
    lines: int
    seed: int
    today: dt.date
    standard: str | None = None
    insurer: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    errors: Mapping[str, float] = field(default_factory=dict)  # retourcode -> share of lines
    credits: float = 0.0
    bureau: str | None = None  # the servicebureau's AGB when it submits for the provider


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedFile:
    name: str
    data: bytes
    standard: str
    provider: str
    uzovi: str
    lines: int
    expected: Mapping[str, int]  # retourcode -> number of lines meant to draw it


def generate_file(world: World, options: GenerateOptions) -> GeneratedFile:
    provider = _provider(world, options.provider)
    standard = (options.standard or provider.standard).upper()
    if standard != provider.standard:
        raise GenerateError(f"{provider.code} declares {provider.standard}, not {standard}")
    if options.lines < 1:
        raise GenerateError("a declaration has at least one line")
    rng = random.Random(options.seed)
    insurer = _insurer(world, provider, options.insurer, rng)
    start, end = options.period or _previous_month(options.today)
    ctx = build_context(
        world,
        provider=provider,
        insurer=insurer,
        standard_codes=_codes_of(standard),
        start=start,
        end=min(end, options.today),
        today=options.today,
    )
    groups, expected = _groups(ctx, options, rng)
    data = _render(ctx, options, standard, groups)
    name = f"{standard}_{provider.code}_{insurer.uzovi}_{options.seed}.asc"
    return GeneratedFile(
        name=name,
        data=data,
        standard=standard,
        provider=provider.code,
        uzovi=insurer.uzovi,
        lines=sum(len(g) for g in groups),
        expected=expected,
    )


def generate_bureau(world: World, options: GenerateOptions) -> tuple[GeneratedFile, ...]:
    """One file per provider that authorised the bureau and per insurer it is contracted with."""
    bureau = world.bureau(options.bureau or "")
    if bureau is None:
        raise GenerateError(f"no service bureau {options.bureau!r} in this world")
    files = []
    for provider in world.providers:
        if not world.has_toestemming(bureau=bureau.agb, provider=provider.code, day=options.today):
            continue
        for uzovi in sorted(provider.contracted_with) or [i.uzovi for i in world.insurers]:
            seed = _derived_seed(options.seed, provider.code, uzovi)
            one = _with(options, provider=provider.code, insurer=uzovi, seed=seed)
            files.append(generate_file(world, one))
    if not files:
        raise GenerateError(f"no provider has a valid toestemmingsverklaring for {bureau.agb}")
    return tuple(files)


# --- drawing --------------------------------------------------------------------------------


def _groups(
    ctx: Context, options: GenerateOptions, rng: random.Random
) -> tuple[list[list[Line]], dict[str, int]]:
    """Lines grouped per verzekerde (one 02 record each), faults and credits mixed in."""
    counts = {code: _share(share, options.lines) for code, share in sorted(options.errors.items())}
    counts = {code: n for code, n in counts.items() if n}
    credits = _share(options.credits, options.lines)
    clean = options.lines - sum(counts.values()) - credits
    twins = counts.get("0587", 0) + credits
    if clean < max(twins, 1):
        raise GenerateError(f"{options.lines} lines leave too few clean lines for the error mix")
    groups = _clean_groups(ctx, clean, rng)
    for code, n in counts.items():
        if code != "0587":
            groups.extend([craft_fault(code, ctx, rng)] for _ in range(n))
    _add_twins(groups[: len(groups)], counts.get("0587", 0), credits, rng)
    rng.shuffle(groups)
    return groups, counts


def _share(share: float, lines: int) -> int:
    if share <= 0:
        return 0
    return max(1, round(share * lines))


def _clean_groups(ctx: Context, count: int, rng: random.Random) -> list[list[Line]]:
    """Clean lines, one to three per person; the hot loop of the generator, kept lean.

    No prestatie (person, day, code) occurs twice, or the insurer would rightly answer 0587.
    """
    pool = ctx.pool
    order = list(range(len(pool.persons)))
    rng.shuffle(order)
    days = [ctx.start + dt.timedelta(days=d) for d in range(ctx.days())]
    tariffs = {code: ctx.tariff(code) for code in ctx.standard_codes}
    needs = ctx.insurer.policy.machtiging_codes
    draw = rng.random
    taken: set[tuple[int, dt.date, str]] = set()
    groups: list[list[Line]] = []
    made = turn = misses = 0
    while made < count:
        i = order[turn % len(order)]
        person, number, codes = pool.persons[i], pool.numbers[i], pool.codes[i]
        size = min(count - made, 1 + int(draw() * 3))
        lines = []
        for _ in range(size * 3):
            day, code = days[int(draw() * len(days))], codes[int(draw() * len(codes))]
            if (i, day, code) in taken:
                continue
            taken.add((i, day, code))
            mach = machtiging_for(ctx, person, code, day) if code in needs else ""
            lines.append(
                Line(
                    person=person,
                    verzekerdennummer=number,
                    day=day,
                    code=code,
                    tarief=tariffs[code],
                    machtiging=mach,
                )
            )
            if len(lines) == size:
                break
        if lines:
            groups.append(lines)
            made += len(lines)
        else:
            misses += 1
            if misses > len(order):
                raise GenerateError(f"the period holds fewer than {count} distinct prestaties")
        turn += 1
    return groups


def _add_twins(groups: list[list[Line]], duplicates: int, credits: int, rng: random.Random) -> None:
    """0587 duplicates and credits follow the line they repeat or reverse, in its group."""
    originals = [(g, line) for g in groups for line in g if not line.fault]
    picks = rng.sample(range(len(originals)), duplicates + credits)
    for n, index in enumerate(picks):
        group, line = originals[index]
        twin = Line(
            person=line.person,
            verzekerdennummer=line.verzekerdennummer,
            day=line.day,
            code=line.code,
            tarief=line.tarief,
            machtiging=line.machtiging,
            credit_of=line if n >= duplicates else None,
            fault="0587" if n < duplicates else "",
        )
        group.insert(group.index(line) + 1, twin)


# --- rendering ------------------------------------------------------------------------------


def _render(
    ctx: Context, options: GenerateOptions, standard_name: str, groups: list[list[Line]]
) -> bytes:
    standard = vektis.get_standard(standard_name)
    days = [line.day for g in groups for line in g]
    stem = _stem(options, ctx)
    header = _header(ctx, options, standard, min(days), stem)
    edges = vektis.render_file(standard, [header, _closing(groups)], final_crlf=False)
    first, last = edges.decode("latin-1").split("\r\n")
    lines = [first, *_details(ctx, standard, groups, stem), last, ""]
    return "\r\n".join(lines).encode("latin-1")


def _stem(options: GenerateOptions, ctx: Context) -> str:
    text = f"{options.seed}|{ctx.provider.code}|{ctx.insurer.uzovi}|{ctx.start}|{options.lines}"
    return hashlib.sha256(text.encode()).hexdigest()[:10].upper()


def _header(
    ctx: Context, options: GenerateOptions, standard: vektis.Standard, first: dt.date, stem: str
) -> dict[str, object]:
    provider = ctx.provider
    pay = _PAY_INSTELLING if provider.institution_agb else _PAY_PRAKTIJK
    if not provider.institution_agb and not provider.practice_agb:
        pay = _PAY_ZORGVERLENER
    return {
        "record_type": "01",
        "ei_code": standard.ei_code,
        "version": standard.version,
        "subversion": standard.subversion,
        "soort_bericht": "P",
        "uzovi": ctx.insurer.uzovi,
        "servicebureau": options.bureau or "0",
        "zorgverlenerscode": provider.agb,
        "praktijkcode": provider.practice_agb or "0",
        "instellingscode": provider.institution_agb or "0",
        "betaling_aan": pay,
        "period_start": min(first, ctx.start),
        "period_end": ctx.end,
        "factuurnummer": f"F{stem[:11]}",
        "factuurdatum": ctx.today,
        "valuta": "EUR",
    }


_INSURED_KEYS: tuple[str, ...] = (
    "id",
    "bsn",
    "verzekerdennummer",
    "birth_date",
    "sex",
    "surname",
    "prefix",
    "initials",
    "postcode",
    "house_number",
    "overleden",
)
_LINE_KEYS: tuple[str, ...] = (
    "id",
    "bsn",
    "verzekerdennummer",
    "machtigingsnummer",
    "date_of_service",
    "prestatiecode",
    "tarief",
    "berekend_bedrag",
    "declaratiebedrag",
    "referentie",
    "referentie_voorgaand",
)


def _details(
    ctx: Context, standard: vektis.Standard, groups: list[list[Line]], stem: str
) -> Iterator[str]:
    """The 02 and 04 records; every field constant for the file is written in once."""
    uzovi = ctx.insurer.uzovi
    insured = LineTemplate(
        standard.records["02"], fixed={"uzovi": uzovi, "0209": 1}, varying=_INSURED_KEYS
    )
    fixed: dict[str, object] = {
        "uzovi": uzovi,
        "prestatiecodelijst": vektis.prestatiecodes(standard.name)[0].codelijst,
        "behandelaar": ctx.provider.agb,
        "0407": 1,
    }
    if standard.name == "MZ301":
        fixed |= {"0409": 1, "0410": "N"}
    if "aantal" in standard.records["04"].by_key:
        fixed["aantal"] = 1
    prestatie = LineTemplate(standard.records["04"], fixed=fixed, varying=_LINE_KEYS)
    number = 0
    for group in groups:
        number += 1
        yield _insured(insured, group[0], number)
        for line in group:
            number += 1
            yield _prestatie(prestatie, line, number, stem)


def _insured(template: LineTemplate, line: Line, number: int) -> str:
    person: Person = line.person
    return template.render(
        number,
        person.bsn,
        line.verzekerdennummer,
        date_text(person.birth_date),
        person.sex,
        person.surname[:25],
        person.prefix[:10],
        person.initials.replace(".", "")[:6],
        person.postcode,
        person.house_number,
        1 if person.deceased else 2,
    )


def _prestatie(template: LineTemplate, line: Line, number: int, stem: str) -> str:
    sign = "C" if line.credit_of is not None else "D"
    previous = f"{stem}{number - 1:010d}" if line.credit_of is not None else ""
    return template.render(
        number,
        line.person.bsn,
        line.verzekerdennummer,
        line.machtiging,
        date_text(line.day),
        line.code,
        line.tarief,
        line.tarief,
        sign,
        line.tarief,
        sign,
        f"{stem}{number:010d}",
        previous,  # a credit follows its original directly: the record number one less
    )


def _closing(groups: list[list[Line]]) -> dict[str, object]:
    prestaties = sum(len(g) for g in groups)
    total = sum(-line.tarief if line.credit_of else line.tarief for g in groups for line in g)
    return {
        "record_type": "99",
        "aantal_verzekerden": len(groups),
        "aantal_debiteuren": 0,
        "aantal_prestaties": prestaties,
        "aantal_commentaar": 0,
        "aantal_detail": len(groups) + prestaties,
        "totaal_declaratiebedrag": total,
    }


# --- lookups --------------------------------------------------------------------------------


def _provider(world: World, code: str) -> Provider:
    provider = world.provider(code)
    if provider is None:
        known = ", ".join(sorted(p.code for p in world.providers))
        raise GenerateError(f"no provider with AGB code {code} in this world; known: {known}")
    return provider


def _insurer(world: World, provider: Provider, uzovi: str | None, rng: random.Random) -> Insurer:
    if uzovi is not None:
        insurer = world.insurer(uzovi)
        if insurer is None:
            raise GenerateError(f"no insurer with UZOVI {uzovi} in this world")
        return insurer
    choices = sorted(provider.contracted_with) or sorted(i.uzovi for i in world.insurers)
    return world.insurer(choices[rng.randrange(len(choices))]) or world.insurers[0]


def _codes_of(standard: str) -> tuple[str, ...]:
    """The codes of the standard's national list (vektis), the ones an insurer recognises."""
    codes = tuple(p.code for p in vektis.prestatiecodes(standard))
    if not codes:
        raise GenerateError(f"vektis lists no prestatiecodes for {standard}; cannot generate it")
    return codes


def _previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def _derived_seed(seed: int, provider: str, uzovi: str) -> int:
    digest = hashlib.sha256(f"{seed}|{provider}|{uzovi}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def _with(options: GenerateOptions, *, provider: str, insurer: str, seed: int) -> GenerateOptions:
    return GenerateOptions(
        provider=provider,
        lines=options.lines,
        seed=seed,
        today=options.today,
        standard=None,
        insurer=insurer,
        period=options.period,
        errors=options.errors,
        credits=options.credits,
        bureau=options.bureau,
    )
