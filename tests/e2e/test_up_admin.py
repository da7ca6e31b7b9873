"""``vecozo-sim up``'s admin face from outside: a private runtime.json, the token, ``/health``
for a readiness probe, and one process per home (issues 11 and 12). Clients: curl only."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import UpProcess

pytestmark = pytest.mark.slow


def _curl(url: str, *headers: str) -> tuple[int, str]:
    args = ["curl", "-s", "-w", "\n%{http_code}", url]
    for header in headers:
        args += ["-H", header]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=True)
    body, code = done.stdout.rsplit("\n", 1)
    return int(code), body


def _healthy(admin_url: str, within: float = 30.0) -> dict[str, str]:
    """Poll ``/health`` as a container's wait strategy would (bounded); the 200 body."""
    deadline = time.monotonic() + within
    while True:
        status, body = _curl(f"{admin_url}/health")
        if status == 200:
            return dict(json.loads(body))
        assert status == 503, body
        assert json.loads(body)["reason"]
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def _up_again(home: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "vecozo_sim", "up", "--home", str(home)]
    command += ["--port", "0", "--admin-port", "0"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_runtime_file_is_private_and_the_admin_port_wants_its_token(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    up = run_up(home, "--persons", "50")
    assert (home / "runtime.json").stat().st_mode & 0o777 == 0o600
    admin, token = up.runtime["admin_url"], up.runtime["admin_token"]
    assert _healthy(admin) == {"status": "ok"}  # no token needed for the probe
    status, body = _curl(f"{admin}/admin/gateway/clock")
    assert status == 401
    assert "runtime.json" in json.loads(body)["detail"]
    assert _curl(f"{admin}/admin/gateway/clock", f"Authorization: Bearer {token}")[0] == 200
    assert up.stop(signal.SIGTERM) == 0


def test_a_second_up_on_the_same_home_is_refused(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    first = run_up(home, "--persons", "50")
    second = _up_again(home)
    assert second.returncode == 2
    assert f"pid {first.process.pid}" in second.stderr
    assert "in use" in second.stderr
    assert "Traceback" not in second.stderr
    # the first one keeps its runtime.json and keeps serving
    kept = json.loads((home / "runtime.json").read_text(encoding="utf-8"))
    assert kept["pid"] == first.process.pid
    assert _healthy(first.runtime["admin_url"]) == {"status": "ok"}
    # a killed process leaves no stale lock: the kernel drops it with the process
    first.process.kill()
    first.process.wait(timeout=10)
    third = run_up(home)
    assert _healthy(third.runtime["admin_url"]) == {"status": "ok"}
    assert third.stop(signal.SIGINT) == 0
    assert not (home / "runtime.json").exists()
