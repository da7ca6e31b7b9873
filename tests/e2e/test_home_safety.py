"""The home as ``vecozo-sim`` leaves it: private files, and a lost store refused at ``up``.

The home holds private keys and patient-like data (declarations, returns, the population), so
after init, certs, a run with traffic and a stop, no file may be readable and no directory
enterable by group or others (they were 0644/0755). And a gateway store deleted between two
runs must stop ``up`` with one line naming the way out, not start empty.
"""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import UpProcess, declaration

from world import HomeLayout, load_world

PROVIDER, INSURER = "12050001", "7095"


def _vecozo_sim(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vecozo_sim", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _push_and_wait_for_the_return(layout: HomeLayout, url: str) -> None:
    from provider_client import VecozoClient

    world = load_world(layout)
    account = next(a for a in world.accounts_of(PROVIDER) if a.kind.value == "system")
    client = VecozoClient.create(
        url,
        cert=layout.account_cert(account.user_number),
        key=layout.account_key(account.user_number),
        ca=layout.ca_cert,
        timeout=10,
    )
    try:
        receipt = await client.push(declaration(world, provider=PROVIDER, insurer=INSURER))
        await client.wait_for_return(receipt.traceer_id, timeout=60)
    finally:
        await client.close()


def _too_open(root: Path) -> list[str]:
    """Every path under ``root`` (and root) that group or others may read, write or enter."""
    return [
        f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path.relative_to(root.parent)}"
        for path in [root, *root.rglob("*")]
        if not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) & 0o077
    ]


async def test_no_file_of_the_home_is_readable_by_others(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    assert _vecozo_sim("init", "--home", str(layout.root), "--persons", "200").returncode == 0
    issued = _vecozo_sim(
        *("certs", "issue", "--home", str(layout.root), "--name", "Nieuw", "--organisation"),
        *("Tandarts", "--user-number", "40000000100507", "--p12-password", "geheim"),
    )
    assert issued.returncode == 0, issued.stderr
    revoked = _vecozo_sim(
        "certs", "revoke", "--home", str(layout.root), "--user-number", "40000000100507"
    )
    assert revoked.returncode == 0, revoked.stderr
    up = run_up(layout.root)
    await _push_and_wait_for_the_return(layout, up.runtime["gateway_url"])
    assert sorted(p.name for p in (layout.gateway_dir / "payloads").iterdir())
    wal = layout.gateway_dir / "exchange.sqlite3-wal"
    assert wal.exists()
    assert _too_open(layout.root) == []  # while running: WAL, SHM, payloads, insurer stores
    assert up.stop() == 0
    assert _too_open(layout.root) == []


def test_up_refuses_a_deleted_gateway_store_with_one_line(
    run_up: Callable[..., UpProcess], tmp_path: Path
) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    assert _vecozo_sim("init", "--home", str(layout.root), "--persons", "200").returncode == 0
    assert run_up(layout.root).stop() == 0
    (layout.gateway_dir / "exchange.sqlite3").unlink()
    again = _vecozo_sim("up", "--home", str(layout.root), "--port", "0", "--admin-port", "0")
    assert again.returncode != 0
    assert "Traceback" not in again.stderr
    errors = again.stderr.strip().splitlines()
    assert len(errors) == 1, again.stderr
    assert "exchange.sqlite3" in errors[0]
    assert "missing" in errors[0]
    assert str(layout.store_marker("gateway")) in errors[0]
    assert not (layout.gateway_dir / "exchange.sqlite3").exists()
