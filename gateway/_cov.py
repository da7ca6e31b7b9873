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

from berichten import CovIndex, CovRegisterEntry, CovRequest, CovResponse, answer_cov

__all__ = ["CovRegister", "merge_populations"]


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
    """Populations per UZOVI plus the index answer_cov searches; rebuilt on every replace."""

    def __init__(self, populations: Mapping[str, Sequence[CovRegisterEntry]] | None = None):
        self._populations: dict[str, tuple[CovRegisterEntry, ...]] = {
            uzovi: tuple(entries) for uzovi, entries in (populations or {}).items()
        }
        self._index = CovIndex(merge_populations(self._populations))

    def replace(self, uzovi: str, entries: Sequence[CovRegisterEntry]) -> None:
        self._populations[uzovi] = tuple(entries)
        self._index = CovIndex(merge_populations(self._populations))

    def clear(self) -> None:
        self._populations.clear()
        self._index = CovIndex(())

    def population(self, uzovi: str) -> tuple[CovRegisterEntry, ...]:
        return self._populations.get(uzovi, ())

    def answer(
        self, request: CovRequest, *, today: dt.date, unauthorised: frozenset[str] = frozenset()
    ) -> CovResponse:
        return answer_cov(request, self._index, today, unauthorised=unauthorised)
