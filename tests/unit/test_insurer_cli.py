"""``vecozo-sim insurers ledger``: from a running simulator's admin app, or from the disk.

The live case mounts the real insurer admin app under ``/admin/insurers/`` on plain HTTP and
writes ``runtime.json`` as ``vecozo-sim up`` does; the offline case reads the SQLite file that an
``InsurerStore`` wrote. Settlements are stored through the store's own ``record``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from insurer_stub import Adjudication, InsurerHost, InsurerSettings, create_admin_app
from insurer_stub._store import InsurerStore
from vecozo_sim._admin_port import AdminPort
from vecozo_sim.cli import main
from world import HomeLayout

VGZ, ZK = "7095", "3311"
DENTIST, OTHER = "12050001", "87050001"
RECEIVED = dt.date(2025, 3, 3)


@pytest.fixture
def home(template_home: Path, tmp_path: Path) -> HomeLayout:
    shutil.copytree(template_home, tmp_path / "home")
    return HomeLayout(root=tmp_path / "home")


def settle(layout: HomeLayout, uzovi: str, declarant: str, number: str, toegekend: int) -> None:
    """One judged file of ``declarant`` in the insurer's store, as the insurer would keep it."""
    store = InsurerStore(layout.insurer_dir / f"{uzovi}.sqlite")
    try:
        store.receive(number, "{}", b"", RECEIVED)
        item = store.item(number)
        assert item is not None
        result = Adjudication(
            declarant=declarant,
            factuurnummer=number,
            fingerprint=number,
            header_codes=(),
            judgements={},
            lines=(),
            credited=(),
            ingediend=toegekend,
            toegekend=toegekend,
            return_file=b"",
        )
        store.record(item, result, return_traceer_id=f"r-{number}", return_metadata="{}")
    finally:
        store.close()


def test_reads_the_ledger_from_disk_when_nothing_runs(
    home: HomeLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(home, VGZ, DENTIST, "F1", 2458)
    settle(home, VGZ, OTHER, "G1", 1000)
    code = main(["insurers", "ledger", "--uzovi", VGZ, "--provider", DENTIST,
                 "--home", str(home.root), "--json"])  # fmt: skip
    assert code == 0
    [ledger] = json.loads(capsys.readouterr().out)
    assert (ledger["provider"], ledger["toegekend"]) == (DENTIST, 2458)
    assert [row["factuurnummer"] for row in ledger["regels"]] == ["F1"]
    assert main(["insurers", "ledger", "--uzovi", VGZ, "--home", str(home.root)]) == 0
    text = capsys.readouterr().out
    assert f"provider {DENTIST}" in text
    assert f"provider {OTHER}" in text
    assert "€ 24,58" in text


def test_nothing_found_is_a_message_and_exit_2(
    home: HomeLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["insurers", "ledger", "--uzovi", VGZ, "--home", str(home.root)]) == 2
    assert "no insurer state" in capsys.readouterr().err
    settle(home, VGZ, DENTIST, "F1", 2458)
    args = ["insurers", "ledger", "--uzovi", VGZ, "--provider", OTHER, "--home", str(home.root)]
    assert main(args) == 2
    assert f"provider {OTHER}" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["insurers", "ledger", "--uzovi", "70", "--home", str(home.root)])
    assert exited.value.code == 2  # argparse: a UZOVI is four digits


def test_a_stale_runtime_file_falls_back_to_the_disk(
    home: HomeLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(home, VGZ, DENTIST, "F1", 2458)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    home.runtime_file.write_text(json.dumps({"admin_url": f"http://127.0.0.1:{closed}"}))
    args = ["insurers", "ledger", "--uzovi", VGZ, "--home", str(home.root), "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)[0]["toegekend"] == 2458


@pytest.fixture
async def running(home: HomeLayout) -> AsyncIterator[HomeLayout]:
    """A host with the admin app mounted as ``vecozo-sim up`` does, and its runtime.json."""
    host = InsurerHost(
        InsurerSettings(layout=home, gateway_url="https://127.0.0.1:9", uzovis=frozenset({VGZ}))
    )
    await host.listen()
    port = AdminPort(
        {"/admin/insurers": create_admin_app(host)},
        host="127.0.0.1",
        port=0,
        runtime_file=home.runtime_file,
        readiness=lambda: None,
    )
    url = await port.start()
    home.runtime_file.write_text(json.dumps({"admin_url": url, "admin_token": port.token}))
    try:
        yield home
    finally:
        await port.stop()
        await host.stop()


async def test_asks_the_running_simulator(
    running: HomeLayout, capsys: pytest.CaptureFixture[str]
) -> None:
    settle(running, VGZ, DENTIST, "F1", 2458)  # the running insurer's own store file
    base = ["insurers", "ledger", "--home", str(running.root), "--json"]
    code = await asyncio.to_thread(main, [*base, "--uzovi", VGZ, "--provider", DENTIST])
    assert code == 0
    assert json.loads(capsys.readouterr().out)[0]["toegekend"] == 2458
    assert await asyncio.to_thread(main, [*base, "--uzovi", VGZ]) == 0
    assert [x["provider"] for x in json.loads(capsys.readouterr().out)] == [DENTIST]
    (running.insurer_dir / f"{ZK}.sqlite").unlink(missing_ok=True)
    settle(running, ZK, DENTIST, "Z1", 100)  # on disk, but not running: the live answer wins
    assert await asyncio.to_thread(main, [*base, "--uzovi", ZK]) == 2
    assert "no running insurer" in capsys.readouterr().err
