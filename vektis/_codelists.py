"""Code lists as data (``vektis/data/*.psv``) with small typed accessors.

- retourcodes (COD954): code, meaning and category - X whole file, T header/totals,
  D detail, O informational - plus 8014 and 8176 as Vektis' retourinformatie page words them
  and 8983 ("declaratie betreft geen Zvw-zorg") from insurer pages;
- prestatiecodes per standard: alternative care (OS301, codelijst 090, the 90/24xxx list),
  a mondzorg set (MZ301, codelijst 010), eerstelijnspsychologische zorg and basis-GGZ (EP301,
  codelijst 036, a simulator choice: the layout gives no value) and wijkverpleging per uur
  (AW319, codelijst 065 as its layout prescribes), all with indicative tariffs in cents;
- the UZOVI register: number, insurer name and the concern (group) that carries the risk;
- the values of the closed code lists the layouts name (geslacht, naamcode, overleden, ...),
  keyed by the layouts' "code gegeven" column, which validation checks field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

__all__ = [
    "FILE_REJECTED",
    "FULLY_AWARDED",
    "FULLY_REJECTED",
    "GENERIC_CODE",
    "GOOD_BUT_FILE_REJECTED",
    "NOT_JUDGED",
    "NO_REMARK",
    "PARTIAL_AWARD",
    "RETOURCODES",
    "UZOVI_REGISTER",
    "Prestatiecode",
    "Retourcode",
    "UzoviEntry",
    "code_values",
    "prestatiecode",
    "prestatiecodes",
    "retourcode",
    "uzovi_group",
]

# The retourcodes the code names, each once: validation, the return-file builder and the stub
# insurers emit them. Their texts are in data/retourcodes.psv.

# "Afkeuring als veld andere dan numerieke tekens ... bevat" and similar per-field rules; a
# field without a specific retourcode in the layout falls back to 0001 ("technische redenen").
GENERIC_CODE = "0001"  # "Bericht is afgekeurd om technische redenen."
NO_REMARK = "0200"  # "Geen opmerking bij dit recordtype."
FULLY_AWARDED = "8001"  # "Declaratie is volledig toegewezen."
NOT_JUDGED = "8002"  # "Record is niet beoordeeld (wegens afkeuring boven- of ondergeschikt record)"
# 8059 "Afwijkend berekend bedrag wordt toegezegd": a remark, not a rejection; the line is
# paid, at the insurer's maximum tariff for non-contracted care.
PARTIAL_AWARD = "8059"
FULLY_REJECTED = "8073"  # "Declaratie is volledig afgewezen."
# "Prestatie- en/of tariefrecord is als goed beoordeeld, maar afgewezen omdat het hele bestand
# is afgekeurd."
GOOD_BUT_FILE_REJECTED = "8096"
# "Bestand is afgekeurd, omdat volgens afspraak alleen volledig goedgekeurde bestanden
# toegekend worden."
FILE_REJECTED = "8097"


@dataclass(frozen=True, slots=True, kw_only=True)
class Retourcode:
    """A COD954 retourcode; ``category`` is X (file), T (header/totals), D (detail), O (info)."""

    code: str
    meaning: str
    category: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Prestatiecode:
    """A prestatiecode of a standard's codelijst, with an indicative tariff in cents."""

    standard: str
    codelijst: str
    code: str
    description: str
    group: str
    tariff: int


@dataclass(frozen=True, slots=True, kw_only=True)
class UzoviEntry:
    """One UZOVI number: the insurer (risk carrier) and the concern it belongs to."""

    uzovi: str
    name: str
    group: str


def _rows(name: str, columns: int) -> list[list[str]]:
    text = resources.files("vektis").joinpath("data", name).read_text("utf-8")
    rows = [line.split("|") for line in text.splitlines() if line and not line.startswith("#")]
    return [row for row in rows if len(row) == columns]


RETOURCODES: Mapping[str, Retourcode] = MappingProxyType(
    {c: Retourcode(code=c, meaning=m, category=k) for c, m, k in _rows("retourcodes.psv", 3)}
)
_PRESTATIECODES = tuple(
    Prestatiecode(standard=s, codelijst=lst, code=c, description=d, group=g, tariff=int(t))
    for s, lst, c, d, g, t in _rows("prestatiecodes.psv", 6)
)
UZOVI_REGISTER: Mapping[str, UzoviEntry] = MappingProxyType(
    {u: UzoviEntry(uzovi=u, name=n, group=g) for u, n, g in _rows("uzovi.psv", 3)}
)


def _code_values() -> Mapping[str, frozenset[str]]:
    values: dict[str, frozenset[str]] = {}
    for gegeven, _, value, _ in _rows("codewaarden.psv", 4):
        values[gegeven] = values.get(gegeven, frozenset()) | {value}
    return MappingProxyType(values)


_CODE_VALUES = _code_values()


def code_values(gegeven: str) -> frozenset[str]:
    """The allowed values of a field whose "code gegeven" is ``gegeven`` ("COD134"); empty
    when the code list is open or not modelled (any value of the right format passes)."""
    return _CODE_VALUES.get(gegeven, frozenset())


def retourcode(code: str) -> Retourcode | None:
    """The retourcode ``code`` ("0435"), or None when it is not in the list."""
    return RETOURCODES.get(code)


def prestatiecodes(standard: object) -> tuple[Prestatiecode, ...]:
    """The prestatiecodes for a standard, given as a name or key ("MZ301", "AW319-187") or a
    Standard (its key: the Wlz variant of AW319 has lists of its own)."""
    name = str(getattr(standard, "key", standard)).upper()
    return tuple(p for p in _PRESTATIECODES if p.standard == name)


def prestatiecode(standard: object, code: str) -> Prestatiecode | None:
    """One prestatiecode of a standard, or None."""
    return next((p for p in prestatiecodes(standard) if p.code == code), None)


def uzovi_group(uzovi: str) -> frozenset[str]:
    """Every UZOVI of the same concern as ``uzovi`` (itself included; empty when unknown)."""
    entry = UZOVI_REGISTER.get(uzovi)
    if entry is None:
        return frozenset()
    return frozenset(u for u, e in UZOVI_REGISTER.items() if e.group == entry.group)
