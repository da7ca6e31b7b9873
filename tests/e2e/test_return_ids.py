"""Return traceerIds cannot be squatted: a message pushed first under the id an insurer would
have used (a uuid5 of the declaration's id, before) no longer keeps the return from arriving.

The dentist pushes a declaration, then, while the insurer is still judging it (slow fault), a
second message under the predicted return id, which the exchange accepts. The return of the
first declaration must still be delivered, under an id of its own.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from conftest import declaration

from vecozo_sim.pytest_plugin import VecozoExchange

DENTIST, VGZ = "12050001", "7095"
SLOW: dict[str, Any] = {"insurers": {VGZ: {"slowSeconds": 1.0}}}
OLD_NAMESPACE = uuid.UUID("7f1c7a52-5d0e-4a59-9a53-2f6f2c1b8e01")  # the former derivation


@pytest.mark.parametrize("vecozo_faults", [SLOW])
async def test_a_squatted_predictable_return_id_does_not_block_the_return(
    vecozo: VecozoExchange,
) -> None:
    client = vecozo.client(DENTIST)
    receipt = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ))
    predicted = str(uuid.uuid5(OLD_NAMESPACE, f"{VGZ}:{receipt.traceer_id}"))
    ids = itertools.chain([predicted], iter(lambda: str(uuid.uuid4()), None))
    client._new_id = lambda: next(ids)  # the squatter's next traceerId is the predicted one
    squat = await client.push(declaration(vecozo.world, provider=DENTIST, insurer=VGZ, seed=2))
    assert squat.traceer_id == predicted

    info, _ = await client.fetch_return(receipt.traceer_id, timeout=30)
    assert info.als_antwoord_op == receipt.traceer_id
    assert info.traceer_id != predicted
    assert uuid.UUID(info.traceer_id).version == 4
