"""Instructions per request of the request path: counted under callgrind, not timed.

The same two servers as ``bench/http.py`` (``vecozo-sim up`` on a fresh home, and the bare
aiohttp mutual-TLS handler answering the exchange's own bytes), each run under valgrind's
callgrind with instrumentation off, then driven by ApacheBench (``ab -E``, a provider's system
certificate) for the same cases: COV SOAP, COV JSON, berichtstatus of an unknown traceerId and
the pull listing with keep-alive at ``--concurrency`` clients, and COV JSON with a new TLS
connection per request. Counting is switched on (``callgrind_control -i on``) only around the
measured ``ab`` run, after a warm-up, and every case is dumped on its own.

Why: on these shared 2-core machines requests/s and CPU time swing by a third between runs
(``bench/http.py`` keeps the best of several and the median of paired rounds); the instruction
count of the same work varies by about 1 %. It counts user-space instructions of every thread
of the server (the journal writer's included), not the kernel's work (syscalls, TCP), so it
complements the ratios of ``bench/http.py`` and does not replace them. ``ratio`` is bare ÷
project, like theirs. The last line printed is one JSON object.

    .venv/bin/python bench/instructions.py [--requests 1000] [--concurrency 10] [--bin BIN]

Without ``valgrind`` or ``ab`` it says what to install and exits 2. Under valgrind a server is
about 50 times slower: the default run takes about five minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import _support

bench_http = _support.bench_http()  # also takes bench/ off the import path

import argparse  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

START_SECONDS = 300.0  # `up` under valgrind: its world, its insurers, the register


def callgrind(out: Path) -> tuple[str, ...]:
    """The command prefix that runs a process under callgrind, counting nothing until told."""
    return ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}")


def counted(pid: int, out: Path, run: Any) -> int:
    """Instructions the process ran while ``run()`` ran (one dump of its own)."""
    control = ["callgrind_control"]
    subprocess.run([*control, "-z", str(pid)], check=True, capture_output=True, timeout=120)
    subprocess.run([*control, "-i", "on", str(pid)], check=True, capture_output=True, timeout=120)
    run()
    subprocess.run([*control, "-i", "off", str(pid)], check=True, capture_output=True, timeout=120)
    dumps = set(out.parent.glob(f"{out.name}.*"))
    subprocess.run([*control, "-d", str(pid)], check=True, capture_output=True, timeout=120)
    for _ in range(600):  # bounded: 60 s for the dump to be written whole
        for dump in set(out.parent.glob(f"{out.name}.*")) - dumps:
            total = _total(dump)
            if total is not None:
                return total
        time.sleep(0.1)
    raise SystemExit(f"callgrind wrote no whole dump for process {pid}")


def _total(dump: Path) -> int | None:
    """The dump's ``totals:`` line, its last (its ``summary:`` line says 0): None until then."""
    for line in reversed(dump.read_text(encoding="utf-8", errors="replace").splitlines()):
        if line.startswith("totals:"):
            return int(line.split()[1])
    return None


def drive(server: Any, spec: dict[str, Any], pem: Path, args: argparse.Namespace) -> None:
    requests = spec.get("requests", args.requests)
    seconds = 3600  # bounded by -n; under valgrind a run is slow
    figures = bench_http.ab(
        server, spec, pem, concurrency=args.concurrency, requests=requests, seconds=seconds
    )
    if figures["complete"] < requests:
        raise SystemExit(f"ab completed {figures['complete']:.0f} of {requests} requests")


def per_request(
    servers: dict[str, Any],
    outs: dict[str, Path],
    specs: dict[str, dict[str, Any]],
    pem: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, spec in specs.items():
        counts = {}
        for side, server in servers.items():
            warm = {**spec, "requests": 100}
            drive(server, warm, pem, args)
            measured = functools.partial(drive, server, spec, pem, args)
            instructions = counted(server.pid, outs[side], measured)
            counts[side] = instructions // spec.get("requests", args.requests)
        result[name] = {
            "project": counts["project"],
            "bare": counts["bare"],
            "ratio": round(counts["bare"] / counts["project"], 3),
        }
        print(f"{name:>16}: {json.dumps(result[name])}", flush=True)
    return result


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    client = bench_http.make_client(scratch)
    context, specs = client.context, client.specs
    outs = {side: scratch / f"{side}.callgrind" for side in ("project", "bare")}
    port = bench_http.free_port()
    command = [*callgrind(outs["project"]), *bench_http.up_command(client.home, port, args.bin)]
    project = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=bench_http.up_environment(),
    )
    bare: subprocess.Popen[bytes] | None = None
    try:
        bench_http.wait_for_register(
            project, port, context, specs["cov_json"], timeout=START_SECONDS
        )
        answers = bench_http.answers_of(port, context, specs)
        prefix = callgrind(outs["bare"])
        bare, bare_port = bench_http.start_bare(client.home, answers, scratch, prefix=prefix)
        bench_http.check_same_answers(bare_port, context, specs, answers)
        servers = {
            "project": bench_http.Server(port, project.pid),
            "bare": bench_http.Server(bare_port, bare.pid),
        }
        new_connection = bench_http.new_connection_spec(specs, args.requests)
        cases = {**specs, "cov_json_new_connection": new_connection}
        result = per_request(servers, outs, cases, client.pem, args)
    finally:
        _support.stop(project)
        if bare is not None:
            _support.stop(bare)
    result["settings"] = {"requests": args.requests, "concurrency": args.concurrency}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1000, help="per keep-alive case (-n)")
    parser.add_argument("--concurrency", type=int, default=10, help="ab -c")
    parser.add_argument(
        "--bin",
        type=Path,
        default=bench_http._BIN,
        help="bin directory of the install whose `up` is counted (another commit's, to compare)",
    )
    args = parser.parse_args()
    missing = [tool for tool in ("valgrind", "callgrind_control", "ab") if not shutil.which(tool)]
    if missing:
        print(f"bench/instructions.py needs {', '.join(missing)}: apt-get install valgrind "
              "apache2-utils", file=sys.stderr)  # fmt: skip
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
