"""Benchmark of the command line's start: ``vecozo-sim --help`` against a bare interpreter.

Each run spawns a process and waits for it to exit, alternating between (a) the installed
``vecozo-sim --help`` (the console script next to this interpreter), (b) ``vecozo-sim validate
--help`` (one command module imported) and the same-run reference (c) ``python -c pass``, so a
busy machine slows all three alike. Goal (issue 11): (a) under 0.3 s.

    .venv/bin/python bench/cli.py [--runs 15]

The last line printed is one JSON object of medians (seconds) and ratios to the reference.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("vecozo-sim")


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, timeout=60)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    commands = {
        "help": [str(_SCRIPT), "--help"],
        "validate_help": [str(_SCRIPT), "validate", "--help"],
        "python_pass": [sys.executable, "-c", "pass"],
    }
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            timings[name].append(seconds(command))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    for name, value in medians.items():
        print(f"{name:>14}: median {value * 1000:7.1f} ms over {runs} runs")
    reference = medians["python_pass"]
    result = {f"{name}_s": round(value, 4) for name, value in medians.items()}
    result |= {
        "help_vs_python": round(medians["help"] / reference, 2),
        "validate_help_vs_python": round(medians["validate_help"] / reference, 2),
        "runs": runs,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
