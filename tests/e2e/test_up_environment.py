"""``vecozo-sim up`` configured the container's way, without a container: VECOZO_SIM_*
variables give the defaults (the command line still wins), the first line of the log says where
it listens, and the public host name is in the server certificate a real client checks and
in the Host header the admin port accepts."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import UpProcess
from cryptography import x509

pytestmark = pytest.mark.slow

HOSTNAME = "vz.example"
DENTIST_SYSTEM = "11205000100001"


def _admin_status(admin_url: str, path: str, token: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (the admin port is plain http on loopback)
        admin_url + path, headers={"Authorization": f"Bearer {token}", "Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_variables_configure_up_and_the_host_name_reaches_it(
    run_up: Callable[..., UpProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "VECOZO_SIM_HOST": "127.0.0.1",
        "VECOZO_SIM_HOSTNAME": HOSTNAME,
        "VECOZO_SIM_PORT": "1",  # run_up passes --port 0: the command line wins
        "VECOZO_SIM_SEED": "5",
        "VECOZO_SIM_PERSONS": "40",
        "VECOZO_SIM_TODAY": "2025-02-03",
    }.items():
        monkeypatch.setenv(name, value)
    home = tmp_path / "home"
    up = run_up(home)
    first_line = up.output().splitlines()[0]
    assert first_line.startswith("vecozo-sim up: listening on 127.0.0.1 port 0 ")
    assert HOSTNAME in first_line
    assert "creating one (seed 5, 40 persons)" in up.output()

    server = x509.load_pem_x509_certificate((home / "pki" / "server.pem").read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert HOSTNAME in names.get_values_for_type(x509.DNSName)

    admin, token = up.runtime["admin_url"], up.runtime["admin_token"]
    port = urllib.parse.urlsplit(admin).port
    status, clock = _admin_status(admin, "/admin/gateway/clock", token, f"{HOSTNAME}:{port}")
    assert status == 200
    assert json.loads(clock)["today"] == "2025-02-03"
    assert _admin_status(admin, "/admin/gateway/clock", token, f"evil.example:{port}")[0] == 403

    gateway_port = urllib.parse.urlsplit(up.runtime["gateway_url"]).port
    accounts = home / "accounts"
    cov = subprocess.run(
        [
            "curl", "-sS", "--max-time", "20", "--cacert", str(home / "pki" / "ca.pem"),
            "--cert", str(accounts / f"{DENTIST_SYSTEM}.pem"),
            "--key", str(accounts / f"{DENTIST_SYSTEM}-key.pem"),
            "--resolve", f"{HOSTNAME}:{gateway_port}:127.0.0.1",
            "-H", "Content-Type: application/json",
            "-d", '{"bsn": "999900006", "geboortedatum": "1980-05-17"}',
            f"https://{HOSTNAME}:{gateway_port}/cov/v1/controle",
        ],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert cov.returncode == 0, cov.stderr  # curl checked the name against the certificate
    assert json.loads(cov.stdout)["zoekresultaten"][0]["resultaat"] == "Gevonden"


def test_a_bad_variable_is_refused_naming_it(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "VECOZO_SIM_ADMIN_PORT": "eighty",
        "VECOZO_SIM_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "vecozo_sim", "up"],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "VECOZO_SIM_ADMIN_PORT='eighty'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "world.toml").exists()


def _listing_pulls(up: UpProcess) -> collections.Counter[str]:
    """How often each account fetched its mailbox listing, by the exchange's journal."""
    admin, token = up.runtime["admin_url"], up.runtime["admin_token"]
    host = urllib.parse.urlsplit(admin).netloc
    route = urllib.parse.quote("/berichtenservice/berichten/rest-pull/v1/berichten")
    status, body = _admin_status(
        admin, f"/admin/gateway/journal?method=GET&route={route}&limit=1000", token, host
    )
    assert status == 200, body
    return collections.Counter(row["account"] for row in json.loads(body))


def test_the_idle_pull_of_the_insurers_follows_the_variable(
    run_up: Callable[..., UpProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default (30 s) gives each pull-mode insurer one pull at the start in this time.
    monkeypatch.setenv("VECOZO_SIM_IDLE_PULL", "0.3")
    up = run_up(tmp_path / "home", "--persons", "20")
    deadline = time.monotonic() + 30  # bounded: a loaded machine may be slow to pull
    while time.monotonic() < deadline:
        pulls = _listing_pulls(up)
        if pulls and min(pulls.values()) >= 4:
            break
        time.sleep(0.5)
    assert len(pulls) >= 2, pulls  # the default world has several pull-mode insurers
    assert min(pulls.values()) >= 4, pulls
