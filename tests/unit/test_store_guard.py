"""A store the home remembers is refused when it is missing, cut short or damaged.

Each case used to start silently with what SQLite made of it: a deleted gateway store as an
empty one, a deleted WAL after a SIGKILL without the commits it held (measured: 1 of 20
acknowledged pushes lost), a damaged page unnoticed, and a file of garbage with a traceback.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import Store
from insurer_stub._store import InsurerStore
from world import HomeLayout, StoreStateError

ENTRIES = [f"entry {i:05d} " + "x" * 200 for i in range(3000)]  # many pages

_KILLED_WRITER = """
import asyncio, os, signal, sys
from pathlib import Path
from gateway import Store

async def main(home: Path) -> None:
    store = await Store.open(home / "gateway", marker=home / "store-markers" / "gateway.json")
    await store.replace_cov("7095", ["acknowledged after the open"])
    os.kill(os.getpid(), signal.SIGKILL)  # no close: the WAL keeps the commit

asyncio.run(main(Path(sys.argv[1])))
"""


def _open(layout: HomeLayout) -> Store:
    return asyncio.run(Store.open(layout.gateway_dir, marker=layout.store_marker("gateway")))


def _close(store: Store) -> None:
    asyncio.run(store.close())


@pytest.fixture
def layout(tmp_path: Path) -> HomeLayout:
    """A home whose gateway store was made and closed, holding a COV register of many pages."""
    layout = HomeLayout(root=tmp_path / "home")
    store = _open(layout)
    asyncio.run(store.replace_cov("7095", ENTRIES))
    _close(store)
    return layout


def _database(layout: HomeLayout) -> Path:
    return layout.gateway_dir / "exchange.sqlite3"


def _killed_after_a_commit(layout: HomeLayout) -> None:
    """Open the store in another process, commit, and SIGKILL it before it closes."""
    writer = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(layout.root)], capture_output=True, timeout=60
    )
    assert writer.returncode == -9, writer.stderr


def test_a_store_reopened_keeps_its_data_and_opens_again(layout: HomeLayout) -> None:
    for _ in range(2):
        store = _open(layout)
        assert asyncio.run(store.load_cov())["7095"] == ENTRIES
        _close(store)


def test_a_sigkill_without_damage_is_no_refusal(layout: HomeLayout) -> None:
    _killed_after_a_commit(layout)
    store = _open(layout)
    assert asyncio.run(store.load_cov())["7095"] == ["acknowledged after the open"]
    _close(store)


def test_a_deleted_gateway_store_is_refused_with_the_way_out(layout: HomeLayout) -> None:
    _database(layout).unlink()
    with pytest.raises(StoreStateError) as refused:
        _open(layout)
    message = str(refused.value)
    assert str(_database(layout)) in message
    assert "missing" in message
    assert str(layout.store_marker("gateway")) in message
    assert "restore it" in message
    assert not _database(layout).exists()  # and no empty store was made in its place


def test_a_deleted_gateway_directory_is_refused(layout: HomeLayout) -> None:
    shutil.rmtree(layout.gateway_dir)
    with pytest.raises(StoreStateError, match="missing"):
        _open(layout)


@pytest.mark.parametrize("cut", ["deleted", "emptied"])
def test_a_wal_lost_after_sigkill_is_refused(layout: HomeLayout, cut: str) -> None:
    _killed_after_a_commit(layout)
    wal = _database(layout).with_name("exchange.sqlite3-wal")
    assert wal.stat().st_size > 0
    if cut == "deleted":
        wal.unlink()
    else:
        wal.write_bytes(b"")
    with pytest.raises(StoreStateError, match="write-ahead log") as refused:
        _open(layout)
    assert "exchange.sqlite3-wal" in str(refused.value)


def test_a_damaged_page_is_refused(layout: HomeLayout) -> None:
    database = _database(layout)
    data = bytearray(database.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    data[10 * page : 10 * page + 64] = b"\xff" * 64  # the header of a b-tree page in the middle
    database.write_bytes(bytes(data))
    with pytest.raises(StoreStateError, match="is corrupt") as refused:
        _open(layout)
    assert "\n" not in str(refused.value)  # one line for the command's one-line error


def test_a_file_of_garbage_is_refused_without_a_marker(tmp_path: Path) -> None:
    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "exchange.sqlite3").write_bytes(b"not a database at all\n" * 200)
    with pytest.raises(StoreStateError, match="not a usable SQLite database") as refused:
        asyncio.run(Store.open(tmp_path / "gateway"))
    assert "move it away" in str(refused.value)


def test_a_deleted_insurer_store_is_refused(tmp_path: Path) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    path, marker = layout.insurer_dir / "7095.sqlite", layout.store_marker("insurer-7095")
    InsurerStore(path, marker=marker).close()
    InsurerStore(path, marker=marker).close()
    path.unlink()
    with pytest.raises(StoreStateError, match="missing"):
        InsurerStore(path, marker=marker)


def test_an_older_copy_put_back_is_refused(layout: HomeLayout) -> None:
    older = _database(layout).read_bytes()
    _close(_open(layout))  # a later run: the store and its marker move on
    _database(layout).write_bytes(older)
    with pytest.raises(StoreStateError, match="older copy"):
        _open(layout)


def test_an_unreadable_marker_is_refused_with_the_way_out(layout: HomeLayout) -> None:
    layout.store_marker("gateway").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreStateError, match="unreadable") as refused:
        _open(layout)
    assert "delete it if" in str(refused.value)
    layout.store_marker("gateway").unlink()  # the way out: the store is taken as it is
    store = _open(layout)
    assert asyncio.run(store.load_cov())["7095"] == ENTRIES
    _close(store)


def test_a_private_file_is_written_new_never_through_what_lies_there(tmp_path: Path) -> None:
    """runtime.json and the markers: 0600 at once, and a file or symlink planted at the
    temporary name (a crash's leftover, or someone else's) is replaced, not written through."""
    import os

    from world import write_private

    target, elsewhere = tmp_path / "runtime.json", tmp_path / "elsewhere"
    elsewhere.write_text("untouched")
    temporary = tmp_path / f".runtime.json.{os.getpid()}.tmp"
    temporary.symlink_to(elsewhere)
    write_private(target, b'{"admin_token": "t"}\n')
    assert target.read_bytes() == b'{"admin_token": "t"}\n'
    assert target.stat().st_mode & 0o777 == 0o600
    assert elsewhere.read_text() == "untouched"
    assert not temporary.exists()
