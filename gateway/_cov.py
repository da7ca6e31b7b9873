"""The COV register: each insurer's population, merged into one lookup. Pure.

Insurers publish their own insured (``PUT /cov-register/v1/verzekerden/{uzovi}`` replaces that
insurer's list). A person who changed insurer appears in two lists, with the old policy ended at
one and the new one started at the other; COV must show both, so entries with the same BSN are
merged into one person carrying every policy. The answering rules themselves are berichten's
``answer_cov`` (the published result enums); this module only decides what it searches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from berichten import (
    CovDecisions,
    CovIndex,
    CovRegisterEntry,
    CovRequest,
    CovResponse,
    answer_cov,
)

__all__ = ["CovRegister", "merge_populations"]

# Decisions kept per register; past this many, they are dropped all at once and taken afresh
# (20,000 of them hold well under 100 MB even if every one found a person with policies).
DECISIONS_KEPT = 20_000


def merge_populations(
    populations: Mapping[str, Sequence[CovRegisterEntry]],
) -> tuple[CovRegisterEntry, ...]:
    """One entry per BSN with the policies of every insurer; personal data of the first seen.

    Insurers are taken in UZOVI order so the result does not depend on publication order.
    """
    merged: dict[str, CovRegisterEntry] = {}
    for uzovi in sorted(populations):
        for entry in populations[uzovi]:
            known = merged.get(entry.bsn)
            if known is None:
                merged[entry.bsn] = entry
            else:
                merged[entry.bsn] = replace(known, policies=known.policies + entry.policies)
    return tuple(merged.values())


class CovRegister:
    """Populations per UZOVI plus the index answer_cov searches; rebuilt on every replace.

    The decisions answer_cov took are kept with the index they were taken against (a client
    asking about the same person again costs a dict lookup); a new index starts with none, so
    a replaced population or a reset changes the very next answer.
    """

    def __init__(self, populations: Mapping[str, Sequence[CovRegisterEntry]] | None = None):
        self._populations: dict[str, tuple[CovRegisterEntry, ...]] = {
            uzovi: tuple(entries) for uzovi, entries in (populations or {}).items()
        }
        self._use(CovIndex(merge_populations(self._populations)))

    def _use(self, index: CovIndex) -> None:
        self._index = index
        self._known: CovDecisions = {}

    def replace(self, uzovi: str, entries: Sequence[CovRegisterEntry]) -> None:
        self._populations[uzovi] = tuple(entries)
        self._use(CovIndex(merge_populations(self._populations)))

    def clear(self) -> None:
        self._populations.clear()
        self._use(CovIndex(()))

    def population(self, uzovi: str) -> tuple[CovRegisterEntry, ...]:
        return self._populations.get(uzovi, ())

    def answer(
        self, request: CovRequest, *, today: dt.date, unauthorised: frozenset[str] = frozenset()
    ) -> CovResponse:
        if len(self._known) >= DECISIONS_KEPT:
            self._known = {}
        return answer_cov(request, self._index, today, unauthorised=unauthorised, known=self._known)
