"""Benchmark: generating the insured population, against a naive Faker-per-field generator.

    .venv/bin/python bench/world.py [--persons 100000] [--sample 2000]

Goal: 100,000 persons in under 10 s. The reference, measured in the same run, builds a sample
of people the obvious way (one Faker call per field per person); the ratio says how much the
pooled generator saves. Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

from faker import Faker

# Run as a script, this file's directory comes first on sys.path and "world" would import this
# very file; drop that entry so the package is found.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
world_package = importlib.import_module("world")

TODAY = dt.date(2026, 3, 1)


def _naive_person(fake: Faker) -> tuple[object, ...]:
    """What a straightforward generator does: ask Faker for every field of every person."""
    return (
        fake.ssn(),
        fake.first_name()[0] + ".",
        fake.last_name(),
        fake.date_of_birth(),
        fake.random_element("12"),
        fake.postcode(),
        fake.building_number(),
        fake.random_element(("7095", "3311", "7119", "3332")),
        fake.date_between("-10y", "today"),
    )


def _seconds_per_naive_person(sample: int) -> float:
    fake = Faker("nl_NL")
    fake.seed_instance(1)
    started = time.perf_counter()
    for _ in range(sample):
        _naive_person(fake)
    return (time.perf_counter() - started) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    world = world_package.generate_world(seed=1, persons=args.persons, today=TODAY)
    generate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as directory:
        layout = world_package.HomeLayout(root=Path(directory))
        started = time.perf_counter()
        world_package.save_world(world, layout)
        save_s = time.perf_counter() - started
        started = time.perf_counter()
        world_package.load_world(layout)
        load_s = time.perf_counter() - started
    naive = _seconds_per_naive_person(args.sample)
    fast = generate_s / args.persons
    print(
        json.dumps(
            {
                "persons": args.persons,
                "generate_s": round(generate_s, 3),
                "save_s": round(save_s, 3),
                "load_s": round(load_s, 3),
                "naive_sample": args.sample,
                "naive_us_per_person": round(naive * 1e6, 1),
                "pooled_us_per_person": round(fast * 1e6, 1),
                "naive_over_pooled": round(naive / fast, 1),
                "goal_generate_s": 10,
                "goal_met": generate_s < 10,
            }
        )
    )


if __name__ == "__main__":
    main()
