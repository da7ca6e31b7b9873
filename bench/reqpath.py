"""ApacheBench on the store-backed routes and on new connections, against the bare handler.

The same setup as ``bench/http.py`` (whose functions it uses: ``vecozo-sim up`` on a fresh home,
a bare aiohttp mutual-TLS server answering the same bytes, ``ab -E`` with a provider's system
certificate, bounded runs, alternating sides, ``--before BIN`` as a third server), for the
routes issue 13 gives the request-path work:

- berichtstatus of an unknown traceerId and of a known one (a declaration the provider
  submitted with ``vecozo-sim submit``, answered with its return linked to it),
- the provider's pull listing (its mailbox then holds that return),

with keep-alive at 1, 10 and 50 clients, and a new TLS connection per request (no ``-k``) at
10 clients on berichtstatus (unknown id) and on COV JSON. The last line is one JSON object.

    .venv/bin/python bench/reqpath.py [--requests 3000] [--seconds 8] [--rounds 3] [--before BIN]
"""

from __future__ import annotations

import sys
from pathlib import Path

import _support

bench_http = _support.bench_http()  # also takes bench/ off the import path

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from typing import Any  # noqa: E402

LEVELS = (1, 10, 50)
SETTLE_SECONDS = 60.0


def submit_declaration(home: Path, port: int, account: str, scratch: Path) -> str:
    """A declaration of the provider, sent through the exchange; its traceerId."""
    cli = str(bench_http._BIN / "vecozo-sim")  # this install's client, for either exchange
    out = scratch / "declaration.txt"
    world = tomllib.loads((home / "world.toml").read_text(encoding="utf-8"))
    practice = next(a["organisation"] for a in world["accounts"] if a["user_number"] == account)
    subprocess.run(
        [cli, "generate", "--home", str(home), "--provider", practice, "--lines", "5", "-o", out],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=60,
    )
    url = f"https://127.0.0.1:{port}"
    sent = subprocess.run(
        [cli, "submit", "--home", home, "--as", account, "--json", "--url", url, out],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return str(_first_traceer_id(json.loads(sent.stdout)))


def _first_traceer_id(answer: Any) -> str:
    item = answer[0] if isinstance(answer, list) else answer
    return str(item.get("traceerId") or item["traceer_id"])


def settled(port: int, context: Any, specs: dict[str, dict[str, Any]]) -> None:
    """Until the answers stop changing (the insurer judged, the return waits in the mailbox)."""
    deadline, last, steady = time.monotonic() + SETTLE_SECONDS, None, 0
    while time.monotonic() < deadline and steady < 3:
        now = [bench_http.call(port, context, spec)["body"] for spec in specs.values()]
        steady = steady + 1 if now == last and now[-1] != "[]" else 0
        last = now
        time.sleep(1.0)
    if steady < 3:
        raise SystemExit("the status and listing answers did not settle")


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    client = bench_http.make_client(scratch)
    home, account, pem, context = client.home, client.account, client.pem, client.context
    base = client.specs
    cov_json = base["cov_json"]
    if args.before is not None:
        shutil.copytree(home, scratch / "home-before")
    process, port = bench_http.start_up(home)
    others: list[Any] = []
    try:
        bench_http.wait_for_register(process, port, context, cov_json)
        known = submit_declaration(home, port, account, scratch)
        specs = {
            "status_unknown": base["berichtstatus"],
            "status_known": {"path": f"{bench_http.STATUS_PATH}?traceerId={known}"},
            "listing": base["listing"],
        }
        settled(port, context, specs)
        project = bench_http.Server(port, process.pid)
        answers = {name: _answer(port, context, spec) for name, spec in specs.items()}
        answers["cov_json"] = _answer(port, context, cov_json) | {"method": "POST"}
        # The bare server answers by path: the known id's status (same path) gets its own.
        known_answer = {"status_known": answers.pop("status_known")}
        servers = {"project": project, "bare": _bare(home, answers, scratch / "a", others)}
        if args.before is not None:
            before_home = scratch / "home-before"
            servers["before"] = _start_before(args.before, before_home, context, cov_json, others)
            submit_declaration(before_home, servers["before"].port, account, scratch)
            settled(servers["before"].port, context, {"listing": specs["listing"]})
        known_servers = {
            "project": project,
            "bare": _bare(home, known_answer, scratch / "b", others),
        }
        result = _measure(servers, specs, cov_json, pem, args, known_servers)
        answers |= known_answer
        result["answers"] = {
            n: {"status": a["status"], "bytes": len(a["body"])} for n, a in answers.items()
        }
    finally:
        _support.stop(process)
        for other in others:
            _support.stop(other)
    result["settings"] = {"requests": args.requests, "seconds": args.seconds, "rounds": args.rounds}
    return result


def _answer(port: int, context: Any, spec: dict[str, Any]) -> dict[str, Any]:
    return {**bench_http.call(port, context, spec), "method": "GET", "path": spec["path"]}


def _bare(home: Path, answers: dict[str, Any], scratch: Path, others: list[Any]) -> Any:
    scratch.mkdir()
    bare, port = bench_http.start_bare(home, answers, scratch)
    others.append(bare)
    return bench_http.Server(port, bare.pid)


def _start_before(
    bin_dir: Path, home: Path, context: Any, cov_json: dict[str, Any], others: list[Any]
) -> Any:
    """The code before, on its own copy of the home (its own declaration is sent to it, so
    its listing holds one return as well; the known-id status is not compared with it)."""
    before, port = bench_http.start_up(home, bin_dir)
    others.append(before)
    bench_http.wait_for_register(before, port, context, cov_json)
    return bench_http.Server(port, before.pid)


def _measure(
    servers: dict[str, Any],
    specs: dict[str, dict[str, Any]],
    cov_json: dict[str, Any],
    pem: Path,
    args: argparse.Namespace,
    known_servers: dict[str, Any],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, spec in specs.items():
        sides = known_servers if name == "status_known" else servers
        for side in sides:
            bench_http.ab(sides[side], spec, pem, concurrency=10, requests=200, seconds=5)
        for c in LEVELS:
            result[f"{name}_c{c}"] = figures = bench_http.compare(sides, spec, pem, args, c)
            bench_http.show(f"{name} c={c}", figures)
    for name, spec in (("status_unknown", specs["status_unknown"]), ("cov_json", cov_json)):
        fresh = spec | {"keep_alive": False, "requests": args.requests // 3}
        result[f"{name}_new_connection_c10"] = figures = bench_http.compare(
            servers, fresh, pem, args, 10
        )
        bench_http.show(f"{name} new conn c=10", figures)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per ab run (-n)")
    parser.add_argument("--seconds", type=int, default=8, help="per ab run (-t)")
    parser.add_argument("--rounds", type=int, default=3, help="ab runs per side and level")
    parser.add_argument("--before", type=Path, help="bin directory of the code before")
    args = parser.parse_args()
    if shutil.which("ab") is None:
        sys.exit("bench/reqpath.py needs ApacheBench (ab): apt-get install apache2-utils")
    with tempfile.TemporaryDirectory(prefix="bench-reqpath-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
