"""A traceerId is answered in the one form ``str(uuid.UUID(...))`` writes, whichever form the
client sent (the canonical form takes a short cut; the others must still be normalised)."""

from __future__ import annotations

import uuid

import pytest

from gateway._errors import ValidationError
from gateway._pull import _uuid

CANONICAL = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


@pytest.mark.parametrize(
    "sent",
    [
        CANONICAL,
        CANONICAL.upper(),
        "{" + CANONICAL + "}",
        CANONICAL.replace("-", ""),
        "urn:uuid:" + CANONICAL,
    ],
)
def test_every_accepted_form_becomes_the_canonical_one(sent: str) -> None:
    assert _uuid(sent, "traceerId") == CANONICAL == str(uuid.UUID(sent))


@pytest.mark.parametrize("sent", ["", "x", CANONICAL[:-1], CANONICAL + "\n", CANONICAL + "0"])
def test_anything_else_is_refused(sent: str) -> None:
    with pytest.raises(ValidationError):
        _uuid(sent, "traceerId")
