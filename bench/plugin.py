"""Benchmark of the pytest plugin's per-test cost: the session exchange reset vs. a fresh one.

Writes a throwaway test project into a temporary directory and runs it once with pytest (this
interpreter, the installed plugin, no xdist), timing every test (setup + call + teardown, from
pytest's own reports) in three modules of ``--tests`` tests each:

(a) ``test_empty``: tests without any fixture, the reference;
(b) ``test_reset``: tests using ``vecozo`` (the session exchange, reset before each test);
(c) ``test_fresh``: the same tests with ``vecozo_server`` overridden as function-scoped, so
    each test starts (and stops) an exchange of its own: the plugin's cost before the reset.

Each ``vecozo`` test sets an insurer fault through the admin port, so every reset has something
to undo. The first test of each module is left out of the medians (it pays the session's world
generation or the first start). Wall time suffers from other load on the machine; the CPU time
of the whole pytest process (every thread, the exchange's included) much less, so both are
reported, with the load average.

    .venv/bin/python bench/plugin.py [--tests 40]

The last line printed is one JSON object: medians per test (ms, wall and CPU), the overheads
over the empty test, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TIMING_CONFTEST = """
import json, os, time
from pathlib import Path

import pytest

TIMES = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item):
    wall, cpu = time.perf_counter(), time.process_time()  # CPU of every thread: load-proof
    try:
        return (yield)
    finally:
        TIMES[item.nodeid] = (time.perf_counter() - wall, time.process_time() - cpu)


def pytest_sessionfinish(session):
    Path(os.environ["BENCH_PLUGIN_OUT"]).write_text(json.dumps(TIMES))
"""

EMPTY_TEST = """
def test_{n}():
    pass
"""

VECOZO_TEST = """
def test_{n}(vecozo):
    vecozo.admin_sync("PUT", "/admin/insurers/faults", {{"uzovi": "3311", "down": True}})
"""

FRESH_OVERRIDE = """
import pytest

from vecozo_sim.pytest_plugin import VecozoServer


@pytest.fixture
def vecozo_server(vecozo_world, tmp_path):
    with VecozoServer(vecozo_world, tmp_path) as server:
        yield server
"""


def write_project(root: Path, tests: int) -> None:
    (root / "conftest.py").write_text(TIMING_CONFTEST)
    modules = {
        "test_empty.py": "".join(EMPTY_TEST.format(n=n) for n in range(tests)),
        "test_reset.py": "".join(VECOZO_TEST.format(n=n) for n in range(tests)),
        "test_fresh.py": FRESH_OVERRIDE + "".join(VECOZO_TEST.format(n=n) for n in range(tests)),
    }
    for name, text in modules.items():
        (root / name).write_text(text)


def run_project(root: Path, out: Path, timeout: float) -> dict[str, list[float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["BENCH_PLUGIN_OUT"] = str(out)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["test_empty.py", "test_reset.py", "test_fresh.py"]
    done = subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bench project failed:\n{done.stdout}\n{done.stderr}")
    times: dict[str, list[float]] = json.loads(out.read_text())
    return times


def medians_ms(times: dict[str, list[float]], which: int) -> dict[str, float]:
    """Per module, the median wall (``which`` 0) or CPU (1) time per test, in ms."""
    found: dict[str, float] = {}
    for module in ("empty", "reset", "fresh"):
        per_test = [t[which] for node, t in times.items() if node.startswith(f"test_{module}.py")]
        found[module] = round(statistics.median(per_test[1:]) * 1000, 2)
    return found


def overheads(medians: dict[str, float]) -> dict[str, float]:
    return {
        "session_reset": round(medians["reset"] - medians["empty"], 2),
        "fresh_exchange": round(medians["fresh"] - medians["empty"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tests", type=int, default=40, help="tests per module")
    parser.add_argument("--timeout", type=float, default=600.0, help="for the whole run, s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as tmp:
        root = Path(tmp)
        write_project(root, args.tests)
        times = run_project(root, root / "times.json", args.timeout)
    wall, cpu = medians_ms(times, 0), medians_ms(times, 1)
    wall_overhead, cpu_overhead = overheads(wall), overheads(cpu)
    print(f"median per test, wall: {wall} ms; CPU of all threads: {cpu} ms")
    result = {
        "tests_per_module": args.tests,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "median_per_test_wall_ms": wall,
        "median_per_test_cpu_ms": cpu,
        "overhead_wall_ms": wall_overhead,
        "overhead_cpu_ms": cpu_overhead,
        "fresh_over_reset_wall": round(
            wall_overhead["fresh_exchange"] / wall_overhead["session_reset"], 1
        ),
        "goal_reset_under_30ms_wall": wall_overhead["session_reset"] < 30.0,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
