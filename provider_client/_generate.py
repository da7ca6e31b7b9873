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
from collections.abc import Mapping
from dataclasses import dataclass, field

import vektis
from provider_client._draw import (
    Context,
    GenerateError,
    Line,
    build_context,
    machtiging_for,
    pool_line,
)
from provider_client._faults import craft_fault
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
) -> tuple[list[list[Item]], dict[str, int]]:
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
    _add_twins(ctx, groups, counts.get("0587", 0), credits, rng)
    rng.shuffle(groups)
    return groups, counts


def _share(share: float, lines: int) -> int:
    if share <= 0:
        return 0
    return max(1, round(share * lines))


# A clean line before rendering: (pool index, day index, code index into the person's codes).
Clean = tuple[int, int, int]
Item = Clean | Line


def _clean_groups(ctx: Context, count: int, rng: random.Random) -> list[list[Item]]:
    """Clean lines, one to three per person; the hot loop of the generator, kept lean.

    Lines are index triples, not objects: rendering looks their text up per person and code.
    No prestatie (person, day, code) occurs twice, or the insurer would rightly answer 0587.
    """
    order = list(range(len(ctx.pool.persons)))
    rng.shuffle(order)
    all_codes, n_days, draw = ctx.pool.codes, ctx.days(), rng.random
    taken: set[Clean] = set()
    groups: list[list[Item]] = []
    made = turn = misses = 0
    while made < count:
        i = order[turn % len(order)]
        n_codes = len(all_codes[i])
        size = min(count - made, 1 + int(draw() * 3))
        lines: list[Item] = []
        for _ in range(size * 3):
            line = (i, int(draw() * n_days), int(draw() * n_codes))
            if line not in taken:
                taken.add(line)
                lines.append(line)
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


def _as_line(ctx: Context, item: Item) -> Line:
    """The full Line of a clean triple, for the few lines a twin or a fault is made of."""
    if isinstance(item, Line):
        return item
    i, d, c = item
    return pool_line(ctx, i, ctx.pool.codes[i][c], ctx.start + dt.timedelta(days=d))


def _add_twins(
    ctx: Context, groups: list[list[Item]], duplicates: int, credits: int, rng: random.Random
) -> None:
    """0587 duplicates and credits follow the line they repeat or reverse, in its group."""
    if not duplicates + credits:
        return
    originals = [(g, item) for g in groups for item in g if not _is_fault(item)]
    picks = rng.sample(range(len(originals)), duplicates + credits)
    for n, index in enumerate(picks):
        group, item = originals[index]
        line = _as_line(ctx, item)
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
        group.insert(group.index(item) + 1, twin)


def _is_fault(item: Item) -> bool:
    return isinstance(item, Line) and bool(item.fault)


# --- rendering ------------------------------------------------------------------------------


def _render(
    ctx: Context, options: GenerateOptions, standard_name: str, groups: list[list[Item]]
) -> bytes:
    standard = vektis.get_standard(standard_name)
    first = min([ctx.start, *(i.day for g in groups for i in g if isinstance(i, Line))])
    stem = _stem(options, ctx)
    records = _Records(ctx, standard, stem)
    details = records.render(groups)
    header = _header(ctx, options, standard, first, stem)
    closing = _closing(len(groups), len(details) - len(groups), records.total)
    edges = vektis.render_file(standard, [header, closing], final_crlf=False)
    head, tail = edges.decode("latin-1").split("\r\n")
    return "\r\n".join([head, *details, tail, ""]).encode("latin-1")


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
# The 04 record's spans: who (per person), machtiging and what (per code), day, references.
_LINE_SPANS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "who": ("bsn", "verzekerdennummer"),
    "machtiging": ("machtigingsnummer",),
    "day": ("date_of_service",),
    "what": ("prestatiecode", "tarief", "berekend_bedrag", "declaratiebedrag"),
    "ref": ("referentie",),
    "previous": ("referentie_voorgaand",),
}


class _Records:
    """The 02 and 04 records of one file; each person's and each code's text is made once.

    A clean line then costs one ``%`` of seven values: its number (twice: the record id and the
    reference after the file's stem), the cached who/what spans, machtiging, date and "".
    Faults and twins (few) are rendered span by span.
    """

    def __init__(self, ctx: Context, standard: vektis.Standard, stem: str) -> None:
        self.ctx, self.stem, self.total = ctx, stem, 0
        self.insured = vektis.SpanTemplate(
            standard,
            "02",
            fixed={"uzovi": ctx.insurer.uzovi, "0209": 1},
            spans={"id": ("id",), "person": _INSURED_KEYS},
        )
        layout = standard.records["04"]
        # AW319 also has an end date (mandatory; one day of care: the same date).
        self.two_dates = "end_date_of_service" in layout.by_key
        day_keys = ("date_of_service", "end_date_of_service") if self.two_dates else ()
        self.prestatie = vektis.SpanTemplate(
            standard,
            "04",
            fixed=_line_constants(ctx, standard),
            spans=_LINE_SPANS | ({"day": day_keys} if day_keys else {}),
            slots={"ref": stem.replace("%", "%%") + "%010d"},
        )
        self.days = [self._day(ctx.start + dt.timedelta(days=d)) for d in range(ctx.days())]
        size = len(ctx.pool.persons)
        self._persons, self._who = [""] * size, [""] * size
        self._what: dict[str, str] = {}

    def render(self, groups: list[list[Item]]) -> list[str]:
        """Every 02 and 04 record, numbered in order; the hot loop inlines the clean path."""
        out: list[str] = []
        insured, prestatie = self.insured.template, self.prestatie.template
        days, codes, tariffs = self.days, self.ctx.pool.codes, self._tariffs()
        needs, whos, whats = self.ctx.insurer.policy.machtiging_codes, self._who, self._what
        number = total = 0
        for group in groups:
            number += 1
            out.append(insured % (number, self._person_text(group[0])))
            for item in group:
                number += 1
                if isinstance(item, Line):
                    out.append(self._line(item, number))
                    total += -item.tarief if item.credit_of is not None else item.tarief
                    continue
                i, d, c = item
                code = codes[i][c]
                who = whos[i] or self._who_text(i)
                what = whats.get(code) or self._what_text(code, tariffs[code])
                mach = self._machtiging(i, code) if code in needs else ""
                out.append(prestatie % (number, who, mach, days[d], what, number, ""))
                total += tariffs[code]
        self.total = total
        return out

    def _day(self, day: dt.date) -> int | str:
        """The day slot's value: the date as a number, or the text of both dates."""
        if self.two_dates:
            return self.prestatie.span("day", {"date_of_service": day, "end_date_of_service": day})
        return int(self.prestatie.span("day", {"date_of_service": day}))

    def _tariffs(self) -> dict[str, int]:
        return {code: self.ctx.tariff(code) for code in self.ctx.standard_codes}

    def _person_text(self, item: Item) -> str:
        if isinstance(item, Line):
            return self.insured.span("person", _insured_values(item.person, item.verzekerdennummer))
        i = item[0]
        if not self._persons[i]:
            pool = self.ctx.pool
            values = _insured_values(pool.persons[i], pool.numbers[i])
            self._persons[i] = self.insured.span("person", values)
        return self._persons[i]

    def _who_text(self, i: int) -> str:
        pool = self.ctx.pool
        values = {"bsn": pool.persons[i].bsn, "verzekerdennummer": pool.numbers[i]}
        text = self._who[i] = self.prestatie.span("who", values)
        return text

    def _machtiging(self, i: int, code: str) -> str:
        """A clean code that needs a machtiging has one covering the whole period."""
        return machtiging_for(self.ctx, self.ctx.pool.persons[i], code, self.ctx.start)

    def _what_text(self, code: str, tarief: int) -> str:
        text = self._what[code] = self.prestatie.span("what", _amounts(code, tarief))
        return text

    def _line(self, line: Line, number: int) -> str:
        """A fault or a twin: every span rendered for this line alone."""
        who = {"bsn": line.person.bsn, "verzekerdennummer": line.verzekerdennummer}
        signed = -line.tarief if line.credit_of is not None else line.tarief
        previous = f"{self.stem}{number - 1:010d}" if line.credit_of is not None else ""
        return self.prestatie.render(
            number,
            self.prestatie.span("who", who),
            line.machtiging,
            self._day(line.day),
            self.prestatie.span("what", _amounts(line.code, line.tarief, signed)),
            number,
            previous,  # a credit follows its original directly: the record number one less
        )


def _line_constants(ctx: Context, standard: vektis.Standard) -> dict[str, object]:
    fixed: dict[str, object] = {
        "uzovi": ctx.insurer.uzovi,
        "prestatiecodelijst": vektis.prestatiecodes(standard.name)[0].codelijst,
        "behandelaar": ctx.provider.agb,
        "0407": 1,
    }
    if standard.name == "MZ301":
        fixed |= {"0409": 1, "0410": "N"}
    if "aantal" in standard.records["04"].by_key:
        fixed["aantal"] = 1
    return fixed


def _amounts(code: str, tarief: int, signed: int | None = None) -> dict[str, object]:
    """The tariff unsigned, the claimed amounts signed (a credit is negative: indicator C)."""
    amount = tarief if signed is None else signed
    return {
        "prestatiecode": code,
        "tarief": tarief,
        "berekend_bedrag": amount,
        "declaratiebedrag": amount,
    }


def _insured_values(person: Person, verzekerdennummer: str) -> dict[str, object]:
    return {
        "bsn": person.bsn,
        "verzekerdennummer": verzekerdennummer,
        "birth_date": person.birth_date,
        "sex": person.sex,
        "surname": person.surname[:25],
        "prefix": person.prefix[:10],
        "initials": person.initials.replace(".", "")[:6],
        "postcode": person.postcode,
        "house_number": person.house_number,
        "overleden": 1 if person.deceased else 2,
    }


def _closing(insured: int, prestaties: int, total: int) -> dict[str, object]:
    return {
        "record_type": "99",
        "aantal_verzekerden": insured,
        "aantal_debiteuren": 0,
        "aantal_prestaties": prestaties,
        "aantal_commentaar": 0,
        "aantal_detail": insured + prestaties,
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
