"""COV VZ801/802 over SOAP 1.1: reading and writing the Controleer messages and faults.

Untrusted XML goes through defusedxml with DTDs forbidden outright: a COV message never needs
one, and refusing every DTD stops entity expansion (billion laughs) and external entities before
they happen. Every problem a sender can cause becomes a SoapFaultError (faultcode Client, or
VersionMismatch for a non-1.1 envelope), which the gateway renders with ``render_soap_fault``.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as fast_xml
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from berichten._cov_model import (
    MESSAGES_NS,
    SERVICE_NS,
    TYPES_NS,
    CovRequest,
    CovResponse,
    Geslacht,
    Retourberichtresultaat,
    SoortVerzekering,
    Verzekerde,
    VerzekerdeResultaat,
    Verzekering,
    VerzekeringResultaat,
    Zoekopdracht,
    Zoekresultaat,
    ZoekresultaatType,
    Zorgaanbieder,
)
from berichten._errors import SoapFaultError

__all__ = [
    "SOAP11_NS",
    "parse_cov_request",
    "parse_cov_response",
    "render_cov_request",
    "render_cov_response",
    "render_soap_fault",
]

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
_XS_DATE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$")
_NAMESPACES = f'xmlns:v1="{SERVICE_NS}" xmlns:mes="{MESSAGES_NS}" xmlns:typ="{TYPES_NS}"'


# ----------------------------------------------------------------------------- rendering


def _el(tag: str, value: object) -> str:
    """One element with escaped text; an absent optional (None) is left out entirely."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    if "&" in text or "<" in text or ">" in text:  # rarely: escape costs three replaces
        text = escape(text)
    return f"<{tag}>{text}</{tag}>"


def _envelope(body: str) -> bytes:
    head = f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11_NS}">'
    return f"{head}<s:Body>{body}</s:Body></s:Envelope>".encode()


def render_cov_request(request: CovRequest) -> bytes:
    """The SOAP 1.1 envelope a client posts (SOAPAction ``.../VZ801802/v1/Controleer``)."""
    parts = [f"<v1:Controleer {_NAMESPACES}><v1:request>"]
    if request.zorgaanbieder is not None:
        parts.append(
            "<mes:Zorgaanbieder>"
            + _el("typ:AGB-zorgverlenersoort", request.zorgaanbieder.agb_zorgverlenersoort)
            + _el("typ:AGB-nummer", request.zorgaanbieder.agb_nummer)
            + "</mes:Zorgaanbieder>"
        )
    parts.append("<mes:Zoekopdrachten>")
    parts.extend(_render_zoekopdracht(z) for z in request.zoekopdrachten)
    parts.append("</mes:Zoekopdrachten></v1:request></v1:Controleer>")
    return _envelope("".join(parts))


def _render_zoekopdracht(z: Zoekopdracht) -> str:
    fields = (
        ("Volgnummer", z.volgnummer),
        ("Geboortedatum", z.geboortedatum),
        ("Peildatum", z.peildatum),
        ("Bsn", z.bsn),
        ("Verzekerdenummer", z.verzekerdennummer),
        ("Postcode", z.postcode),
        ("ReferentieZorgaanbieder", z.referentie_zorgaanbieder),
        ("Huisnummer", z.huisnummer),
        ("Huisnummertoevoeging", z.huisnummertoevoeging),
    )
    return (
        "<typ:Zoekopdracht>"
        + "".join(_el(f"typ:{n}", v) for n, v in fields)
        + "</typ:Zoekopdracht>"
    )


_RESPONSE_HEAD = (
    f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11_NS}"><s:Body>'
    f"<v1:ControleerResponse {_NAMESPACES}><v1:ControleerResult>"
)
_RESPONSE_TAIL = "</v1:ControleerResult></v1:ControleerResponse></s:Body></s:Envelope>"


def render_cov_response(response: CovResponse) -> bytes:
    """The SOAP 1.1 envelope the exchange answers with.

    Written per element type with its fields in order, not by a generic ``_el`` per field: the
    answer is on every COV request's path and the generic form cost half its rendering time.
    Enumerations, numbers and dates never need escaping; only text goes through ``_escaped``.
    """
    results = "".join([_render_zoekresultaat(r) for r in response.zoekresultaten])
    return (
        f"{_RESPONSE_HEAD}<mes:Resultaat>{response.resultaat}</mes:Resultaat>"
        f"<mes:Zoekresultaten>{results}</mes:Zoekresultaten>{_RESPONSE_TAIL}"
    ).encode()


def _escaped(value: str) -> str:
    """Text as XML character data: escaped only when it holds ``&``, ``<`` or ``>`` (rare)."""
    if "&" in value or "<" in value or ">" in value:
        return escape(value)
    return value


def _opt(tag: str, value: str | None) -> str:
    """An optional text element; absent (None) is left out entirely."""
    return "" if value is None else f"<{tag}>{_escaped(value)}</{tag}>"


def _opt_date(tag: str, value: date | None) -> str:
    return "" if value is None else f"<{tag}>{value.isoformat()}</{tag}>"


def _render_zoekresultaat(r: Zoekresultaat) -> str:
    verzekerde = "" if r.verzekerde is None else _render_verzekerde(r.verzekerde)
    referentie = _opt("typ:ReferentieZorgaanbieder", r.referentie_zorgaanbieder)
    return (
        f"<typ:Zoekresultaat><typ:Volgnummer>{r.volgnummer}</typ:Volgnummer>"
        f"<typ:Resultaat>{r.resultaat}</typ:Resultaat>{referentie}{verzekerde}</typ:Zoekresultaat>"
    )


@functools.lru_cache(maxsize=4096)
def _render_verzekerde(v: Verzekerde) -> str:
    """The person found with their policies; kept per value, because the register's kept
    decisions hand the same Verzekerde to every answer about that person (hashing it costs
    a tenth of writing it). Equal values write equal text, so what is kept cannot go stale."""
    policies = "".join([_render_verzekering(p) for p in v.verzekeringen])
    return (
        f"<typ:Verzekerde><typ:Resultaat>{v.resultaat}</typ:Resultaat>"
        f"<typ:Geboortedatum>{v.geboortedatum.isoformat()}</typ:Geboortedatum>"
        f"<typ:Geslacht>{v.geslacht}</typ:Geslacht><typ:CodeGeslacht>{v.geslacht.code}"
        f"</typ:CodeGeslacht><typ:Overleden>{'true' if v.overleden else 'false'}</typ:Overleden>"
        + _opt("typ:Achternaam1", v.achternaam1)
        + _opt("typ:Voorvoegsel1", v.voorvoegsel1)
        + _opt("typ:Achternaam2", v.achternaam2)
        + _opt("typ:Voorvoegsel2", v.voorvoegsel2)
        + _opt("typ:Voorletters", v.voorletters)
        + _opt("typ:Bsn", v.bsn)
        + f"<typ:Verzekeringen>{policies}</typ:Verzekeringen></typ:Verzekerde>"
    )


def _render_verzekering(p: Verzekering) -> str:
    return (
        f"<typ:Verzekering><typ:Resultaat>{p.resultaat}</typ:Resultaat>"
        f"<typ:UZOVI>{p.uzovi}</typ:UZOVI>"
        + _opt("typ:Verzekerdenummer", p.verzekerdennummer)
        + f"<typ:SoortVerzekering>{p.soort_verzekering}</typ:SoortVerzekering>"
        + _opt("typ:Pakketcode", p.pakketcode)
        + _opt("typ:Pakketnaam", p.pakketnaam)
        + _opt("typ:Labelcode", p.labelcode)
        + _opt("typ:Labelnaam", p.labelnaam)
        + _opt_date("typ:Ingangsdatum", p.ingangsdatum)
        + _opt_date("typ:Einddatum", p.einddatum)
        + "</typ:Verzekering>"
    )


def render_soap_fault(error: SoapFaultError) -> bytes:
    """A SOAP 1.1 Fault (send with HTTP 500, as SOAP 1.1 over HTTP requires)."""
    body = (
        f"<s:Fault><faultcode>s:{escape(error.faultcode)}</faultcode>"
        f'<faultstring xml:lang="en">{escape(error.faultstring)}</faultstring></s:Fault>'
    )
    return _envelope(body)


# ----------------------------------------------------------------------------- reading


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _tree(xml: bytes) -> Element:
    """The parsed document; errors as defusedxml raises them.

    A document with neither ``<!`` nor a NUL byte cannot hold a DTD (nor a comment or CDATA):
    a DOCTYPE is the bytes ``<!`` in every encoding expat reads without NULs, because expat
    refuses an 8-bit encoding that moves ASCII markup characters (EBCDIC) and every multi-byte
    one but UTF-8 and UTF-16. Such a document goes to the C parser, three times faster than
    defusedxml's pure-Python one; everything else, and whatever the C parser refuses, goes
    through defusedxml as before, so a sender sees the same answer and the same fault text.
    """
    if b"<!" not in xml and b"\x00" not in xml:
        try:
            return fast_xml.fromstring(xml)  # noqa: S314 - no DTD possible, see above
        except (ParseError, LookupError, ValueError):
            pass  # defusedxml below says what is wrong, in the words a sender knows
    return safe_xml.fromstring(xml, forbid_dtd=True)


# The qualified names on every request's path, spelled once rather than per request.
_ENVELOPE = _q(SOAP11_NS, "Envelope")
_BODY = _q(SOAP11_NS, "Body")
_CONTROLEER = _q(SERVICE_NS, "Controleer")
_REQUEST = _q(SERVICE_NS, "request")
_ZORGAANBIEDER = _q(MESSAGES_NS, "Zorgaanbieder")
_ZOEKOPDRACHTEN = _q(MESSAGES_NS, "Zoekopdrachten")
_ZOEKOPDRACHT = _q(TYPES_NS, "Zoekopdracht")


def _body_child(xml: bytes) -> Element:
    """The first element inside soap:Body, after checking the envelope is SOAP 1.1."""
    try:
        root = _tree(xml)
    except DefusedXmlException as exc:
        raise SoapFaultError(
            f"DTDs and entity declarations are not allowed ({type(exc).__name__})."
        ) from None
    except ParseError as exc:
        raise SoapFaultError(f"The message is not well-formed XML: {exc}.") from None
    except LookupError as exc:  # <?xml encoding="..."?> names an encoding Python does not know
        raise SoapFaultError(f"The XML declaration names an unknown encoding: {exc}.") from None
    if not root.tag.endswith("}Envelope") and root.tag != "Envelope":
        raise SoapFaultError(f"The root element must be a SOAP Envelope, got {root.tag}.")
    if root.tag != _ENVELOPE:
        raise SoapFaultError(
            f"The Envelope must be in the SOAP 1.1 namespace {SOAP11_NS}, got {root.tag}.",
            faultcode="VersionMismatch",
        )
    body = root.find(_BODY)
    if body is None or len(body) == 0:
        raise SoapFaultError("The SOAP Envelope has no Body content.")
    return body[0]


def _child(parent: Element, ns: str, name: str, *, required: bool = True) -> Element | None:
    found = parent.find(_q(ns, name))
    if found is None and required:
        raise SoapFaultError(f"Element {name} ({ns}) is missing in {_local(parent.tag)}.")
    return found


def _text(parent: Element, ns: str, name: str, *, required: bool = False) -> str | None:
    node = _child(parent, ns, name, required=required)
    if node is None:
        return None
    text = (node.text or "").strip()
    if not text and required:
        raise SoapFaultError(f"Element {name} in {_local(parent.tag)} is empty.")
    return text or None


def _convert(
    parent: Element, name: str, required: bool, kind: str, convert: Callable[[str], object]
) -> object:
    text = _text(parent, TYPES_NS, name, required=required)
    if text is None:
        return None
    try:
        return convert(text)
    except ValueError:
        raise SoapFaultError(f"Element {name} must be {kind}, got {text!r}.") from None


@functools.lru_cache(maxsize=4096)
def _xs_date(text: str) -> date:
    """An xs:date's day; kept per text, as every request repeats today's peildatum (and a
    date is immutable; a ValueError is raised afresh, never kept)."""
    match = _XS_DATE.match(text)
    if match is None:
        raise ValueError(text)
    return date.fromisoformat(match.group(1))


def _xs_short(text: str) -> int:
    value = int(text)
    if not -32768 <= value <= 32767:
        raise ValueError(text)
    return value


def _xs_boolean(text: str) -> bool:
    if text not in ("true", "false", "1", "0"):
        raise ValueError(text)
    return text in ("true", "1")


def _date(parent: Element, name: str, *, required: bool = False) -> date | None:
    value = _convert(parent, name, required, "an xs:date (YYYY-MM-DD)", _xs_date)
    return value if isinstance(value, date) else None


def _int(parent: Element, name: str, *, required: bool = False, short: bool = False) -> int | None:
    value = _convert(parent, name, required, "an integer", _xs_short if short else int)
    return value if isinstance(value, int) else None


def _enum(parent: Element, name: str, enum: type[E], *, required: bool = True) -> E | None:
    allowed = ", ".join(e.value for e in enum)
    value = _convert(parent, name, required, f"one of {allowed}", enum)
    return value if isinstance(value, enum) else None


def _present(value: T | None, name: str) -> T:
    """Narrow a required value (the readers already raised when it was absent)."""
    if value is None:
        raise SoapFaultError(f"Element {name} is missing.")
    return value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_cov_request(xml: bytes) -> CovRequest:
    """Read a Controleer request; SoapFaultError names the first problem found."""
    operation = _body_child(xml)
    if operation.tag != _CONTROLEER:
        raise SoapFaultError(
            f"Expected operation Controleer in namespace {SERVICE_NS}, got {operation.tag}."
        )
    request = operation.find(_REQUEST)
    if request is None:
        raise SoapFaultError(f"Element request ({SERVICE_NS}) is missing in Controleer.")
    zorgaanbieder = None
    node = request.find(_ZORGAANBIEDER)
    if node is not None:
        zorgaanbieder = Zorgaanbieder(
            agb_zorgverlenersoort=_text(node, TYPES_NS, "AGB-zorgverlenersoort", required=True)
            or "",
            agb_nummer=_text(node, TYPES_NS, "AGB-nummer", required=True) or "",
        )
    container = request.find(_ZOEKOPDRACHTEN)
    found = () if container is None else tuple(container)
    for node in found:
        # A Zoekopdracht in another namespace is a different element, not one to skip silently.
        if node.tag != _ZOEKOPDRACHT:
            raise SoapFaultError(f"Unexpected element {node.tag} in Zoekopdrachten.")
    return CovRequest(
        zoekopdrachten=tuple([_read_zoekopdracht(z) for z in found]), zorgaanbieder=zorgaanbieder
    )


_DATE_KIND = "an xs:date (YYYY-MM-DD)"
# The Zoekopdracht fields read, by qualified name (types namespace) -> local name.
_ZOEK_FIELDS = {
    _q(TYPES_NS, name): name
    for name in (
        "Volgnummer",
        "Geboortedatum",
        "Peildatum",
        "Bsn",
        "Verzekerdenummer",
        "Postcode",
        "Huisnummer",
        "Huisnummertoevoeging",
        "ReferentieZorgaanbieder",
    )
}


def _typed_texts(node: Element) -> dict[str, str]:
    """The stripped text of each Zoekopdracht field among the direct children, by local name.

    The first child of a name wins, as ``find`` gives it: one pass over the children instead of
    a ``find`` per field, for the message every COV request carries up to 20 of.
    """
    texts: dict[str, str] = {}
    for child in node:
        name = _ZOEK_FIELDS.get(child.tag)
        if name is not None and name not in texts:
            texts[name] = (child.text or "").strip()
    return texts


def _required(texts: dict[str, str], node: Element, name: str) -> str:
    """A required field's text; the same faults as ``_text(..., required=True)``."""
    text = texts.get(name)
    if text is None:
        raise SoapFaultError(f"Element {name} ({TYPES_NS}) is missing in {_local(node.tag)}.")
    if not text:
        raise SoapFaultError(f"Element {name} in {_local(node.tag)} is empty.")
    return text


def _read_required(texts: dict[str, str], node: Element) -> tuple[int, date, date]:
    """The required fields in order, raising the fault for the first one missing or wrong."""
    volgnummer = _converted(
        _required(texts, node, "Volgnummer"), "Volgnummer", "an integer", _xs_short
    )
    geboortedatum = _converted(
        _required(texts, node, "Geboortedatum"), "Geboortedatum", _DATE_KIND, _xs_date
    )
    peildatum = _converted(_required(texts, node, "Peildatum"), "Peildatum", _DATE_KIND, _xs_date)
    return volgnummer, geboortedatum, peildatum


def _converted(text: str, name: str, kind: str, convert: Callable[[str], T]) -> T:
    try:
        return convert(text)
    except ValueError:
        raise SoapFaultError(f"Element {name} must be {kind}, got {text!r}.") from None


def _read_zoekopdracht(node: Element) -> Zoekopdracht:
    texts = _typed_texts(node)
    try:  # the usual case in one go; any problem is named by the field-by-field reading below
        volgnummer = _xs_short(texts["Volgnummer"])
        geboortedatum = _xs_date(texts["Geboortedatum"])
        peildatum = _xs_date(texts["Peildatum"])
    except (KeyError, ValueError):
        volgnummer, geboortedatum, peildatum = _read_required(texts, node)
    huisnummer = texts.get("Huisnummer") or None
    return Zoekopdracht(
        volgnummer=volgnummer,
        geboortedatum=geboortedatum,
        peildatum=peildatum,
        bsn=texts.get("Bsn") or None,
        verzekerdennummer=texts.get("Verzekerdenummer") or None,
        postcode=texts.get("Postcode") or None,
        huisnummer=None
        if huisnummer is None
        else _converted(huisnummer, "Huisnummer", "an integer", int),
        huisnummertoevoeging=texts.get("Huisnummertoevoeging") or None,
        referentie_zorgaanbieder=texts.get("ReferentieZorgaanbieder") or None,
    )


def parse_cov_response(xml: bytes) -> CovResponse:
    """Read a ControleerResponse; a SOAP Fault in the body is raised as SoapFaultError."""
    answer = _body_child(xml)
    if answer.tag == _q(SOAP11_NS, "Fault"):
        code = (answer.findtext("faultcode") or "Server").rsplit(":", 1)[-1]
        raise SoapFaultError(answer.findtext("faultstring") or "", faultcode=code)
    if answer.tag != _q(SERVICE_NS, "ControleerResponse") or len(answer) == 0:
        raise SoapFaultError(
            f"Expected ControleerResponse in namespace {SERVICE_NS}, got {answer.tag}."
        )
    result = answer[0]
    resultaat = _convert_in(result, MESSAGES_NS, "Resultaat", Retourberichtresultaat)
    container = _child(result, MESSAGES_NS, "Zoekresultaten", required=False)
    found = [] if container is None else container.findall(_q(TYPES_NS, "Zoekresultaat"))
    return CovResponse(
        resultaat=resultaat, zoekresultaten=tuple(_read_zoekresultaat(z) for z in found)
    )


def _convert_in(parent: Element, ns: str, name: str, enum: type[E]) -> E:
    text = _text(parent, ns, name, required=True) or ""
    try:
        return enum(text)
    except ValueError:
        raise SoapFaultError(f"Element {name} has unknown value {text!r}.") from None


def _read_zoekresultaat(node: Element) -> Zoekresultaat:
    volgnummer = _present(_int(node, "Volgnummer", required=True, short=True), "Volgnummer")
    resultaat = _present(_enum(node, "Resultaat", ZoekresultaatType), "Resultaat")
    verzekerde = _child(node, TYPES_NS, "Verzekerde", required=False)
    return Zoekresultaat(
        volgnummer=volgnummer,
        resultaat=resultaat,
        referentie_zorgaanbieder=_text(node, TYPES_NS, "ReferentieZorgaanbieder"),
        verzekerde=None if verzekerde is None else _read_verzekerde(verzekerde),
    )


def _read_verzekerde(node: Element) -> Verzekerde:
    resultaat = _present(_enum(node, "Resultaat", VerzekerdeResultaat), "Resultaat")
    geboortedatum = _present(_date(node, "Geboortedatum", required=True), "Geboortedatum")
    geslacht = _present(_enum(node, "Geslacht", Geslacht), "Geslacht")
    overleden = _convert(node, "Overleden", False, "an xs:boolean", _xs_boolean)
    container = _child(node, TYPES_NS, "Verzekeringen", required=False)
    found = [] if container is None else container.findall(_q(TYPES_NS, "Verzekering"))
    return Verzekerde(
        resultaat=resultaat,
        geboortedatum=geboortedatum,
        geslacht=geslacht,
        overleden=overleden is True,
        achternaam1=_text(node, TYPES_NS, "Achternaam1") or "",
        voorvoegsel1=_text(node, TYPES_NS, "Voorvoegsel1"),
        achternaam2=_text(node, TYPES_NS, "Achternaam2"),
        voorvoegsel2=_text(node, TYPES_NS, "Voorvoegsel2"),
        voorletters=_text(node, TYPES_NS, "Voorletters"),
        bsn=_text(node, TYPES_NS, "Bsn"),
        verzekeringen=tuple(_read_verzekering(v) for v in found),
    )


def _read_verzekering(node: Element) -> Verzekering:
    resultaat = _present(_enum(node, "Resultaat", VerzekeringResultaat), "Resultaat")
    uzovi = _present(_int(node, "UZOVI", required=True, short=True), "UZOVI")
    soort = _present(_enum(node, "SoortVerzekering", SoortVerzekering), "SoortVerzekering")
    return Verzekering(
        resultaat=resultaat,
        uzovi=uzovi,
        verzekerdennummer=_text(node, TYPES_NS, "Verzekerdenummer", required=True) or "",
        soort_verzekering=soort,
        pakketcode=_text(node, TYPES_NS, "Pakketcode"),
        pakketnaam=_text(node, TYPES_NS, "Pakketnaam"),
        labelcode=_text(node, TYPES_NS, "Labelcode"),
        labelnaam=_text(node, TYPES_NS, "Labelnaam"),
        ingangsdatum=_date(node, "Ingangsdatum"),
        einddatum=_date(node, "Einddatum"),
    )
