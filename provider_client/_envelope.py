"""From an EI file's voorlooprecord to the push metadata that must agree with it.

The exchange routes on the metadata and checks it against the payload: the berichtstroom names
the standard, version and subversion of the file, the geadresseerde is the UZOVI of the header,
and the afzender is the provider on whose behalf the file is sent (the instelling, else the
praktijk, else the individual zorgverlener), whoever's certificate makes the call.
"""

from __future__ import annotations

import vektis
from berichten import ROL_INSTELLING, ROL_PRAKTIJK, ROL_ZORGVERLENER, declaration_berichtstroom
from identifiers import is_ascii_digits
from provider_client._errors import ConfigurationError
from provider_client._values import DeclarationEnvelope, Party, Stream

__all__ = ["declarant_of", "declaration_envelope"]


def declaration_envelope(
    payload: bytes, *, traceer_id: str, conversatie_id: str, referentie_id: str | None = None
) -> DeclarationEnvelope:
    """The envelope of ``payload``; ConfigurationError when it is no EI declaration we can read."""
    header = _header(payload)
    standard = _standard(payload)
    uzovi = _code(header, "uzovi", 4)
    if not uzovi:
        raise ConfigurationError("the voorlooprecord names no UZOVI-nummer (field 0108)")
    stroom = declaration_berichtstroom(standard.name, standard.version, standard.subversion)
    return DeclarationEnvelope(
        afzender=declarant_of(header),
        uzovi=uzovi,
        stream=Stream(
            berichttype=stroom.berichttype,
            berichtversie=stroom.berichtversie,
            berichtsubversie=stroom.berichtsubversie,
            actie=stroom.actie,
        ),
        traceer_id=traceer_id,
        conversatie_id=conversatie_id,
        referentie_id=referentie_id,
    )


def declarant_of(header: vektis.Record) -> Party:
    """Instelling before praktijk before zorgverlener: the most specific organisation declares."""
    for key, rol in (
        ("instellingscode", ROL_INSTELLING),
        ("praktijkcode", ROL_PRAKTIJK),
        ("zorgverlenerscode", ROL_ZORGVERLENER),
    ):
        code = _code(header, key, 8)
        if code:
            return Party(rol=rol, code=code)
    raise ConfigurationError("the voorlooprecord names no zorgverlener, praktijk or instelling")


def _standard(payload: bytes) -> vektis.Standard:
    try:
        standard = vektis.detect_standard(payload)
    except vektis.VektisError as exc:
        raise ConfigurationError(f"not an EI file we know: {exc}") from None
    if standard.kind != "declaration":
        raise ConfigurationError(f"{standard.name} is not a declaration standard")
    return standard


def _header(payload: bytes) -> vektis.Record:
    try:
        first = next(iter(vektis.iter_records(payload)), None)
    except vektis.VektisError as exc:
        raise ConfigurationError(f"not an EI file we can read: {exc}") from None
    if first is None or first.record_type != "01":
        raise ConfigurationError("the file does not start with a voorlooprecord (01)")
    return first


def _code(record: vektis.Record, key: str, width: int) -> str:
    """A code field as text with its leading zeros; empty when blank or all zeros."""
    try:
        value = record.get(key)
    except vektis.VektisError:
        return ""
    text = str(value).strip() if value is not None else ""
    if not text or set(text) == {"0"}:
        return ""
    return text.zfill(width) if is_ascii_digits(text) else text
