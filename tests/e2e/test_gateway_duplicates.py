"""A traceerId already taken is refused the same way whoever took it.

The exchange keeps one traceerId space (status, pull and links all look messages up by it), so
a second message under a taken id must be refused: accepting it and dropping it would
acknowledge what is not kept. What the refusal may not do is say more than "not unique": whose
it is, or anything that tells a foreign id from one's own retry. Two organisations push under
one id; their answers must be the same bytes, and the owner's message stays untouched.
"""

from __future__ import annotations

from gateway_fixtures import (
    ACCOUNTS,
    BUREAU_OK,
    PRACTICE,
    PULL,
    Party,
    declaration_metadata,
    wait_status,
)


async def test_a_foreign_duplicate_is_answered_like_ones_own(parties: dict[str, Party]) -> None:
    provider, bureau = parties["provider"], parties["bureau"]
    taken = declaration_metadata()
    assert (await provider.push(taken))[0] == 204
    tid = taken["referentiegegevens"]["traceerId"]
    await wait_status(provider, tid, "WordtAangeboden")

    own = await provider.push(declaration_metadata(traceer_id=tid))
    foreign = await bureau.push(declaration_metadata(traceer_id=tid))  # may send for PRACTICE
    fresh = await bureau.push(declaration_metadata())

    assert fresh[0] == 204  # so the bureau's message itself was acceptable
    assert own == foreign
    status, problem = foreign
    assert status == 422
    assert list(problem["errors"]) == ["referentiegegevens.traceerId"]
    text = str(problem)
    assert PRACTICE not in text
    assert BUREAU_OK not in text
    assert ACCOUNTS["provider"][0] not in text
    mailbox = (await parties["insurer"].call("GET", PULL))[1]
    ids = [m["referentiegegevens"]["traceerId"] for m in mailbox]
    assert ids.count(tid) == 1
    owner = next(m for m in mailbox if m["referentiegegevens"]["traceerId"] == tid)
    assert (
        owner["referentiegegevens"]["conversatieId"] == taken["referentiegegevens"]["conversatieId"]
    )
