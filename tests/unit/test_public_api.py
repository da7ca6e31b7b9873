"""``vecozo_sim``'s public API: a home made by ``init_home``, run by ``Exchange``.

The names are what a suite or a script imports; they must not cost the command line or the
pytest plugin anything until used (both import the package on every run).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import vecozo_sim
from certs import read_identity
from vecozo_sim import init_home
from world import HomeLayout, load_world


def test_the_public_names_are_the_runner_and_the_home() -> None:
    from vecozo_sim import _home, _runner

    assert vecozo_sim.Exchange is _runner.Exchange
    assert vecozo_sim.ExchangeSettings is _runner.ExchangeSettings
    assert vecozo_sim.Runtime is _runner.Runtime
    assert vecozo_sim.init_home is _home.init_home
    assert vecozo_sim.issue_certificates is _home.issue_certificates
    assert set(vecozo_sim.__all__) <= set(dir(vecozo_sim))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Gateway'"):
        _ = vecozo_sim.Gateway


def test_importing_the_package_loads_nothing_heavy() -> None:
    probe = (
        "import sys, vecozo_sim\n"
        "heavy = ('aiohttp', 'cryptography', 'faker', 'world', 'gateway', 'vecozo_sim._runner')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_init_home_makes_a_world_with_a_certificate_per_account(tmp_path: Path) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    world = init_home(layout, seed=3, persons=5)
    assert load_world(layout).seed == 3
    for account in world.accounts:
        pem = layout.account_cert(account.user_number).read_bytes()
        identity = read_identity(x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER))
        assert identity.user_number == account.user_number
    assert layout.server_cert.is_file()
    assert layout.crl.is_file()


def test_init_home_refuses_an_existing_world_unless_replacing(tmp_path: Path) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    init_home(layout, seed=3, persons=5)
    old_ca = layout.ca_cert.read_bytes()
    with pytest.raises(FileExistsError, match=r"world\.toml exists"):
        init_home(layout, seed=4, persons=5)
    assert load_world(layout).seed == 3
    assert layout.ca_cert.read_bytes() == old_ca
    init_home(layout, seed=4, persons=5, replace=True)
    assert load_world(layout).seed == 4
    assert layout.ca_cert.read_bytes() != old_ca  # a new world gets a new CA
