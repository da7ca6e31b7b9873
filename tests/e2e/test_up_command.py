"""``vecozo-sim up`` as a user runs it: a subprocess, real mutual TLS, its admin port, signals.

One test walks the first-day path (no world yet: it is created; URLs, certificates and commands
are printed; COV answers over mutual TLS; SIGTERM stops it and removes runtime.json), then the
second-day path (the existing world starts faster, with ``--today`` moving the clock, and Ctrl-C
stops it). The refusals: no client certificate, a half-made home.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import UpProcess

from certs import client_ssl_context

DENTIST_SYSTEM = "11205000100001"  # docs/TESTDATA.md: system account of praktijk 12050001
INSURED_VGZ = {"bsn": "999900006", "geboortedatum": "1980-05-17"}
PUSH_INSURERS = {"7095", "0101", "3311", "3332"}

pytestmark = pytest.mark.slow


async def _cov(home: Path, url: str, *, with_certificate: bool = True) -> dict[str, Any]:
    """The JSON face of COV, exactly as the printed curl line calls it."""
    accounts, ca = home / "accounts", home / "pki" / "ca.pem"
    cert = accounts / f"{DENTIST_SYSTEM}.pem" if with_certificate else None
    key = accounts / f"{DENTIST_SYSTEM}-key.pem" if with_certificate else None
    context = client_ssl_context(ca=ca, cert=cert, key=key)
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session,
        session.post(f"{url}/cov/v1/controle", json=INSURED_VGZ, ssl=context) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def _admin(runtime: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    url, token = runtime["admin_url"], {"Authorization": f"Bearer {runtime['admin_token']}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        async with session.get(f"{url}/admin/gateway/clock", headers=token) as response:
            clock = await response.json()
        async with session.get(f"{url}/admin/insurers/insurers", headers=token) as response:
            insurers = await response.json()
    return clock, insurers


def _assert_banner(up: UpProcess, home: Path) -> None:
    out = up.output()
    assert up.runtime["gateway_url"] in out
    assert up.runtime["admin_url"] in out
    assert str(home / "accounts" / f"{DENTIST_SYSTEM}.pem") in out  # every account is listed
    assert "your software presents a system certificate" in out  # not a person's
    assert f"curl --cert {home / 'accounts'}" in out
    assert "--cacert" in out
    for command in ("client submit", "client fetch", "client cov"):
        assert f"vecozo-sim {command}" in out


def _printed_commands(up: UpProcess) -> list[str]:
    """The lines under "Try:" of the banner, exactly as a newcomer would copy them."""
    tried = up.output().split("\nTry:\n", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in tried.splitlines() if line.strip()]


def _shell_path() -> str:
    """The PATH of a shell in which ``make up`` ran: without the virtual environment's bin."""
    venv_bin = Path(sys.executable).parent.absolute()
    entries = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    path = os.pathsep.join(e for e in entries if e and Path(e).absolute() != venv_bin)
    assert shutil.which("vecozo-sim", path=path) is None, "vecozo-sim is installed globally"
    return path


def _run(command: str, cwd: Path) -> str:
    """One printed command, pasted as is into a shell whose PATH lacks the venv."""
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=cwd,
        env={**os.environ, "PATH": _shell_path()},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _run_printed_commands(up: UpProcess, cwd: Path) -> None:
    """Every example of the banner runs against this exchange, so the banner cannot drift from
    the real commands: generate, submit, fetch its return, COV, the curl line, and the admin
    curl line (in a shell, as pasted: it reads the token from runtime.json)."""
    generate, submit, fetch, cov, curl, admin = _printed_commands(up)
    _run(generate, cwd)
    assert (cwd / "decl.asc").is_file()
    submitted = _run(submit, cwd)
    [traceer_id] = set(
        re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", submitted)
    )
    assert "<traceerId>" in fetch
    fetched = _run(fetch.replace("<traceerId>", traceer_id), cwd)
    assert "MZ302" in fetched  # the return file of the submitted declaration, written here
    assert list(cwd.glob("*_MZ302_*.asc"))
    assert f"COV {INSURED_VGZ['bsn']}" in (checked := _run(cov, cwd))
    assert "Gevonden" in checked
    answer = json.loads(_run(curl, cwd))
    assert answer["zoekresultaten"][0]["resultaat"] == "Gevonden"
    assert up.runtime["admin_token"] not in up.output()  # the banner never shows the secret
    shell = subprocess.run(
        ["/bin/sh", "-c", admin], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert shell.returncode == 0, f"{admin}\n{shell.stdout}\n{shell.stderr}"
    journal = json.loads(shell.stdout)  # newest first, without the insurers' polling
    assert "/cov/v1/controle" in {row["route"] for row in journal}  # the curl line's COV call


async def test_first_start_creates_the_world_serves_and_stops_cleanly(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    up = run_up(home, "--persons", "50", "--seed", "3")
    assert (home / "world.toml").is_file()
    assert up.runtime["gateway_url"].startswith("https://127.0.0.1:")
    assert set(up.runtime["insurer_endpoints"]) == PUSH_INSURERS
    _assert_banner(up, home)

    clock, insurers = await _admin(up.runtime)
    assert {i["uzovi"] for i in insurers} >= PUSH_INSURERS | {"7119", "3000"}
    assert "today" in clock
    answer = await _cov(home, up.runtime["gateway_url"])
    [found] = answer["zoekresultaten"]
    assert found["resultaat"] == "Gevonden"
    assert {v["uzovi"] for v in found["verzekerde"]["verzekeringen"]} == {"7095"}
    with pytest.raises(aiohttp.ClientConnectionError):
        await _cov(home, up.runtime["gateway_url"], with_certificate=False)
    _run_printed_commands(up, tmp_path)

    assert up.stop(signal.SIGTERM) == 0
    assert not (home / "runtime.json").exists()
    assert "stopping" in up.output()
    assert "failed" not in up.output().split("stopping", 1)[1]  # a silent stop


async def test_second_start_is_fast_and_takes_the_simulated_date(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    run_up(home, "--persons", "50").stop()
    again = run_up(home, "--today", "2025-03-01")
    print(f"vecozo-sim up on an existing world: ready {again.ready_seconds:.2f} s after spawn")
    clock, _ = await _admin(again.runtime)
    assert clock["today"] == "2025-03-01"
    answer = await _cov(home, again.runtime["gateway_url"])
    assert answer["zoekresultaten"][0]["resultaat"] == "Gevonden"
    assert again.stop(signal.SIGINT) == 0
    assert again.ready_seconds < 20  # a sanity bound; the measured figure is in the README


def test_a_half_made_home_is_refused_with_a_hint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "world.toml").write_text("# only a world file, no certificates\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "vecozo_sim", "up", "--home", str(home), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "vecozo-sim init" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "runtime.json").exists()  # so no client is pointed at nothing


REPOSITORY = Path(__file__).resolve().parents[2]


def test_make_up_passes_its_options_on_and_prints_commands_that_work(tmp_path: Path) -> None:
    """``make up HOME_DIR=... PORT=0 SEED=7 ARGS=...`` as the README says, then the printed
    COV commands pasted into a shell whose PATH lacks the virtual environment."""
    if not (REPOSITORY / "Makefile").is_file() or shutil.which("make") is None:
        pytest.skip("needs the repository's Makefile and make")
    home, log = tmp_path / "made home", tmp_path / "make-up.log"
    command = [
        "make", "--no-print-directory", "-o", ".venv/.installed", "up",
        f"HOME_DIR={home}", "PORT=0", "ADMIN_PORT=0", "SEED=7", "TODAY=2026-03-02",
        "ARGS=--persons 30",
    ]  # fmt: skip
    with log.open("wb") as sink:
        make = subprocess.Popen(
            command, cwd=REPOSITORY, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        runtime = _wait_for_runtime(home / "runtime.json", make, log)
        assert not runtime["gateway_url"].endswith(":8443")
        assert "seed = 7" in (home / "world.toml").read_text(encoding="utf-8")
        up = UpProcess(process=make, runtime=runtime, log=log, ready_seconds=0.0)
        commands = _printed_commands(up)
        [cov] = [line for line in commands if " client cov " in line]
        [curl] = [line for line in commands if line.startswith("curl ") and "/cov/v1/" in line]
        assert "Gevonden" in _run(cov, tmp_path)
        assert json.loads(_run(curl, tmp_path))["zoekresultaten"][0]["resultaat"] == "Gevonden"
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=30)
    assert not (home / "runtime.json").exists()


def _wait_for_runtime(path: Path, process: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError, ValueError):
            return dict(json.loads(path.read_text(encoding="utf-8")))
        time.sleep(0.05)
    raise AssertionError(f"make up did not get ready:\n{log.read_text(errors='replace')}")
