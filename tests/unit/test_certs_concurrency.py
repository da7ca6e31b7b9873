"""Concurrent ``vecozo-sim certs revoke``: every revocation that printed "revoked" is kept.

Each worker process revokes its share of the serials one command at a time, as six shell loops
would; without the CA lock the last writer of ``ca-state.json`` dropped the others' revocations
(measured before the lock: 11 of 30 lost), each command still printing "revoked" and exiting 0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from certs import CertificateAuthority, is_revoked, load_crl
from world import HomeLayout

WORKERS = 6
PER_WORKER = 5

_WORKER = """
import sys
from vecozo_sim.cli import main
home, serials = sys.argv[1], sys.argv[2:]
sys.exit(max(main(["certs", "revoke", "--home", home, "--serial", s]) for s in serials))
"""


@pytest.fixture
def home(tmp_path: Path) -> tuple[Path, list[int]]:
    """A home whose CA issued ``WORKERS * PER_WORKER`` certificates, none revoked."""
    layout = HomeLayout(root=tmp_path / "home")
    ca = CertificateAuthority.create()
    serials = []
    for i in range(WORKERS * PER_WORKER):
        number = f"{40000000100000 + i}"
        issued = ca.issue_client(
            name=f"N{i}", organisation="Praktijk", user_number=number, kind="system"
        )
        serials.append(issued.serial)
    ca.save(layout.pki_dir)
    return layout.root, serials


def test_parallel_revocations_all_reach_the_state_and_the_crl(home: tuple[Path, list[int]]) -> None:
    root, serials = home
    shares = [serials[i::WORKERS] for i in range(WORKERS)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(root), *(str(s) for s in share)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [w.returncode for w in workers] == [0] * WORKERS, outputs
    assert sum(out.count("revoked ") for out, _ in outputs) == len(serials)

    layout = HomeLayout(root=root)
    crl = load_crl(layout.crl)
    missing_from_crl = [s for s in serials if not is_revoked(crl, s)]
    state = json.loads((layout.pki_dir / "ca-state.json").read_text())
    ca = CertificateAuthority.load(layout.ca_cert, layout.ca_key, layout.pki_dir)
    missing_from_state = [s for s in serials if not ca.is_revoked(s)]
    assert (missing_from_crl, missing_from_state) == ([], []), state
