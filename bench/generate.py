"""Generation speed: provider_client.generate_file against a naive generator that makes the same
thing (a technically valid MZ301 file of the same line count, a 02 record per one to three 04
lines, header and closing) with one Faker call per field, rendered by ``vektis.render_file``.
Both are measured in the same run; the naive file is checked with ``vektis.validate`` outside
the timing. Prints one JSON object on its last line.

    .venv/bin/python -P bench/generate.py [--lines 100000] [--runs 3]

(-P keeps bench/ off sys.path, so bench/world.py cannot shadow the world package.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# Also without -P: take bench/ off the path before the world package is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from faker import Faker  # noqa: E402

import vektis  # noqa: E402
from provider_client import GenerateOptions, VecozoProvider, generate_file  # noqa: E402
from world import World, generate_world  # noqa: E402

TODAY = dt.date(2025, 6, 15)
START, END = dt.date(2025, 5, 1), dt.date(2025, 5, 31)
PROVIDER, UZOVI = "12050001", "7095"


def naive_file(lines: int, seed: int) -> bytes:
    """How test files are often made: every field of every record its own Faker call."""
    fake = Faker("nl_NL")
    fake.add_provider(VecozoProvider)
    fake.seed_instance(seed)
    standard = vektis.get_standard("MZ301")
    body = list(_naive_details(fake, lines))
    prestaties = [r for r in body if r["record_type"] == "04"]
    closing = {
        "record_type": "99",
        "aantal_verzekerden": len(body) - len(prestaties),
        "aantal_prestaties": len(prestaties),
        "aantal_detail": len(body),
        "totaal_declaratiebedrag": sum(int(str(r["declaratiebedrag"])) for r in prestaties),
    }
    return vektis.render_file(standard, [_naive_header(standard), *body, closing])


def _naive_header(standard: vektis.Standard) -> dict[str, object]:
    return {
        "record_type": "01",
        "ei_code": standard.ei_code,
        "version": standard.version,
        "subversion": standard.subversion,
        "soort_bericht": "P",
        "uzovi": UZOVI,
        "servicebureau": "0",
        "zorgverlenerscode": PROVIDER,
        "praktijkcode": "0",
        "instellingscode": "0",
        "betaling_aan": "02",
        "period_start": START,
        "period_end": END,
        "factuurnummer": "F1",
        "factuurdatum": TODAY,
        "valuta": "EUR",
    }


def _naive_details(fake: Faker, lines: int) -> Iterator[dict[str, object]]:
    number = made = 0
    while made < lines:
        number += 1
        bsn, vnr = fake.bsn(), fake.verzekerdennummer()
        yield {
            "record_type": "02",
            "id": number,
            "bsn": bsn,
            "uzovi": UZOVI,
            "verzekerdennummer": vnr,
            "birth_date": fake.date_of_birth(minimum_age=0, maximum_age=99),
            "sex": fake.random_element((1, 2)),
            "0209": 1,
            "surname": fake.last_name()[:25],
            "prefix": fake.random_element(("", "van", "de", "van der"))[:10],
            "initials": fake.random_uppercase_letter(),
            "postcode": fake.postcode().replace(" ", ""),
            "house_number": fake.random_int(1, 999),
            "overleden": 2,
        }
        for _ in range(min(lines - made, fake.random_int(1, 3))):
            number += 1
            made += 1
            yield _naive_line(fake, number, bsn, vnr)


def _naive_line(fake: Faker, number: int, bsn: str, vnr: str) -> dict[str, object]:
    amount = fake.random_int(1_000, 50_000)
    return {
        "record_type": "04",
        "id": number,
        "bsn": bsn,
        "uzovi": UZOVI,
        "verzekerdennummer": vnr,
        "0407": 1,
        "date_of_service": fake.date_between(START, END),
        "0409": 1,
        "0410": "N",
        "prestatiecodelijst": "010",
        "prestatiecode": fake.prestatiecode("MZ301"),
        "behandelaar": PROVIDER,
        "tarief": amount,
        "aantal": 1,
        "berekend_bedrag": amount,
        "declaratiebedrag": amount,
        "referentie": fake.bothify("##########??????????"),
    }


def naive(lines: int) -> tuple[float, float]:
    """Lines per second (wall clock) and CPU seconds of the naive generator."""
    start, cpu = time.perf_counter(), time.process_time()
    data = naive_file(lines, seed=1)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    findings = vektis.validate(data)
    assert not findings, findings[:3]
    assert len(vektis.parse_file(data).details) > lines
    return lines / elapsed, cpu


def ours(world: World, lines: int, seed: int) -> tuple[float, float]:
    """Lines per second (wall clock) and CPU seconds of generate_file."""
    options = GenerateOptions(provider=PROVIDER, lines=lines, seed=seed, today=TODAY, insurer=UZOVI)
    start, cpu = time.perf_counter(), time.process_time()
    made = generate_file(world, options)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert made.lines == lines
    return lines / elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    world = generate_world(seed=1, persons=10_000, today=TODAY)
    assert vektis.validate(generate_file(world, _options(args.lines)).data) == []
    # Interleaved, so a burst of load on the shared machine hits both alike; median of runs.
    pairs = [(naive(args.lines), ours(world, args.lines, 3 + n)) for n in range(args.runs)]
    reference = statistics.median(p[0][0] for p in pairs)
    fast = statistics.median(p[1][0] for p in pairs)
    ratio = statistics.median(p[1][0] / p[0][0] for p in pairs)
    print(f"generator {fast:,.0f} lines/s, naive Faker {reference:,.0f} lines/s")
    result = {
        "lines": args.lines,
        "lines_per_s": round(fast),
        "naive_lines_per_s": round(reference),
        "ratio": round(ratio, 1),
        # CPU seconds (least of the runs): for comparing versions on a shared machine
        "cpu_s": round(min(p[1][1] for p in pairs), 3),
        "naive_cpu_s": round(min(p[0][1] for p in pairs), 3),
    }
    print(json.dumps(result))


def _options(lines: int) -> GenerateOptions:
    return GenerateOptions(provider=PROVIDER, lines=lines, seed=2, today=TODAY, insurer=UZOVI)


if __name__ == "__main__":
    main()
