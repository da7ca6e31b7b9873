"""Which prestatiecodelijst and prestatiecodes an insurer recognises, per EI standard.

The national lists come from ``vektis.prestatiecodes``; a standard for which the codec ships no
list is not checked (rejecting every line of it with 0582 would be a simulator artefact, not
insurer behaviour). Lookups are cached per standard because every line asks; the standards
(and their variants, such as AW319's Wlz lists) are a handful, the bound a guard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from vektis import Standard, prestatiecodes

__all__ = ["CodeCheck", "code_checker"]

# (codelijst, prestatiecode) -> (the list is known, the code is known in that list)
CodeCheck = Callable[[str, str], tuple[bool, bool]]


def code_checker(standard: Standard) -> CodeCheck:
    return _checker(standard.key)  # the Wlz variant of AW319 has lists of its own


@functools.lru_cache(maxsize=32)
def _checker(name: str) -> CodeCheck:
    lists: dict[str, frozenset[str]] = {}
    for item in prestatiecodes(name):
        lists[item.codelijst] = lists.get(item.codelijst, frozenset()) | {item.code}
    if not lists:
        return _unchecked

    def check(codelijst: str, code: str) -> tuple[bool, bool]:
        codes = lists.get(codelijst.zfill(3))
        return codes is not None, codes is not None and code in codes

    return check


def _unchecked(codelijst: str, code: str) -> tuple[bool, bool]:
    return True, True
