"""Benchmark of the command line: ``--help`` against a bare interpreter, ``validate`` of a file.

Each run spawns a process and waits for it to exit, alternating between (a) the installed
``vecozo-sim --help`` (the console script next to this interpreter), (b) ``vecozo-sim validate
--help`` (one command module imported) and the same-run reference (c) ``python -c pass``, so a
busy machine slows all three alike. Goal (issue 11): (a) under 0.3 s.

Then (issue 13) ``vecozo-sim validate FILE`` of a 200,000-line MZ301 file against the same-run
reference of a bare process that splits the same bytes with ``struct.unpack`` by record layout
(the formats are given on its command line, so it imports only ``struct``), both including
process start, alternating. Goal: validate >= 0.35 of the split's speed (``split / validate``
of the medians), by wall time and by the children's CPU time (steadier on a shared machine).

    .venv/bin/python bench/cli.py [--runs 15] [--validate-runs 5] [--lines 200000]

The last line printed is one JSON object of medians (seconds) and ratios to the reference.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("vecozo-sim")


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, timeout=60)
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command`` to its exit."""
    cpu = _children_cpu()
    return seconds(command), _children_cpu() - cpu


# The reference: the file's bytes split by record layout, nothing checked or converted.
_SPLIT = """
import json, struct, sys
formats = {t.encode(): struct.Struct(f) for t, f in json.loads(sys.argv[2]).items()}
with open(sys.argv[1], "rb") as stream:
    rows = [formats[line[:2]].unpack(line) for line in stream.read().split(b"\\r\\n") if line]
print(len(rows))
"""


def validate_figures(runs: int, lines: int) -> dict[str, object]:
    """``vecozo-sim validate`` of a ``lines``-line file against the bare split, alternating."""
    import vektis

    standard = vektis.get_standard("MZ301")
    formats = {
        t: "".join(f"{f.length}s" for f in layout.fields) for t, layout in standard.records.items()
    }
    data = vektis.sample_declaration("MZ301", insured=lines // 5, per_insured=4)
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        path = Path(tmp) / "MZ301.asc"
        path.write_bytes(data)
        commands = {
            "validate": [str(_SCRIPT), "validate", str(path)],
            "split": [sys.executable, "-c", _SPLIT, str(path), json.dumps(formats)],
        }
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                figures[name].append(timed(command))
    wall = {name: statistics.median(w for w, _ in runs_) for name, runs_ in figures.items()}
    cpu = {name: statistics.median(c for _, c in runs_) for name, runs_ in figures.items()}
    print(
        f"validate {lines} lines: {wall['validate']:.3f} s ({cpu['validate']:.3f} s CPU), "
        f"split {wall['split']:.3f} s ({cpu['split']:.3f} s CPU)"
    )
    return {
        "validate_lines": data.count(b"\r\n"),
        "validate_file_s": round(wall["validate"], 4),
        "split_file_s": round(wall["split"], 4),
        "validate_file_cpu_s": round(cpu["validate"], 4),
        "split_file_cpu_s": round(cpu["split"], 4),
        "validate_vs_split": round(wall["split"] / wall["validate"], 3),
        "validate_vs_split_cpu": round(cpu["split"] / cpu["validate"], 3),
        "validate_runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--validate-runs", type=int, default=5, help="0: skip validate")
    parser.add_argument("--lines", type=int, default=200_000, help="of the validated file")
    args = parser.parse_args()
    runs = args.runs
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
    if args.validate_runs:
        result |= validate_figures(args.validate_runs, args.lines)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
