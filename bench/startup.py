"""Benchmark of start-up: ``vecozo-sim up`` on an existing world, and the in-process starts.

Measures, on a world made once in a temporary directory (``vecozo-sim init``, 10,000 persons by
default) and started once before timing (so the gateway's store holds the COV register, as
for any world that ran before):

(a) ``up``: process spawn until the gateway answers a request over mutual TLS (free ports,
    SIGTERM after, each run bounded by ``--timeout``);
(b) ``Exchange.start`` in this process on that world, loading it from disk as ``up`` does
    (insurers in the background), and the pytest plugin's path: a 300-person world given
    already loaded, a fresh hard-linked home per run, insurers started in the foreground;
and as same-run references (c) a bare ``python -c "import aiohttp, cryptography"`` process and
(d) a bare aiohttp server start under the world's mutual-TLS server context.

    .venv/bin/python bench/startup.py [--runs 5] [--persons 10000]

The last line printed is one JSON object of medians (seconds) and ratios.
"""

from __future__ import annotations

import _support

_support.keep_off_path()  # before any other import: see bench/_support.py
# ruff: noqa: E402
import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

import certs
from world import HomeLayout

_BIN = Path(sys.executable).parent
_PROBE = "/berichtenservice/berichten/rest-pull/v1/berichten?limit=1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def probe_context(layout: HomeLayout) -> ssl.SSLContext:
    """A client presenting the first account's certificate (any answer proves TLS works)."""
    key = sorted(layout.root.joinpath("accounts").glob("*-key.pem"))[0]
    cert = key.with_name(key.name.replace("-key.pem", ".pem"))
    return certs.client_ssl_context(ca=layout.ca_cert, cert=cert, key=key)


def answers(port: int, context: ssl.SSLContext) -> bool:
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=2)
    try:
        connection.request("GET", _PROBE)
        return connection.getresponse().status > 0
    except OSError:
        return False
    finally:
        connection.close()


def up_once(layout: HomeLayout, timeout: float) -> float:
    """Seconds from spawning ``vecozo-sim up`` until the gateway answers over mutual TLS."""
    port, context = free_port(), probe_context(layout)
    command = [str(_BIN / "vecozo-sim"), "up", "--home", str(layout.root), "--port", str(port)]
    command += ["--admin-port", "0", "--insurer-port", "0"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not answers(port, context):
            if process.poll() is not None:
                raise RuntimeError(f"up ended: {process.communicate()[1]!r}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"up did not answer within {timeout} s")
            time.sleep(0.005)
        return time.perf_counter() - started
    finally:
        _support.stop(process)


def bare_import_once() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import aiohttp, cryptography"], check=True)
    return time.perf_counter() - started


async def bare_server_once(layout: HomeLayout) -> float:
    """A bare aiohttp handler under the world's mutual-TLS server context: start until listening."""
    started = time.perf_counter()
    context = certs.server_ssl_context(
        cert=layout.server_cert, key=layout.server_key, ca=layout.ca_cert, crl=layout.crl
    )
    app = web.Application()
    app.router.add_get("/", lambda _: web.Response(text="hello"))  # type: ignore[arg-type,return-value]
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    elapsed = time.perf_counter() - started
    await runner.cleanup()
    return elapsed


async def exchange_once(layout: HomeLayout) -> float:
    """``up``'s in-process part: load the world, start gateway, insurers (background), admin."""
    from vecozo_sim import Exchange, ExchangeSettings

    exchange = Exchange(ExchangeSettings(layout=layout, port=0, admin_port=0))
    started = time.perf_counter()
    await exchange.start(insurers_in_background=True)
    elapsed = time.perf_counter() - started
    await exchange.stop()
    return elapsed


async def plugin_once(template: Path, scratch: Path, world: object) -> float:
    """The ``vecozo`` fixture's start: fresh linked home, world given, insurers in foreground."""
    from vecozo_sim import Exchange, ExchangeSettings
    from vecozo_sim.pytest_plugin import VecozoWorld

    started = time.perf_counter()
    layout = VecozoWorld(HomeLayout(root=template), world).copy_to(scratch)  # type: ignore[arg-type]
    settings = ExchangeSettings(layout=layout, port=0, admin_port=0, poll_interval=0.05)
    exchange = Exchange(settings, world=world)  # type: ignore[arg-type]
    await exchange.start()
    elapsed = time.perf_counter() - started
    await exchange.stop()
    return elapsed


def timed_async(runs: int, make: Callable[[int], Awaitable[float]]) -> list[float]:
    return [asyncio.run(make(i)) for i in range(runs)]  # type: ignore[arg-type]


def init_world(root: Path, persons: int, timeout: float) -> HomeLayout:
    command = [str(_BIN / "vecozo-sim"), "init", "--home", str(root), "--persons", str(persons)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=120)
    layout = HomeLayout(root=root)
    up_once(layout, timeout)  # the world "ran before": its gateway store holds the register
    return layout


def plugin_template(root: Path) -> tuple[Path, object]:
    from vecozo_sim import init_home

    world = init_home(HomeLayout(root=root), seed=1, persons=300)
    return root, world


def summary(figures: dict[str, list[float]]) -> dict[str, object]:
    med = {name: round(statistics.median(values), 4) for name, values in figures.items()}
    return {
        "medians_s": med,
        "runs_s": {name: [round(v, 4) for v in values] for name, values in figures.items()},
        "up_over_bare_import": round(med["up_ready"] / med["bare_import_process"], 2),
        "exchange_over_bare_server": round(med["exchange_start"] / med["bare_tls_server"], 2),
        "plugin_over_bare_server": round(med["plugin_start"] / med["bare_tls_server"], 2),
        "goal_up_under_2s": med["up_ready"] < 2.0,
        "goal_plugin_under_0_5s": med["plugin_start"] < 0.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=30.0, help="per `up` run, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        scratch = Path(tmp)
        layout = init_world(scratch / "home", args.persons, args.timeout)
        template, world = plugin_template(scratch / "plugin-template")
        figures: dict[str, list[float]] = {k: [] for k in ("up_ready", "bare_import_process")}
        for _ in range(args.runs):  # interleaved, so load changes hit both alike
            figures["up_ready"].append(up_once(layout, args.timeout))
            figures["bare_import_process"].append(bare_import_once())
        figures["exchange_start"] = timed_async(args.runs, lambda _: exchange_once(layout))
        figures["bare_tls_server"] = timed_async(args.runs, lambda _: bare_server_once(layout))
        figures["plugin_start"] = timed_async(
            args.runs, lambda i: plugin_once(template, scratch / f"plugin-{i}", world)
        )
        for i in range(args.runs):
            shutil.rmtree(scratch / f"plugin-{i}", ignore_errors=True)
    for name, values in figures.items():
        print(f"{name:<22} median {statistics.median(values):.3f} s  runs {values}")
    print(json.dumps(summary(figures)))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
