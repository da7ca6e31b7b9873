"""The exchange's use of the Vektis library: read the voorlooprecord, check a file technically.

Kept apart so the handlers deal in the gateway's own values (``HeaderCodes`` and meldingen as
the status API shows them) and never in the codec's records.
"""

from __future__ import annotations

from collections.abc import Mapping

import vektis
from gateway._routing import HeaderCodes

__all__ = ["findings_as_meldingen", "read_header"]


def read_header(first_bytes: bytes) -> HeaderCodes | None:
    """The routing codes of the voorlooprecord in the first line; None if it cannot be read.

    A file whose header cannot be read is not refused here: it is accepted and then rejected
    by the technical check with a melding that says why, as the real service does.
    """
    try:
        header = vektis.Header.read(first_bytes)
    except vektis.VektisError:
        return None
    return HeaderCodes(
        standard=header.standard.name,
        version=header.standard.version,
        subversion=header.standard.subversion,
        uzovi=header.uzovi or None,
        zorgverlenerscode=header.zorgverlenerscode or None,
        praktijkcode=header.praktijkcode or None,
        instellingscode=header.instellingscode or None,
    )


def findings_as_meldingen(data: bytes) -> list[Mapping[str, str]]:
    """Technical errors of an EI file as status meldingen (code, omschrijving, toelichting).

    The toelichting names the record (line number and type) and the field, so a vendor can find
    the fault without the Vektis tooling.
    """
    meldingen: list[Mapping[str, str]] = []
    for finding in vektis.validate(data)[:100]:  # the status API allows at most 100 meldingen
        where = f"record {finding.record} ({finding.record_type})"
        if finding.field:
            where += f", veld {finding.field}"
        meldingen.append(
            {"code": finding.code, "omschrijving": finding.message, "toelichting": where}
        )
    return meldingen
