"""The pure COV decision, and the small JSON face of the same function.

``answer_cov`` turns a request plus a register lookup into the response the SOAP service (and
the JSON face) sends. The order of the checks follows the result codes: request-level counts
first, then per zoekopdracht the search path, the peildatum, the BSN, the person, the policies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Hashable, MutableMapping, Sequence
from datetime import date
from typing import Any

from berichten._check import ROOT, Checker
from berichten._cov_model import (
    MAX_ZOEKOPDRACHTEN,
    CovRequest,
    CovResponse,
    Retourberichtresultaat,
    SoortVerzekering,
    Verzekerde,
    VerzekerdeResultaat,
    Verzekering,
    VerzekeringResultaat,
    Zoekopdracht,
    Zoekresultaat,
    ZoekresultaatType,
)
from berichten._cov_register import CovLookup, CovPolicy, CovRegisterEntry
from berichten._errors import CovJsonError
from identifiers import is_valid_bsn

__all__ = [
    "CovDecisions",
    "answer_cov",
    "cov_response_to_json",
    "parse_cov_json",
    "render_cov_json",
]

R = ZoekresultaatType
# A string as json.dumps writes it (ensure_ascii, the default): the C encoder's own function.
_quoted = json.encoder.encode_basestring_ascii
# What a zoekopdracht is answered with, apart from what it carries back (volgnummer, referentie).
Decision = tuple[ZoekresultaatType, Verzekerde | None]
# Decisions already taken against one register, keyed by everything else they depend on.
CovDecisions = MutableMapping[Hashable, Decision]


def answer_cov(
    request: CovRequest,
    lookup: CovLookup,
    today: date,
    *,
    unauthorised: frozenset[str] = frozenset(),
    known: CovDecisions | None = None,
) -> CovResponse:
    """Answer every zoekopdracht; no zoekopdrachten or more than 20 answers the whole request.

    ``unauthorised``: the UZOVI codes that do not authorise the asking zorgaanbieder for COV;
    their policies come back as NietGeautoriseerdVoorZorgverzekeraar, without details.
    ``known``: decisions taken before against this same ``lookup``, read and filled here; the
    caller owns it, bounds it, and must empty it whenever what ``lookup`` finds changes.
    """
    if not request.zoekopdrachten:
        return CovResponse(resultaat=Retourberichtresultaat.GEEN_ZOEKOPDRACHTEN)
    if len(request.zoekopdrachten) > MAX_ZOEKOPDRACHTEN:
        return CovResponse(resultaat=Retourberichtresultaat.MEER_DAN_20_ZOEKOPDRACHTEN)
    results = tuple(
        [_answer_one(z, lookup, today, unauthorised, known) for z in request.zoekopdrachten]
    )
    return CovResponse(resultaat=Retourberichtresultaat.VERZOEK_AKKOORD, zoekresultaten=results)


def _answer_one(
    z: Zoekopdracht,
    lookup: CovLookup,
    today: date,
    unauthorised: frozenset[str],
    known: CovDecisions | None,
) -> Zoekresultaat:
    if known is None:
        code, verzekerde = _decide(z, lookup, today, unauthorised)
    else:
        key = _decision_key(z, today, unauthorised)
        decision = known.get(key)
        if decision is None:
            decision = known[key] = _decide(z, lookup, today, unauthorised)
        code, verzekerde = decision
    return Zoekresultaat(
        volgnummer=z.volgnummer,
        resultaat=code,
        referentie_zorgaanbieder=z.referentie_zorgaanbieder,
        verzekerde=verzekerde,
    )


def _decision_key(z: Zoekopdracht, today: date, unauthorised: frozenset[str]) -> Hashable:
    """Every input of ``_decide`` but the lookup: the search fields, today and the refusals."""
    return (
        z.geboortedatum,
        z.peildatum,
        z.bsn,
        z.verzekerdennummer,
        z.postcode,
        z.huisnummer,
        z.huisnummertoevoeging,
        today,
        unauthorised,
    )


def _decide(
    z: Zoekopdracht, lookup: CovLookup, today: date, unauthorised: frozenset[str]
) -> Decision:
    code, person = _search(z, lookup, today)
    if person is None:
        return code, None
    if z.peildatum > today:
        code = R.GEVONDEN_PEILDATUM_IN_TOEKOMST
    return code, _verzekerde(person, z.peildatum, unauthorised)


def _search(z: Zoekopdracht, lookup: CovLookup, today: date) -> tuple[R, CovRegisterEntry | None]:
    paths = [z.bsn is not None, z.verzekerdennummer is not None, z.postcode is not None]
    if sum(paths) > 1:
        return R.MEERDERE_ZOEKPADEN_OPGEGEVEN, None
    if sum(paths) == 0 or (z.postcode is not None and z.huisnummer is None):
        return R.GEEN_GELDIG_ZOEKPAD, None
    if z.peildatum <= _two_years_before(today):
        return R.PEILDATUM_2_JAAR_OF_OUDER, None
    if z.bsn is not None:
        return _by_bsn(z.bsn, z.geboortedatum, lookup)
    if z.verzekerdennummer is not None:
        candidates = lookup.by_verzekerdennummer(z.verzekerdennummer)
    else:
        candidates = lookup.by_address(z.postcode or "", z.huisnummer or 0)
        if z.huisnummertoevoeging is not None:
            wanted = z.huisnummertoevoeging.upper()
            candidates = [c for c in candidates if (c.huisnummertoevoeging or "").upper() == wanted]
    return _single([c for c in candidates if c.geboortedatum == z.geboortedatum])


def _by_bsn(bsn: str, born: date, lookup: CovLookup) -> tuple[R, CovRegisterEntry | None]:
    if not is_valid_bsn(bsn):
        return R.BSN_VOLDOET_NIET_AAN_ELF_PROEF, None
    person = lookup.by_bsn(bsn)
    if person is None:
        return R.BSN_ONBEKEND, None
    if person.geboortedatum != born:
        return R.COMBINATIE_BSN_GEBOORTEDATUM_ONBEKEND, None
    return R.GEVONDEN, person


def _single(found: Sequence[CovRegisterEntry]) -> tuple[R, CovRegisterEntry | None]:
    if not found:
        return R.NIET_GEVONDEN, None
    if len({p.bsn for p in found}) > 1:
        return R.MEERDERE_PERSONEN_GEVONDEN, None
    return R.GEVONDEN, found[0]


def _two_years_before(today: date) -> date:
    """The same calendar day two years back (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - 2)
    except ValueError:
        return today.replace(year=today.year - 2, day=28)


def _verzekerde(
    person: CovRegisterEntry, peildatum: date, unauthorised: frozenset[str]
) -> Verzekerde:
    active = [p for p in person.policies if p.active_on(peildatum)]
    if active:
        basis = {p.uzovi for p in active if p.soort is SoortVerzekering.BASIS}
        resultaat = (
            VerzekerdeResultaat.DUBBELE_ACTIEVE_VERZEKERINGEN_GEVONDEN
            if len(basis) > 1
            else VerzekerdeResultaat.ACTIEVE_VERZEKERINGEN
        )
        shown = [(p, VerzekeringResultaat.ACTIEF) for p in active]
    else:
        resultaat = VerzekerdeResultaat.INACTIEVE_VERZEKERINGEN
        shown = [
            (p, VerzekeringResultaat.INACTIEF) for p in _last_closed(person.policies, peildatum)
        ]
    return Verzekerde(
        resultaat=resultaat,
        geboortedatum=person.geboortedatum,
        geslacht=person.geslacht,
        overleden=person.overleden,
        achternaam1=person.naam,
        voorvoegsel1=person.voorvoegsel,
        voorletters=person.voorletters,
        bsn=person.bsn,
        verzekeringen=tuple(
            _hidden(p) if p.uzovi in unauthorised else _verzekering(p, r) for p, r in shown
        ),
    )


def _last_closed(policies: Sequence[CovPolicy], peildatum: date) -> list[CovPolicy]:
    """The policies that ended last before the peildatum ("laatst gesloten verzekeringen")."""
    ended = [p for p in policies if p.eind is not None and p.eind < peildatum]
    if not ended:
        return []
    last = max(p.eind or date.min for p in ended)
    return [p for p in ended if p.eind == last]


def _hidden(p: CovPolicy) -> Verzekering:
    """A policy of an insurer that does not authorise the asker: which insurer and what kind,
    nothing the insurer keeps to itself (verzekerdennummer, package, dates)."""
    return Verzekering(
        resultaat=VerzekeringResultaat.NIET_GEAUTORISEERD_VOOR_ZORGVERZEKERAAR,
        uzovi=int(p.uzovi),
        verzekerdennummer="",
        soort_verzekering=p.soort,
    )


def _verzekering(p: CovPolicy, resultaat: VerzekeringResultaat) -> Verzekering:
    return Verzekering(
        resultaat=resultaat,
        uzovi=int(p.uzovi),
        verzekerdennummer=p.verzekerdennummer,
        soort_verzekering=p.soort,
        pakketcode=p.pakket,
        ingangsdatum=p.begin,
        einddatum=p.eind,
    )


# ----------------------------------------------------------------------------- JSON face

_Z_KEYS = (
    "volgnummer",
    "bsn",
    "geboortedatum",
    "peildatum",
    "verzekerdennummer",
    "postcode",
    "huisnummer",
    "huisnummertoevoeging",
    "referentie",
)


def parse_cov_json(obj: object, *, today: date) -> CovRequest:
    """Read the JSON face: one zoekopdracht ``{"bsn", "geboortedatum", "peildatum"?}`` or
    ``{"zoekopdrachten": [...]}``; peildatum defaults to today, volgnummer to the position.
    """
    chk = Checker()
    if isinstance(obj, dict) and "zoekopdrachten" in obj:
        body = chk.obj(obj, ROOT, required=("zoekopdrachten",), allowed=("zoekopdrachten",)) or {}
        raw = chk.array(body, ROOT, "zoekopdrachten", min_items=0, max_items=1000)
        items = [(v, f"zoekopdrachten[{i}]", i + 1) for i, v in enumerate(raw or ())]
    else:
        items = [(obj, ROOT, 1)]
    found = [_read_json_zoekopdracht(chk, v, p, n, today) for v, p, n in items]
    if chk.errors:
        raise CovJsonError(chk.errors)
    return CovRequest(zoekopdrachten=tuple(z for z in found if z is not None))


def _read_json_zoekopdracht(
    chk: Checker, value: object, path: str, position: int, today: date
) -> Zoekopdracht | None:
    obj = chk.obj(value, path, required=("geboortedatum",), allowed=_Z_KEYS)
    if obj is None:
        return None
    born = chk.day(obj, path, "geboortedatum")
    peildatum = chk.day(obj, path, "peildatum") if "peildatum" in obj else today
    volgnummer = chk.integer(obj, path, "volgnummer", minimum=0, maximum=32767)
    if born is None or peildatum is None:
        return None
    return Zoekopdracht(
        volgnummer=position if volgnummer is None else volgnummer,
        geboortedatum=born,
        peildatum=peildatum,
        bsn=chk.string(obj, path, "bsn", max_length=9),
        verzekerdennummer=chk.string(obj, path, "verzekerdennummer", max_length=15),
        postcode=chk.string(obj, path, "postcode", max_length=6),
        huisnummer=chk.integer(obj, path, "huisnummer", minimum=1, maximum=99999),
        huisnummertoevoeging=chk.string(obj, path, "huisnummertoevoeging", max_length=6),
        referentie_zorgaanbieder=chk.string(obj, path, "referentie", max_length=100),
    )


def cov_response_to_json(response: CovResponse) -> dict[str, Any]:
    """The JSON face's answer: the SOAP response's content with the same (camelCased) names."""
    return {
        "resultaat": response.resultaat.value,
        "zoekresultaten": [_zoekresultaat_json(r) for r in response.zoekresultaten],
    }


def render_cov_json(response: CovResponse) -> bytes:
    """``json.dumps(cov_response_to_json(response))`` as UTF-8, byte for byte, written directly
    per zoekresultaat: the person found is encoded once per value and kept (the register's
    kept decisions hand the same Verzekerde to every answer about that person). The keys and
    their order are ``_zoekresultaat_json``'s; tests/unit/test_cov_render.py holds them equal."""
    results = ", ".join([_zoekresultaat_text(r) for r in response.zoekresultaten])
    resultaat = _quoted(response.resultaat.value)
    return f'{{"resultaat": {resultaat}, "zoekresultaten": [{results}]}}'.encode()


def _zoekresultaat_text(r: Zoekresultaat) -> str:
    text = f'{{"volgnummer": {r.volgnummer}, "resultaat": {_quoted(r.resultaat.value)}'
    if r.referentie_zorgaanbieder is not None:
        text += f', "referentie": {_quoted(r.referentie_zorgaanbieder)}'
    if r.verzekerde is not None:
        text += f', "verzekerde": {_verzekerde_text(r.verzekerde)}'
    return text + "}"


@functools.lru_cache(maxsize=4096)
def _verzekerde_text(v: Verzekerde) -> str:
    return json.dumps(_verzekerde_json(v))


def _zoekresultaat_json(r: Zoekresultaat) -> dict[str, Any]:
    out: dict[str, Any] = {"volgnummer": r.volgnummer, "resultaat": r.resultaat.value}
    if r.referentie_zorgaanbieder is not None:
        out["referentie"] = r.referentie_zorgaanbieder
    if r.verzekerde is not None:
        out["verzekerde"] = _verzekerde_json(r.verzekerde)
    return out


def _verzekerde_json(v: Verzekerde) -> dict[str, Any]:
    return {
        "resultaat": v.resultaat.value,
        "bsn": v.bsn,
        "geboortedatum": v.geboortedatum.isoformat(),
        "geslacht": v.geslacht.value,
        "overleden": v.overleden,
        "naam": v.achternaam1,
        "voorvoegsel": v.voorvoegsel1,
        "voorletters": v.voorletters,
        "verzekeringen": [_verzekering_json(p) for p in v.verzekeringen],
    }


def _verzekering_json(p: Verzekering) -> dict[str, Any]:
    return {
        "resultaat": p.resultaat.value,
        "uzovi": f"{p.uzovi:04d}",
        "verzekerdennummer": p.verzekerdennummer,
        "soort": p.soort_verzekering.value,
        "pakket": p.pakketcode,
        "begin": None if p.ingangsdatum is None else p.ingangsdatum.isoformat(),
        "eind": None if p.einddatum is None else p.einddatum.isoformat(),
    }
