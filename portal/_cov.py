"""COV (Controle op Verzekeringsgegevens) for one patient, as VECOZO's portal asks it.

Three zoekpaden, each its own form: BSN + geboortedatum, verzekerdennummer + geboortedatum,
postcode + huisnummer (+ toevoeging) + geboortedatum; the peildatum defaults to today on the
exchange's clock. The form becomes one VZ801 zoekopdracht and is answered by
:func:`gateway.check_insurance`, the function the SOAP service and its JSON face call, so the
page can never tell another story than the webservice. The answer is shown in Dutch words
with the wire value next to it (``Gevonden``, ``BsnOnbekend``, ...). Only an account with the
``cov`` right sees the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

import berichten
import gateway
import vektis
from identifiers import is_ascii_digits
from portal._keys import FORM, PERSON, NavItem
from portal._render import render
from world import Service

__all__ = ["NAVIGATION", "ZOEKPADEN", "add_routes", "read_zoekopdracht"]

NAVIGATION = (NavItem(title="COV", path="cov", service=Service.COV),)
ZOEKPADEN = {
    "bsn": "BSN en geboortedatum",
    "verzekerdennummer": "Verzekerdennummer en geboortedatum",
    "adres": "Postcode, huisnummer en geboortedatum",
}
_POSTCODE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
R = berichten.ZoekresultaatType
# The result codes of VZ802 in the portal's words.
ZOEKRESULTATEN = {
    R.GEVONDEN: "Verzekerde gevonden.",
    R.GEVONDEN_PEILDATUM_IN_TOEKOMST: (
        "Verzekerde gevonden, maar de peildatum ligt in de toekomst: de verzekeringsgegevens "
        "kunnen tot die datum nog wijzigen."
    ),
    R.BSN_ONBEKEND: "Niet gevonden: er is geen verzekerde met dit BSN bekend.",
    R.BSN_VOLDOET_NIET_AAN_ELF_PROEF: "Het BSN is ongeldig: het voldoet niet aan de elfproef.",
    R.COMBINATIE_BSN_GEBOORTEDATUM_ONBEKEND: (
        "Niet gevonden: de combinatie van BSN en geboortedatum is onbekend."
    ),
    R.NIET_GEVONDEN: "Niet gevonden: er is geen verzekerde met deze gegevens bekend.",
    R.MEERDERE_PERSONEN_GEVONDEN: (
        "Meerdere personen gevonden: zoek op BSN of verzekerdennummer om één persoon te vinden."
    ),
    R.PEILDATUM_2_JAAR_OF_OUDER: (
        "Niet gezocht: de peildatum ligt twee jaar of langer in het verleden."
    ),
    R.GEEN_GELDIG_ZOEKPAD: "Niet gezocht: er is geen geldig zoekpad opgegeven.",
    R.MEERDERE_ZOEKPADEN_OPGEGEVEN: "Niet gezocht: er is meer dan één zoekpad opgegeven.",
}
VERZEKERDE = {
    berichten.VerzekerdeResultaat.ACTIEVE_VERZEKERINGEN: "Actief verzekerd op de peildatum.",
    berichten.VerzekerdeResultaat.DUBBELE_ACTIEVE_VERZEKERINGEN_GEVONDEN: (
        "Dubbel verzekerd: op de peildatum lopen basisverzekeringen bij meer dan één "
        "zorgverzekeraar."
    ),
    berichten.VerzekerdeResultaat.INACTIEVE_VERZEKERINGEN: (
        "Niet verzekerd op de peildatum: hieronder de laatst beëindigde verzekering(en)."
    ),
}
VERZEKERING = {
    berichten.VerzekeringResultaat.ACTIEF: "Actief",
    berichten.VerzekeringResultaat.INACTIEF: "Beëindigd",
    berichten.VerzekeringResultaat.NIET_GEAUTORISEERD_VOOR_ZORGVERZEKERAAR: (
        "Geen inzage: deze zorgverzekeraar heeft uw organisatie niet geautoriseerd"
    ),
}


class FormProblems(Exception):
    """What is wrong with the form, one Dutch sentence per field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _day(form: Mapping[str, str], key: str, label: str, problems: list[str]) -> dt.date | None:
    raw = form.get(key, "").strip()
    if not raw:
        problems.append(f"{label}: vul een datum in")
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{label}: '{raw}' is geen datum (JJJJ-MM-DD)")
        return None


def _digits(form: Mapping[str, str], key: str, label: str, size: range, problems: list[str]) -> str:
    raw = form.get(key, "").strip()
    if not (is_ascii_digits(raw) and len(raw) in size):
        problems.append(f"{label}: vul {size.start} tot en met {size.stop - 1} cijfers in")
    return raw


def _path_fields(zoekpad: str, form: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """The zoekopdracht's fields of one zoekpad: only that path's, so none is ever mixed in."""
    if zoekpad == "bsn":
        return {"bsn": _digits(form, "bsn", "BSN", range(9, 10), problems)}
    if zoekpad == "verzekerdennummer":
        number = form.get("verzekerdennummer", "").strip()
        if not (number.isascii() and number.isalnum() and len(number) <= 15):
            problems.append("Verzekerdennummer: vul 1 tot en met 15 letters of cijfers in")
        return {"verzekerdennummer": number}
    if zoekpad != "adres":
        problems.append(f"Zoekpad: '{zoekpad}' bestaat niet")
        return {}
    postcode = form.get("postcode", "").replace(" ", "").upper()
    if not _POSTCODE.match(postcode):
        problems.append("Postcode: vul een postcode in als 1234AB")
    number = _digits(form, "huisnummer", "Huisnummer", range(1, 6), problems)
    addition = form.get("toevoeging", "").strip()
    if len(addition) > 6:
        problems.append("Toevoeging: hoogstens 6 tekens")
    return {
        "postcode": postcode,
        "huisnummer": int(number) if is_ascii_digits(number) else 0,
        "huisnummertoevoeging": addition or None,
    }


def read_zoekopdracht(form: Mapping[str, str], *, today: dt.date) -> berichten.Zoekopdracht:
    """One zoekopdracht from the form; raises :class:`FormProblems` naming each wrong field."""
    problems: list[str] = []
    fields = _path_fields(form.get("zoekpad", ""), form, problems)
    born = _day(form, "geboortedatum", "Geboortedatum", problems)
    peildatum = _day(form, "peildatum", "Peildatum", problems) if form.get("peildatum") else today
    if problems or born is None or peildatum is None:
        raise FormProblems(problems)
    return berichten.Zoekopdracht(volgnummer=1, geboortedatum=born, peildatum=peildatum, **fields)


def insurer_name(state: gateway.GatewayState, uzovi: int) -> str:
    code = f"{uzovi:04d}"
    entry = vektis.UZOVI_REGISTER.get(code)
    return state.world.organisation_name(code) or (entry.name if entry else "onbekend")


def _may_check(request: web.Request) -> None:
    if Service.COV not in request[PERSON].account.services:
        raise gateway.AuthorizationError("uw account is niet geautoriseerd voor COV")


def _page(request: web.Request, **context: object) -> dict[str, object]:
    state = gateway.exchange_state(request)
    base: dict[str, object] = {
        "zoekpaden": ZOEKPADEN,
        "today": state.clock.today().isoformat(),
        "form": {},
        "problems": [],
        "result": None,
        "zoekpad": "",
        "texts": {"zoek": ZOEKRESULTATEN, "verzekerde": VERZEKERDE, "polis": VERZEKERING},
        "insurer": lambda uzovi: insurer_name(state, uzovi),
    }
    return {**base, **context}


async def form_page(request: web.Request) -> web.StreamResponse:
    _may_check(request)
    return render(request, "cov.html", _page(request))


async def search(request: web.Request) -> web.StreamResponse:
    """Ask COV once; the answer (or what is wrong with the form) on the same page."""
    _may_check(request)
    form = request[FORM]
    zoekpad = form.get("zoekpad", "")
    today = gateway.exchange_state(request).clock.today()
    try:
        question = read_zoekopdracht(form, today=today)
    except FormProblems as exc:
        gateway.note_outcome(request, f"refused: COV-formulier: {exc}")
        context = _page(request, form=form, problems=exc.problems, zoekpad=zoekpad)
        return render(request, "cov.html", context, status=400)
    answer = gateway.check_insurance(request, berichten.CovRequest(zoekopdrachten=(question,)))
    result = answer.zoekresultaten[0]
    gateway.note_outcome(request, f"COV op {ZOEKPADEN.get(zoekpad, zoekpad)}: {result.resultaat}")
    context = _page(request, form=form, result=result, question=question, zoekpad=zoekpad)
    return render(request, "cov.html", context)


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/cov", form_page)
    router.add_post("/cov", search)
