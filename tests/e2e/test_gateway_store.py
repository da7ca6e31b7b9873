"""The store: every status change follows the life cycle, so a bad move is impossible."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import Status, StatusTransitionError, Store
from gateway._store import NewMessage

AT = "2025-06-01T12:00:00.000+00:00"


async def stored(tmp_path: Path) -> Store:
    store = await Store.open(tmp_path / "gateway")
    upload = store.new_upload_path()
    upload.write_bytes(b"payload")
    new = NewMessage(
        traceer_id="t1",
        conversatie_id="c1",
        als_antwoord_op=None,
        kind="declaration",
        indiener="12002242",
        indiener_account="10000000000001",
        afzender="12002242",
        recipient="7095",
        metadata={},
        size=7,
        sha256="x",
        received_at=AT,
    )
    assert await store.add_message(new, upload, status=Status.ONTVANGEN)
    return store


async def test_forward_moves_are_written_with_history(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    try:
        await store.set_status("t1", Status.WORDT_VERWERKT, at=AT)
        await store.set_status("t1", Status.AFGEKEURD_DOOR_DIENST, at=AT)
        assert [s for s, _ in await store.history("t1")] == [
            "Ontvangen",
            "WordtVerwerkt",
            "AfgekeurdDoorDienst",
        ]
    finally:
        await store.close()


@pytest.mark.parametrize("target", [Status.BEZORGD, Status.ONTVANGEN, Status.WORDT_AANGEBODEN])
async def test_an_illegal_move_is_refused_and_nothing_is_written(
    tmp_path: Path, target: Status
) -> None:
    store = await stored(tmp_path)
    try:
        with pytest.raises(StatusTransitionError):
            await store.set_status("t1", target, at=AT, acknowledged=1)
        message = await store.get("t1")
        assert message is not None
        assert (message.status, message.acknowledged) == (Status.ONTVANGEN, False)
        assert [s for s, _ in await store.history("t1")] == ["Ontvangen"]
        with pytest.raises(StatusTransitionError):
            await store.set_status("unknown", Status.WORDT_VERWERKT, at=AT)
    finally:
        await store.close()
