"""Benchmark of the request path as a vendor's client sees it: ApacheBench against ``up``.

Starts, each in its own process, (a) ``vecozo-sim up`` on a fresh home in a temporary
directory (free 127.0.0.1 ports) and (b) a bare aiohttp TLS handler under the same mutual-TLS
server context (same CA, CRL and server certificate) that answers every endpoint with the
bytes, status and content type the exchange gave for it. Then ``ab`` (Debian's apache2-utils)
drives both with a provider's SYSTEM certificate (``-E`` with certificate and key in one PEM),
alternating project and bare per measurement, for:

- COV SOAP ``POST /cov/vz801802/v1/soap11`` and COV JSON ``POST /cov/v1/controle``,
- berichtstatus of an unknown traceerId and the pull listing (the provider's empty mailbox),

with keep-alive (``-k``) at 1, 10 and 50 concurrent clients, and COV JSON with a new TLS
connection per request (no ``-k``) at 10. Every ``ab`` run is bounded by ``-n`` requests and
``-t`` seconds. The best of ``--rounds`` runs counts per side (noise on a shared machine only
ever slows a run down). The last line printed is one JSON object.

    .venv/bin/python bench/http.py [--requests 3000] [--seconds 10] [--rounds 2] [--before BIN]
        [--cases cov_soap,cov_json,berichtstatus,listing,new_connection] [--clients 1,10,50]
    .venv/bin/python bench/http.py --idle-only [--rounds 5] [--before BIN]

``--cases`` and ``--clients`` measure only some cells (say COV SOAP at 10 clients over fifteen
rounds); the goals then judge only the cells measured.

``--idle-only`` measures only what ``up`` burns with no client (``idle_cpu_ms_per_s``, each
side ``--rounds`` times over ``--idle-seconds``, alternating), without ``ab`` or the bare server.

``--before BIN`` adds a third server: ``BIN/vecozo-sim up`` of another install (the code before
a change) on a copy of the same home, measured in the same alternation, so a before/after
comparison shares the machine's moods.

Without ``ab`` it says how to install it and exits 2 (``make bench-http`` installs it).
"""

from __future__ import annotations

import _support

_support.keep_off_path()  # before anything imports the standard library's http (this file)
# ruff: noqa: E402
import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_BIN = Path(sys.executable).parent
TODAY = "2026-06-01"
SOAP_ACTION = '"http://schemas.vecozo.nl/VZ801802/v1/Controleer"'
STATUS_PATH = "/berichtenservice/berichtstatus/rest-pull/v3/berichtstatussen"
LISTING_PATH = "/berichtenservice/berichten/rest-pull/v1/berichten"
LEVELS = (1, 10, 50)
GOALS = {"cov_soap": 0.5, "cov_json": 0.5, "berichtstatus": 0.4, "listing": 0.4}
GOAL_NEW_CONNECTION = 0.9
NEW_CONNECTION = "new_connection"  # COV JSON with a new TLS connection per request, 10 clients
CASES = (*GOALS, NEW_CONNECTION)
START_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True, kw_only=False)
class Server:
    port: int
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----------------------------------------------------------------------------- the world


def make_home(home: Path) -> None:
    command = [str(_BIN / "vecozo-sim"), "init", "--home", str(home), "--persons", "200"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=120)


def provider_system_account(home: Path) -> str:
    """The user number of a provider's system account that may use COV and berichten."""
    world = tomllib.loads((home / "world.toml").read_text(encoding="utf-8"))
    providers = {p.get("practice_agb", p["agb"]) for p in world["providers"]}
    for account in world["accounts"]:
        if (
            account["kind"] == "system"
            and account["organisation"] in providers
            and {"cov", "berichten"} <= set(account["services"])
        ):
            return str(account["user_number"])
    raise SystemExit("the generated world has no provider system account with cov")


def insured_person(home: Path) -> tuple[str, str]:
    """BSN and birth date of the first person of the population with a coverage."""
    lines = (home / "population.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("coverages"):
            return row["bsn"], row["birth_date"]
    raise SystemExit("the generated population has no insured person")


def client_pem(home: Path, user_number: str, target: Path) -> Path:
    """Certificate and key in one file, as ``ab -E`` reads them."""
    accounts = home / "accounts"
    cert = (accounts / f"{user_number}.pem").read_bytes()
    key = (accounts / f"{user_number}-key.pem").read_bytes()
    target.write_bytes(cert + key)
    return target


def soap_body(bsn: str, born: str) -> bytes:
    ns = "http://schemas.vecozo.nl/VZ801802/v1"
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        f'<v1:Controleer xmlns:v1="{ns}" xmlns:mes="{ns}/messages" xmlns:typ="{ns}/types">'
        "<v1:request><mes:Zoekopdrachten><typ:Zoekopdracht><typ:Volgnummer>1</typ:Volgnummer>"
        f"<typ:Geboortedatum>{born}</typ:Geboortedatum><typ:Peildatum>{TODAY}</typ:Peildatum>"
        f"<typ:Bsn>{bsn}</typ:Bsn></typ:Zoekopdracht></mes:Zoekopdrachten></v1:request>"
        "</v1:Controleer></s:Body></s:Envelope>"
    ).encode()


def endpoints(bsn: str, born: str) -> dict[str, dict[str, Any]]:
    """What ``ab`` sends per endpoint: path, and for a POST its body and content type."""
    json_body = json.dumps({"bsn": bsn, "geboortedatum": born, "peildatum": TODAY}).encode()
    return {
        "cov_soap": {
            "path": "/cov/vz801802/v1/soap11",
            "body": soap_body(bsn, born),
            "type": "text/xml; charset=utf-8",
            "headers": {"SOAPAction": SOAP_ACTION},
        },
        "cov_json": {"path": "/cov/v1/controle", "body": json_body, "type": "application/json"},
        "berichtstatus": {"path": f"{STATUS_PATH}?traceerId={uuid.UUID(int=13)}"},
        "listing": {"path": LISTING_PATH},
    }


# ----------------------------------------------------------------------------- servers


def tls_client(home: Path, pem: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(home / "pki" / "ca.pem"))
    context.load_cert_chain(str(pem))
    context.check_hostname = False
    return context


def call(port: int, context: ssl.SSLContext, spec: dict[str, Any]) -> dict[str, Any]:
    """One request as ``ab`` makes it; the answer's status, content type and bytes."""
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        headers = {"User-Agent": "ApacheBench/2.3", "Accept": "*/*", **spec.get("headers", {})}
        if "body" in spec:
            headers["Content-Type"] = spec["type"]
            connection.request("POST", spec["path"], body=spec["body"], headers=headers)
        else:
            connection.request("GET", spec["path"], headers=headers)
        response = connection.getresponse()
        return {
            "status": response.status,
            "type": response.getheader("Content-Type", ""),
            "body": response.read().decode("latin-1"),
        }
    finally:
        connection.close()


# The pull-mode insurers' idle pulls (every 30 s: a safety net, the exchange wakes them) are not
# the request path, yet each is a TLS connection made and served inside the measured process.
# Under valgrind a case runs long enough to catch a dozen (0.7 million instructions a new
# connection in the counts of round 5). Given as a variable, which an older install ignores.
QUIET_INSURERS = {"VECOZO_SIM_IDLE_PULL": "3600"}


def up_command(home: Path, port: int, bin_dir: Path = _BIN) -> list[str]:
    """``vecozo-sim up`` of the install in ``bin_dir`` on a fresh ``home``, at ``TODAY``."""
    where = ["--home", str(home), "--port", str(port), "--admin-port", "0", "--insurer-port", "0"]
    return [str(bin_dir / "python"), str(bin_dir / "vecozo-sim"), "up", *where, "--today", TODAY]


def up_environment() -> dict[str, str]:
    return {**os.environ, **QUIET_INSURERS}


def start_up(home: Path, bin_dir: Path = _BIN) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        up_command(home, port, bin_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=up_environment(),
    )
    return process, port


def wait_for_register(
    process: subprocess.Popen[bytes],
    port: int,
    context: ssl.SSLContext,
    spec: dict[str, Any],
    *,
    timeout: float = START_TIMEOUT,
) -> None:
    """Until COV finds the person: the insurers publish the register just after the start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"vecozo-sim up ended: {process.communicate()[1]!r}")
        try:
            if '"Gevonden"' in call(port, context, spec)["body"]:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the exchange did not answer COV within {timeout} s")


def start_bare(
    home: Path, answers: dict[str, dict[str, Any]], scratch: Path, *, prefix: tuple[str, ...] = ()
) -> tuple[Any, int]:
    """The bare server answering ``answers`` (``answers_of``); ``prefix`` runs it under a tool
    (bench/instructions.py: callgrind)."""
    spec = scratch / "bare.json"
    spec.write_text(json.dumps({"home": str(home), "answers": answers}), encoding="utf-8")
    command = [*prefix, sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(spec)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()  # the bare server prints its port once it listens
    if not line:
        raise SystemExit("the bare server did not start")
    return process, int(line)


async def serve_bare(spec: dict[str, Any]) -> None:
    """The reference: aiohttp's own TLS server answering fixed bytes per path, nothing else."""
    from aiohttp import web

    import certs

    pki = Path(spec["home"]) / "pki"
    context = certs.server_ssl_context(
        cert=pki / "server.pem", key=pki / "server-key.pem", ca=pki / "ca.pem", crl=pki / "crl.pem"
    )
    app = web.Application()
    for answer in spec["answers"].values():
        body = answer["body"].encode("latin-1")
        status, content_type = answer["status"], answer["type"]

        async def handler(
            request: web.Request, body: bytes = body, status: int = status, ct: str = content_type
        ) -> web.Response:
            await request.read()
            return web.Response(body=body, status=status, headers={"Content-Type": ct})

        app.router.add_route(answer["method"], answer["path"].split("?")[0], handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    print(runner.addresses[0][1], flush=True)
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    await stopped.wait()
    await runner.cleanup()


# ----------------------------------------------------------------------------- ApacheBench

_FIGURES = {
    "complete": re.compile(r"^Complete requests:\s+(\d+)", re.M),
    "failed": re.compile(r"^Failed requests:\s+(\d+)", re.M),
    "non_2xx": re.compile(r"^Non-2xx responses:\s+(\d+)", re.M),
    "keep_alive": re.compile(r"^Keep-Alive requests:\s+(\d+)", re.M),
    "rps": re.compile(r"^Requests per second:\s+([\d.]+)", re.M),
    "p50_ms": re.compile(r"^\s+50%\s+(\d+)", re.M),
    "p99_ms": re.compile(r"^\s+99%\s+(\d+)", re.M),
}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu_ms_per_s(server: Server, seconds: float = 3.0) -> float:
    """CPU a server burns with no client (``up`` runs the stub insurers' mailbox polls): part
    of every CPU-per-request figure, about this much divided by the requests per second."""
    before = cpu_seconds(server.pid)
    time.sleep(seconds)
    return round((cpu_seconds(server.pid) - before) / seconds * 1000, 1)


def ab(
    server: Server,
    spec: dict[str, Any],
    pem: Path,
    *,
    concurrency: int,
    requests: int,
    seconds: int,
) -> dict[str, float]:
    """One bounded ``ab`` run (``-t`` first: it implies -n 50000, which ``-n`` then replaces),
    with the server's own CPU time per request: steadier than requests/s on a shared machine."""
    command = ["ab", "-q", "-r", "-t", str(seconds), "-n", str(requests)]
    command += ["-c", str(concurrency), "-E", str(pem)]
    if spec.get("keep_alive", True):
        command.append("-k")
    for name, value in spec.get("headers", {}).items():
        command += ["-H", f"{name}: {value}"]
    if "body_file" in spec:
        command += ["-p", spec["body_file"], "-T", spec["type"]]
    command.append(f"https://127.0.0.1:{server.port}{spec['path']}")
    cpu_before = cpu_seconds(server.pid)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    cpu = cpu_seconds(server.pid) - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"ab failed: {' '.join(command)}\n{done.stderr}")
    figures = {}
    for name, pattern in _FIGURES.items():
        match = pattern.search(done.stdout)
        figures[name] = float(match.group(1)) if match else 0.0
    if figures["failed"]:
        raise SystemExit(f"ab saw failed requests: {' '.join(command)}\n{done.stdout}")
    figures["cpu_us"] = round(cpu / max(figures["complete"], 1) * 1e6, 1)
    return figures


def compare(
    servers: dict[str, Server], spec: dict[str, Any], pem: Path, args: argparse.Namespace, c: int
) -> dict[str, Any]:
    """Every server in turn (the order reversed each round), ``args.rounds`` times each; the
    best run of each counts. ``paired_ratio`` is the median of each round's own ratio: the two
    runs of a round share the machine's mood, so one lucky bare run cannot set it alone."""
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in servers}
    requests = spec.get("requests", args.requests)
    for round_ in range(args.rounds):
        order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
        for side in order:
            runs[side].append(
                ab(servers[side], spec, pem, concurrency=c, requests=requests, seconds=args.seconds)
            )
    best = {side: max(r, key=lambda f: f["rps"]) for side, r in runs.items()}
    ratios = round_ratios(runs["project"], runs["bare"])
    cpu = {side: min(f["cpu_us"] for f in r) for side, r in runs.items()}
    before = {}
    if "before" in servers:  # the same figures for the code before a change, same run
        before = {
            "before_rps": best["before"]["rps"],
            "before_ratio": round(best["before"]["rps"] / best["bare"]["rps"], 3),
            "before_cpu_us": cpu["before"],
            "before_cpu_ratio": round(cpu["bare"] / max(cpu["before"], 0.1), 3),
        }
    return before | {
        "project_rps": best["project"]["rps"],
        "bare_rps": best["bare"]["rps"],
        "ratio": round(best["project"]["rps"] / best["bare"]["rps"], 3),
        "paired_ratio": round(statistics.median(ratios), 3),
        "round_ratios": [round(ratio, 3) for ratio in ratios],
        "project_cpu_us": cpu["project"],
        "bare_cpu_us": cpu["bare"],
        "cpu_ratio": round(cpu["bare"] / max(cpu["project"], 0.1), 3),
        "project_p50_p99_ms": [best["project"]["p50_ms"], best["project"]["p99_ms"]],
        "bare_p50_p99_ms": [best["bare"]["p50_ms"], best["bare"]["p99_ms"]],
        "requests": best["project"]["complete"],
        "runs_rps": {side: [f["rps"] for f in r] for side, r in runs.items()},
    }


def round_ratios(project: list[dict[str, float]], bare: list[dict[str, float]]) -> list[float]:
    """Each round's own ratio, in the order run (``paired_ratio`` is their median)."""
    return [p["rps"] / b["rps"] for p, b in zip(project, bare, strict=True)]


def measure(
    servers: dict[str, Server],
    specs: dict[str, dict[str, Any]],
    pem: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, spec in specs.items():
        if name not in args.cases:
            continue
        for side in servers:  # warm each: identity cache, first imports
            ab(servers[side], spec, pem, concurrency=10, requests=200, seconds=args.seconds)
        for c in args.clients:
            result[f"{name}_c{c}"] = figures = compare(servers, spec, pem, args, c)
            show(f"{name} c={c}", figures)
    if NEW_CONNECTION not in args.cases:
        return result
    new_connection = new_connection_spec(specs, args.requests)
    result["cov_json_new_connection_c10"] = figures = compare(
        servers, new_connection, pem, args, 10
    )
    show("new connection c=10", figures)
    return result


def new_connection_spec(specs: dict[str, dict[str, Any]], requests: int) -> dict[str, Any]:
    """COV JSON with a new TLS connection per request, a third of ``requests`` (each costs a
    handshake)."""
    return {**specs["cov_json"], "keep_alive": False, "requests": max(requests // 3, 1)}


def show(label: str, figures: dict[str, Any]) -> None:
    before = ""
    if "before_rps" in figures:
        before = (
            f"  before {figures['before_rps']:7.0f}/s {figures['before_cpu_us']:6.0f} µs"
            f" ratio {figures['before_ratio']:.2f} (CPU {figures['before_cpu_ratio']:.2f})"
        )
    print(
        f"{label:>20}: project {figures['project_rps']:7.0f}/s {figures['project_cpu_us']:6.0f} µs"
        f"  bare {figures['bare_rps']:7.0f}/s {figures['bare_cpu_us']:6.0f} µs"
        f"  ratio {figures['ratio']:.2f} (CPU {figures['cpu_ratio']:.2f},"
        f" paired {figures['paired_ratio']:.2f}){before}",
        flush=True,
    )


def goals(result: dict[str, Any], figure: str = "ratio") -> dict[str, bool]:
    """Which of issue 13's goals ``figure`` (best-of ``ratio`` or ``paired_ratio``) meets, in
    the cells measured (a goal with none is left out, not passed)."""
    met = {}
    for name, goal in GOALS.items():
        cells = [cell for key, cell in result.items() if key.startswith(f"{name}_c")]
        if cells:
            met[f"{name}_ge_{goal}"] = all(cell[figure] >= goal for cell in cells)
    if (new_connection := result.get("cov_json_new_connection_c10")) is not None:
        met[f"new_connection_ge_{GOAL_NEW_CONNECTION}"] = (
            new_connection[figure] >= GOAL_NEW_CONNECTION
        )
    return met


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """A fresh home and the provider's system account that ``ab`` and ``call`` act as."""

    home: Path
    account: str
    pem: Path  # certificate and key in one file, for ab -E
    context: ssl.SSLContext
    specs: dict[str, dict[str, Any]]  # endpoints(); a POST's body also in its body_file


def make_client(scratch: Path) -> Client:
    home = scratch / "home"
    make_home(home)
    account = provider_system_account(home)
    pem = client_pem(home, account, scratch / "client.pem")
    specs = endpoints(*insured_person(home))
    for name, spec in specs.items():  # ab -p reads a POST body from a file
        if "body" in spec:
            spec["body_file"] = str(scratch / f"{name}.body")
            Path(spec["body_file"]).write_bytes(spec["body"])
    return Client(home=home, account=account, pem=pem, context=tls_client(home, pem), specs=specs)


def answers_of(port: int, context: ssl.SSLContext, specs: dict[str, Any]) -> dict[str, Any]:
    """What the exchange answers each endpoint: what the bare server is to answer."""
    return {
        name: {
            **call(port, context, spec),
            "method": "POST" if "body" in spec else "GET",
            "path": spec["path"],
        }
        for name, spec in specs.items()
    }


def check_same_answers(
    port: int, context: ssl.SSLContext, specs: dict[str, Any], answers: dict[str, Any]
) -> None:
    for name, spec in specs.items():  # the reference must really answer the same bytes
        if call(port, context, spec) != {k: answers[name][k] for k in ("status", "type", "body")}:
            raise SystemExit(f"the bare server answers {name} differently")


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    client = make_client(scratch)
    home, context, specs = client.home, client.context, client.specs
    if args.before is not None:  # its own copy of the world: one `up` per home
        shutil.copytree(home, scratch / "home-before")
    process, port = start_up(home)
    bare: Any = None
    before: Any = None
    try:
        wait_for_register(process, port, context, specs["cov_json"])
        answers = answers_of(port, context, specs)
        bare, bare_port = start_bare(home, answers, scratch)
        check_same_answers(bare_port, context, specs, answers)
        servers = {"project": Server(port, process.pid), "bare": Server(bare_port, bare.pid)}
        if args.before is not None:
            before, before_port = start_up(scratch / "home-before", args.before)
            wait_for_register(before, before_port, context, specs["cov_json"])
            for name, spec in specs.items():
                if call(before_port, context, spec)["body"] != answers[name]["body"]:
                    raise SystemExit(f"the code before answers {name} differently")
            servers["before"] = Server(before_port, before.pid)
        idle = {side: idle_cpu_ms_per_s(server) for side, server in servers.items()}
        result = measure(servers, specs, client.pem, args)
        result["idle_cpu_ms_per_s"] = idle
    finally:
        _support.stop(process)
        for other in (bare, before):
            if other is not None:
                _support.stop(other)
    result["answers"] = {
        n: {"status": a["status"], "bytes": len(a["body"])} for n, a in answers.items()
    }
    result["goals"] = goals(result)
    result["goals_paired"] = goals(result, "paired_ratio")
    result["account"] = client.account
    result["settings"] = {
        "requests": args.requests,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "cases": list(args.cases),
        "clients": list(args.clients),
    }
    return result


def run_idle(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Only the idle CPU of ``up`` (and of ``--before``), alternating per round."""
    client = make_client(scratch)
    home, context, spec = client.home, client.context, client.specs["cov_json"]
    homes = {"project": (home, _BIN)}
    if args.before is not None:
        shutil.copytree(home, scratch / "home-before")
        homes["before"] = (scratch / "home-before", args.before)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    runs: dict[str, list[float]] = {side: [] for side in homes}
    try:
        for side, (root, bin_dir) in homes.items():
            processes[side], port = start_up(root, bin_dir)
            wait_for_register(processes[side], port, context, spec)
        for _ in range(args.rounds):
            for side, process in processes.items():
                server = Server(0, process.pid)
                runs[side].append(idle_cpu_ms_per_s(server, args.idle_seconds))
    finally:
        for process in processes.values():
            _support.stop(process)
    settings = {"rounds": args.rounds, "idle_seconds": args.idle_seconds}
    return {"idle_cpu_ms_per_s": runs, "settings": settings}


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in CASES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown case {unknown or text!r}; cases: {CASES}")
    return names


def _levels(text: str) -> tuple[int, ...]:
    try:
        levels = tuple(int(n) for n in text.split(","))
    except ValueError:
        levels = ()
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"not concurrency levels (1,10,50): {text!r}")
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per ab run (-n)")
    parser.add_argument("--seconds", type=int, default=10, help="per ab run (-t)")
    parser.add_argument("--rounds", type=int, default=2, help="ab runs per side and level")
    parser.add_argument(
        "--before",
        type=Path,
        help="bin directory of an install of the code before a change (its vecozo-sim): "
        "measured in the same run as a third server",
    )
    parser.add_argument(
        "--cases",
        type=_names,
        default=CASES,
        help=f"comma-separated, of {','.join(CASES)} (default: all)",
    )
    parser.add_argument(
        "--clients",
        type=_levels,
        default=LEVELS,
        help="comma-separated concurrency levels of the keep-alive cases (default: 1,10,50)",
    )
    parser.add_argument(
        "--idle-only", action="store_true", help="only the CPU of `up` with no client"
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=3.0, help="per idle measurement (--idle-only)"
    )
    parser.add_argument("--serve-bare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare is not None:
        asyncio.run(serve_bare(json.loads(args.serve_bare.read_text(encoding="utf-8"))))
        return
    if args.idle_only:
        with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
            print(json.dumps(run_idle(args, Path(tmp))))
        return
    if shutil.which("ab") is None:
        print(
            "bench/http.py needs ApacheBench (ab): apt-get install apache2-utils "
            "(or `make bench-http`, which installs it as root)",
            file=sys.stderr,
        )
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
