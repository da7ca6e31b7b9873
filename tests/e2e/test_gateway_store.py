"""The store: every status change follows the life cycle, so a bad move is impossible."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

import berichten
from gateway import Status, StatusTransitionError, Store
from gateway._pull import (
    _LISTING_TEXTS,
    _STATUS_TEXTS,
    STATUS_TEXTS_KEPT,
    _basisgegevens,
    _listing_text,
    _status_item,
    _status_text,
)
from gateway._queries import LOOP_READS
from gateway._store import NewMessage
from world import DeliveryMode

AT = "2025-06-01T12:00:00.000+00:00"
T1, C1 = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"


def envelope(
    traceer_id: str,
    *,
    conversatie_id: str,
    stroom: dict[str, object] | None = None,
    addressee: dict[str, str] | None = None,
    als_antwoord_op: str | None = None,
) -> berichten.BerichtMetadata:
    referentie = {"conversatieId": conversatie_id, "traceerId": traceer_id}
    if als_antwoord_op is not None:
        referentie["alsAntwoordOp"] = als_antwoord_op
    stroom = stroom or {"berichttype": "MZ301", "berichtversie": 1, "berichtsubversie": 3}
    return berichten.parse_metadata(
        {
            "routeringgegevens": {
                "afzender": {"rol": "Praktijk", "code": "12002242"},
                "geadresseerden": [addressee or {"rol": "Zorgverzekeraar", "code": "7095"}],
                "berichtstroom": {"actie": "Indienen", **stroom},
            },
            "referentiegegevens": referentie,
        }
    )


async def stored(tmp_path: Path) -> Store:
    store = await Store.open(tmp_path / "gateway")
    upload = store.new_upload_path()
    upload.write_bytes(b"payload")
    new = NewMessage(
        traceer_id=T1,
        conversatie_id=C1,
        als_antwoord_op=None,
        kind="declaration",
        indiener="12002242",
        indiener_account="10000000000001",
        afzender="12002242",
        addressee="7095",
        metadata=envelope(T1, conversatie_id=C1),
        size=7,
        sha256="x",
        received_at=AT,
    )
    assert await store.add_message(new, upload, status=Status.ONTVANGEN)
    return store


async def test_forward_moves_are_written_with_history(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    try:
        await store.set_status(T1, Status.WORDT_VERWERKT, at=AT)
        await store.set_status(T1, Status.AFGEKEURD_DOOR_DIENST, at=AT)
        assert [s for s, _ in await store.history(T1)] == [
            "Ontvangen",
            "WordtVerwerkt",
            "AfgekeurdDoorDienst",
        ]
    finally:
        await store.close()


async def test_a_message_reads_back_typed_its_envelope_decoded_once(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    try:
        first, again = await store.get(T1), await store.get(T1)
        assert first is not None
        assert again is not None
        assert first.metadata == envelope(T1, conversatie_id=C1)
        assert again.metadata is first.metadata
        await store.schedule_retry(T1, attempts=2, due=123.5)
        await store.set_status(T1, Status.WORDT_VERWERKT, at=AT)
        melding = berichten.Melding(code="0158", omschrijving="aantal", toelichting="record 7")
        await store.set_status(T1, Status.AFGEKEURD_DOOR_DIENST, at=AT, meldingen=[melding])
        message = await store.get(T1)
        assert message is not None
        assert (message.meldingen, message.attempts, message.next_attempt_at) == (
            (melding,),
            2,
            123.5,
        )
    finally:
        await store.close()


@pytest.mark.parametrize("target", [Status.BEZORGD, Status.ONTVANGEN, Status.WORDT_AANGEBODEN])
async def test_an_illegal_move_is_refused_and_nothing_is_written(
    tmp_path: Path, target: Status
) -> None:
    store = await stored(tmp_path)
    try:
        with pytest.raises(StatusTransitionError):
            await store.set_status(T1, target, at=AT)
        with pytest.raises(StatusTransitionError):
            await store.acknowledge(T1, at=AT)
        with pytest.raises(StatusTransitionError):
            await store.offer(T1, delivery=DeliveryMode.PULL, at=AT)
        message = await store.get(T1)
        assert message is not None
        assert (message.status, message.acknowledged) == (Status.ONTVANGEN, False)
        assert message.delivery is None
        assert [s for s, _ in await store.history(T1)] == ["Ontvangen"]
        with pytest.raises(StatusTransitionError):
            await store.set_status("unknown", Status.WORDT_VERWERKT, at=AT)
    finally:
        await store.close()


FEW = (17, 90, 160)  # the MZ302 returns for bureau 98000001 among many MZ301 declarations
CONVERSATION = "0f8fad5b-d9cb-469f-a165-70867728950e"
ANSWERED = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _mailbox_message(i: int) -> NewMessage:
    is_return = i in (*FEW, 120, 130, 140)
    stroom = {"berichttype": "MZ302" if is_return else "MZ301", "berichtversie": 1}
    stroom |= {"berichtsubversie": 3, "actie": "Retourneren" if is_return else "Indienen"}
    addressee = {"rol": "Indiener", "code": "98000002" if i == 140 else "98000001"}
    traceer_id = f"00000000-0000-4000-8000-{i:012d}"
    conversatie_id = CONVERSATION if is_return else f"00000000-0000-4000-9000-{i:012d}"
    metadata = envelope(
        traceer_id,
        conversatie_id=conversatie_id,
        stroom=stroom,
        addressee=addressee if is_return else {"rol": "Zorgverzekeraar"},
        als_antwoord_op=ANSWERED if is_return else None,
    )
    return NewMessage(
        traceer_id=traceer_id,
        conversatie_id=conversatie_id,
        als_antwoord_op=ANSWERED if is_return else None,
        kind="return" if is_return else "declaration",
        indiener="98000001",
        indiener_account="20000000000001",
        afzender="12002242",
        addressee="3311" if i == 130 else "7095",  # 130: another organisation's mailbox
        metadata=metadata,
        size=7,
        sha256="x",
        received_at=AT,
    )


async def test_zoeken_filters_a_large_mailbox_in_sql(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "gateway")
    try:
        for i in range(200):
            new = _mailbox_message(i)
            upload = store.new_upload_path()
            upload.write_bytes(b"payload")
            assert await store.add_message(new, upload, status=Status.VERWERKING_VOLTOOID)
            await store.offer(new.traceer_id, delivery=DeliveryMode.PULL, at=AT)
            if i == 120:
                await store.acknowledge(new.traceer_id, at=AT)

        async def found(zoekpad: berichten.Zoekpad, limit: int = 250) -> list[str]:
            found = await store.search_mailbox("7095", zoekpad, limit=limit)
            return [m.traceer_id[-3:] for m in found]

        few = [f"{i:03}" for i in FEW]
        stroom = berichten.ZoekpadOpBerichtstroom
        assert await found(stroom(berichttype="MZ302")) == [*few[:2], "140", few[2]]
        assert await found(stroom(berichttype="MZ302", geadresseerde_code="98000001")) == few
        everything = stroom(
            berichttype="MZ302",
            berichtversie=1,
            berichtsubversie=3,
            actie="Retourneren",
            geadresseerde_rol="Indiener",
            geadresseerde_code="98000001",
        )
        assert await found(everything) == few
        assert await found(everything, limit=2) == few[:2]
        assert await found(stroom(berichttype="MZ302", berichtversie=2)) == []
        assert await found(stroom(berichttype="MZ302", berichtsubtype="x")) == []
        assert await found(stroom(berichttype="MZ302", geadresseerde_rol="Zorgverzekeraar")) == []
        assert await found(stroom(berichttype="MZ301", geadresseerde_code="7095")) == []
        assert await found(stroom(berichttype="MZ301"), limit=3) == ["000", "001", "002"]
        by_conversation = berichten.ZoekpadOpConversatieId(conversatie_id=CONVERSATION.upper())
        assert await found(by_conversation) == [*few[:2], "140", few[2]]
        answers = berichten.ZoekpadOpAlsAntwoordOp(als_antwoord_op=ANSWERED)
        assert await found(answers, limit=1) == few[:1]
        assert await store.search_mailbox("3311", answers, limit=250) != []
    finally:
        await store.close()


async def test_a_request_s_reads_stay_on_the_loop_and_see_every_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get, linked, conversation and mailbox make no thread hand-off, and a read right after a
    committed write (through the writer's thread) sees it."""
    store = await stored(tmp_path)
    try:
        await store.set_status(T1, Status.WORDT_VERWERKT, at=AT)
        await store.set_status(T1, Status.VERWERKING_VOLTOOID, at=AT)
        await store.offer(T1, delivery=DeliveryMode.PULL, at=AT)

        def no_thread(*args: object, **kwargs: object) -> None:
            raise AssertionError("a request's read went to a worker thread")

        monkeypatch.setattr("asyncio.to_thread", no_thread)
        message = await store.get(T1.upper())
        assert message is not None
        assert message.status is Status.WORDT_AANGEBODEN
        assert [m.traceer_id for m in await store.linked(T1)] == [T1]
        assert [m.traceer_id for m in await store.conversation(C1)] == [T1]
        assert [m.traceer_id for m in await store.mailbox("7095", limit=250)] == [T1]
        assert await store.mailbox("3311", limit=250) == []
        monkeypatch.undo()
        await store.acknowledge(T1, at=AT)
        assert await store.mailbox("7095", limit=250) == []
    finally:
        await store.close()


class _BusyReader:
    """A read connection that finds the database busy (a writer recovering the WAL index)."""

    def execute(self, *args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    def close(self) -> None:
        pass


async def test_a_busy_database_sends_the_read_to_the_worker_thread(tmp_path: Path) -> None:
    """The loop never waits for SQLite: a busy reader makes the read the worker thread's job."""
    store = await stored(tmp_path)
    real, store._reader = store._reader, _BusyReader()  # type: ignore[assignment]
    try:
        message = await store.get(T1)
        assert message is not None
        assert message.traceer_id == T1
        assert [m.traceer_id for m in await store.linked(T1)] == [T1]
    finally:
        real.close()
        await store.close()


@pytest.mark.parametrize("name", sorted(LOOP_READS))
async def test_every_read_on_the_loop_searches_an_index(tmp_path: Path, name: str) -> None:
    """A read on the loop's thread must stay a few index steps, however large the store."""
    store = await stored(tmp_path)
    await store.close()
    db = sqlite3.connect(tmp_path / "gateway" / "exchange.sqlite3")
    try:
        where = LOOP_READS[name]
        sql = f"EXPLAIN QUERY PLAN SELECT * FROM messages WHERE {where} ORDER BY seq LIMIT 250"  # noqa: S608
        plan = [str(row[3]) for row in db.execute(sql, ("x",) * where.count("?"))]
    finally:
        db.close()
    searches = [step for step in plan if step.startswith("SEARCH messages USING INDEX")]
    assert searches, plan
    assert not [step for step in plan if step.startswith("SCAN")], plan


async def test_an_unchanged_row_reads_back_as_the_same_message(tmp_path: Path) -> None:
    """A polled status builds its message (and its answer's text) once; a move makes a new one."""
    store = await stored(tmp_path)
    try:
        first, again = await store.get(T1), await store.get(T1)
        assert first is not None
        assert first is again
        text = _status_text(first)
        assert text == json.dumps(_status_item(first).to_json())
        assert _status_text(first) is text
        await store.set_status(T1, Status.WORDT_VERWERKT, at="2025-06-01T12:00:01.000+00:00")
        moved = await store.get(T1)
        assert moved is not None
        assert moved is not first
        assert moved.status is Status.WORDT_VERWERKT
        assert '"WordtVerwerkt"' in _status_text(moved)
        assert first.status is Status.ONTVANGEN  # the old message is a value: unchanged
    finally:
        await store.close()


async def test_the_kept_status_texts_are_bounded(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    try:
        message = await store.get(T1)
        assert message is not None
        for i in range(STATUS_TEXTS_KEPT + 10):
            copy = dataclasses.replace(
                message, status_at=f"2025-06-01T12:{i // 60:02}:{i % 60:02}Z"
            )
            _status_text(copy)
            assert len(_STATUS_TEXTS) <= STATUS_TEXTS_KEPT
    finally:
        await store.close()


async def test_a_listing_item_is_rendered_once_per_message_and_base(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    try:
        message = await store.get(T1)
        assert message is not None
        base = "https://127.0.0.1:8443"
        text = _listing_text(message, base)
        assert _listing_text(message, base) is text
        whole = berichten.render_pull_listing(
            [(message.metadata, _basisgegevens(message, base=base))]
        )
        assert f"[{text}]" == whole
        assert "https://localhost:9443/" in _listing_text(message, "https://localhost:9443")
        for i in range(STATUS_TEXTS_KEPT + 10):
            _listing_text(message, f"https://h{i}.example")
            assert len(_LISTING_TEXTS) <= STATUS_TEXTS_KEPT
    finally:
        await store.close()
