"""The COV register entry an insurer publishes, and the pure answer to a COV request.

``PUT /cov-register/v1/verzekerden/{uzovi}`` carries ``{"verzekerden": [entry, ...]}``; the
exchange answers COV questions from those entries. ``answer_cov`` is that decision, free of I/O:
the caller passes a lookup over the register and today's date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from berichten._check import ROOT, Checker, child
from berichten._cov_model import Geslacht, SoortVerzekering
from berichten._errors import CovJsonError
from identifiers import is_ascii_digits

__all__ = [
    "CovIndex",
    "CovLookup",
    "CovPolicy",
    "CovRegisterEntry",
    "cov_register_to_json",
    "parse_cov_register",
]

_ENTRY_KEYS = (
    "bsn",
    "geboortedatum",
    "naam",
    "voorletters",
    "voorvoegsel",
    "geslacht",
    "overleden",
    "postcode",
    "huisnummer",
    "huisnummertoevoeging",
    "policies",
)
_POLICY_KEYS = ("uzovi", "verzekerdennummer", "soort", "pakket", "begin", "eind")


@dataclass(frozen=True, slots=True, kw_only=True)
class CovPolicy:
    """One policy: UZOVI (4 digits), number, kind, package code, validity (eind inclusive)."""

    uzovi: str
    verzekerdennummer: str
    soort: SoortVerzekering
    begin: date
    eind: date | None = None
    pakket: str | None = None

    def active_on(self, day: date) -> bool:
        return self.begin <= day and (self.eind is None or day <= self.eind)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uzovi": self.uzovi,
            "verzekerdennummer": self.verzekerdennummer,
            "soort": self.soort.value,
            "pakket": self.pakket,
            "begin": self.begin.isoformat(),
            "eind": None if self.eind is None else self.eind.isoformat(),
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_own_json(cls, obj: Mapping[str, Any]) -> CovPolicy:
        """Read back what ``to_json`` wrote in this process's own store: no checks."""
        eind = obj.get("eind")
        return cls(
            uzovi=obj["uzovi"],
            verzekerdennummer=obj["verzekerdennummer"],
            soort=SoortVerzekering(obj["soort"]),
            begin=date.fromisoformat(obj["begin"]),
            eind=None if eind is None else date.fromisoformat(eind),
            pakket=obj.get("pakket"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CovRegisterEntry:
    """One insured person as the exchange's COV register knows them."""

    bsn: str
    geboortedatum: date
    naam: str
    postcode: str
    huisnummer: int
    policies: tuple[CovPolicy, ...]
    voorletters: str | None = None
    voorvoegsel: str | None = None
    geslacht: Geslacht = Geslacht.ONBEKEND
    overleden: bool = False
    huisnummertoevoeging: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "bsn": self.bsn,
            "geboortedatum": self.geboortedatum.isoformat(),
            "naam": self.naam,
            "voorletters": self.voorletters,
            "voorvoegsel": self.voorvoegsel,
            "geslacht": self.geslacht.value,
            "overleden": self.overleden,
            "postcode": self.postcode,
            "huisnummer": self.huisnummer,
            "huisnummertoevoeging": self.huisnummertoevoeging,
            "policies": [p.to_json() for p in self.policies],
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_own_json(cls, obj: Mapping[str, Any]) -> CovRegisterEntry:
        """Read back what ``to_json`` wrote in our own store, without re-checking every field.

        An exchange restarting on a 10,000-person register spent half a second re-validating
        rows it had validated (``from_json``) before storing them; untrusted input never
        takes this path.
        """
        return cls(
            bsn=obj["bsn"],
            geboortedatum=date.fromisoformat(obj["geboortedatum"]),
            naam=obj["naam"],
            postcode=obj["postcode"],
            huisnummer=obj["huisnummer"],
            policies=tuple(CovPolicy.from_own_json(p) for p in obj["policies"]),
            voorletters=obj.get("voorletters"),
            voorvoegsel=obj.get("voorvoegsel"),
            geslacht=Geslacht(obj["geslacht"]),
            overleden=obj["overleden"],
            huisnummertoevoeging=obj.get("huisnummertoevoeging"),
        )

    @classmethod
    def from_json(cls, obj: object) -> CovRegisterEntry:
        """Read one entry; CovJsonError lists every problem."""
        chk = Checker()
        entry = _read_entry(chk, obj, ROOT)
        if chk.errors or entry is None:
            raise CovJsonError(chk.errors or {ROOT: ["Invalid register entry."]})
        return entry


def cov_register_to_json(entries: Sequence[CovRegisterEntry]) -> dict[str, Any]:
    """The body of ``PUT /cov-register/v1/verzekerden/{uzovi}``."""
    return {"verzekerden": [e.to_json() for e in entries]}


def parse_cov_register(obj: object) -> tuple[CovRegisterEntry, ...]:
    """Read ``{"verzekerden": [...]}``; paths look like ``verzekerden[3].policies[0].begin``."""
    chk = Checker()
    body = chk.obj(obj, ROOT, required=("verzekerden",), allowed=("verzekerden",))
    raw = chk.array(body or {}, ROOT, "verzekerden", min_items=0, max_items=10_000_000)
    entries = chk.items(raw, "verzekerden", lambda v, p: _read_entry(chk, v, p))
    if chk.errors:
        raise CovJsonError(chk.errors)
    return tuple(entries)


def _digits(chk: Checker, obj: Mapping[str, object], path: str, key: str, n: int) -> str | None:
    value = chk.string(obj, path, key, max_length=n, min_length=n)
    if value is not None and not is_ascii_digits(value):
        chk.add(child(path, key), f"Must be {n} digits, got {value!r}.")
        return None
    return value


def _read_entry(chk: Checker, value: object, path: str) -> CovRegisterEntry | None:
    required = ("bsn", "geboortedatum", "naam", "postcode", "huisnummer", "policies")
    obj = chk.obj(value, path, required=required, allowed=_ENTRY_KEYS)
    if obj is None:
        return None
    bsn = _digits(chk, obj, path, "bsn", 9)
    born = chk.day(obj, path, "geboortedatum")
    naam = chk.string(obj, path, "naam", max_length=200)
    postcode = chk.string(obj, path, "postcode", max_length=6)
    huisnummer = chk.integer(obj, path, "huisnummer", minimum=1, maximum=99999)
    geslacht = _read_geslacht(chk, obj, path)
    overleden = obj.get("overleden", False)
    if not isinstance(overleden, bool):
        chk.add(child(path, "overleden"), "Expected a boolean.")
    raw = chk.array(obj, path, "policies", min_items=0, max_items=1000)
    policies = chk.items(raw, child(path, "policies"), lambda v, p: _read_policy(chk, v, p))
    if None in (bsn, born, naam, postcode, huisnummer, raw) or len(policies) != len(raw or ()):
        return None
    return CovRegisterEntry(
        bsn=bsn or "",
        geboortedatum=born or date.min,
        naam=naam or "",
        postcode=(postcode or "").replace(" ", "").upper(),
        huisnummer=huisnummer or 0,
        policies=tuple(policies),
        voorletters=chk.string(obj, path, "voorletters", max_length=20),
        voorvoegsel=chk.string(obj, path, "voorvoegsel", max_length=20),
        geslacht=geslacht,
        overleden=overleden is True,
        huisnummertoevoeging=chk.string(obj, path, "huisnummertoevoeging", max_length=6),
    )


def _read_geslacht(chk: Checker, obj: Mapping[str, object], path: str) -> Geslacht:
    value = chk.string(obj, path, "geslacht")
    if value is None:
        return Geslacht.ONBEKEND
    try:
        return Geslacht(value)
    except ValueError:
        chk.add(child(path, "geslacht"), f"One of {', '.join(g.value for g in Geslacht)}.")
        return Geslacht.ONBEKEND


def _read_policy(chk: Checker, value: object, path: str) -> CovPolicy | None:
    required = ("uzovi", "verzekerdennummer", "soort", "begin")
    obj = chk.obj(value, path, required=required, allowed=_POLICY_KEYS)
    if obj is None:
        return None
    uzovi = _digits(chk, obj, path, "uzovi", 4)
    nummer = chk.string(obj, path, "verzekerdennummer", max_length=15)
    soort_text = chk.string(obj, path, "soort")
    soort = None
    if soort_text is not None:
        try:
            soort = SoortVerzekering(soort_text)
        except ValueError:
            allowed = ", ".join(s.value for s in SoortVerzekering)
            chk.add(child(path, "soort"), f"One of {allowed}, got {soort_text!r}.")
    begin, eind = chk.day(obj, path, "begin"), chk.day(obj, path, "eind")
    if begin is not None and eind is not None and eind < begin:
        chk.add(child(path, "eind"), "Must not be before begin.")
        return None
    pakket = chk.string(obj, path, "pakket", max_length=50)
    if uzovi is None or nummer is None or soort is None or begin is None:
        return None
    return CovPolicy(
        uzovi=uzovi, verzekerdennummer=nummer, soort=soort, begin=begin, eind=eind, pakket=pakket
    )


class CovLookup(Protocol):
    """What ``answer_cov`` needs from a register: three indexed searches."""

    def by_bsn(self, bsn: str) -> CovRegisterEntry | None: ...

    def by_verzekerdennummer(self, verzekerdennummer: str) -> Sequence[CovRegisterEntry]: ...

    def by_address(self, postcode: str, huisnummer: int) -> Sequence[CovRegisterEntry]: ...


class CovIndex:
    """An in-memory CovLookup over register entries (the last entry for a BSN wins)."""

    def __init__(self, entries: Sequence[CovRegisterEntry]) -> None:
        self._bsn = {e.bsn: e for e in entries}
        self._nummer: dict[str, list[CovRegisterEntry]] = {}
        self._address: dict[tuple[str, int], list[CovRegisterEntry]] = {}
        for entry in self._bsn.values():
            for nummer in {p.verzekerdennummer for p in entry.policies}:
                self._nummer.setdefault(nummer, []).append(entry)
            self._address.setdefault((entry.postcode, entry.huisnummer), []).append(entry)

    def by_bsn(self, bsn: str) -> CovRegisterEntry | None:
        return self._bsn.get(bsn)

    def by_verzekerdennummer(self, verzekerdennummer: str) -> Sequence[CovRegisterEntry]:
        return tuple(self._nummer.get(verzekerdennummer, ()))

    def by_address(self, postcode: str, huisnummer: int) -> Sequence[CovRegisterEntry]:
        key = (postcode.replace(" ", "").upper(), huisnummer)
        return tuple(self._address.get(key, ()))
