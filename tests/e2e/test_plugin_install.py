"""A vendor's first day with the plugin: ``pip install 'vecozo-sim[pytest]'`` and nothing else.

A wheel of this checkout is built once, installed (not editable) into a fresh virtual
environment outside the repository together with what a vendor's suite brings (requests,
pytest-xdist), and a throwaway project without any conftest.py or ini file runs a blocking and
an async test against the ``vecozo`` fixture in pytest-asyncio's default strict mode; then the
same project under ``pytest -n 2``. pip's cache makes the installation take a minute at most.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
INSTALL_LIMIT = 600.0  # seconds for building and installing; a cold cache downloads ~40 MB

VENDOR_TESTS = """
import subprocess

import pytest
import requests

import vecozo_sim

PULL = "/berichtenservice/berichten/rest-pull/v1/berichten"


def test_the_installed_package_is_used():
    assert "site-packages" in vecozo_sim.__file__


def test_blocking_clients(vecozo):
    cert, key = vecozo.cert_and_key("12050001")
    session = requests.Session()
    session.trust_env = False
    session.cert, session.verify = (str(cert), str(key)), str(vecozo.ca_cert)
    answer = session.get(vecozo.gateway_url + PULL, timeout=10)
    assert (answer.status_code, answer.json()) == (200, [])
    curl = subprocess.run(
        ["curl", "-sS", "--noproxy", "*", "--cert", str(cert), "--key", str(key),
         "--cacert", str(vecozo.ca_cert), vecozo.gateway_url + PULL],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert curl.stdout == "[]"


@pytest.mark.asyncio
async def test_async_client(vecozo):
    person = vecozo.persons["insured-vgz"]
    result = await vecozo.client("12050001").cov(bsn=person.bsn, birth_date=person.birth_date)
    assert result.insured


def test_a_fault_is_set(vecozo):
    vecozo.admin_sync("PUT", "/admin/insurers/faults", {"uzovi": "3311", "down": True})


def test_and_gone_in_the_next_test(vecozo):
    assert vecozo.admin_sync("GET", "/admin/insurers/faults")["3311"]["down"] is False
"""


def _run(command: list[str], *, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL"))}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _source_copy(target: Path) -> Path:
    """The checkout without its environment and caches: building in place would leave
    build/ and *.egg-info in the repository."""
    skip = shutil.ignore_patterns(
        ".venv", ".git", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", ".hypothesis"
    )
    shutil.copytree(REPO, target, ignore=skip)
    return target


@pytest.fixture(scope="module")
def vendor_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and a vendor's test tools, no editable."""
    root = tmp_path_factory.mktemp("vendor-env")
    source = _source_copy(root / "source")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root), str(source)],
        cwd=root,
        timeout=INSTALL_LIMIT,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = root.glob("vecozo_sim-*.whl")
    made = _run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root, timeout=120)
    assert made.returncode == 0, made.stderr
    python = root / "venv" / "bin" / "python"
    requirements = [f"{wheel}[pytest]", "requests", "pytest-xdist"]
    installed = _run(
        [str(python), "-m", "pip", "install", "-q", *requirements], cwd=root, timeout=INSTALL_LIMIT
    )
    assert installed.returncode == 0, installed.stderr
    return python


@pytest.fixture
def vendor_project(tmp_path: Path) -> Path:
    """Only a test file: no conftest.py, no pytest.ini, no pyproject.toml."""
    project = tmp_path / "vendor-project"
    project.mkdir()
    (project / "test_vendor.py").write_text(VENDOR_TESTS, encoding="utf-8")
    return project


def test_a_fresh_project_runs_sync_and_async_tests_in_strict_mode(
    vendor_python: Path, vendor_project: Path
) -> None:
    done = _run(
        [str(vendor_python), "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-p", "no:xdist"],
        cwd=vendor_project,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"asyncio: mode=(Mode\.)?strict", done.stdout, re.IGNORECASE)  # the default
    assert "5 passed" in done.stdout
    assert "PASSED test_vendor.py::test_async_client" in done.stdout


def test_a_fresh_project_runs_under_xdist(vendor_python: Path, vendor_project: Path) -> None:
    done = _run(
        [str(vendor_python), "-m", "pytest", "-p", "no:cacheprovider", "-n", "2"],
        cwd=vendor_project,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout
