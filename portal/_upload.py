"""What an upload holds and how it becomes a declaration's push metadata. Pure: bytes in.

VECOZO's upload page: "Upload as loose XML or ZIP; ZIP max 30 declaration messages; max file
size 25 MB; optional 'Eigen referentie' ≤100 chars (defaults to the filename); ZIP entries
processed separately." The exchange's own rules (who may send for whom, the technical check)
are the gateway's; this module only unpacks and addresses.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass

import berichten
import gateway
from portal._errors import UploadError
from portal._settings import MAX_REFERENCE, PortalSettings

__all__ = ["UploadedFile", "declaration_metadata", "files_of", "is_zip"]

# a local file header, or the end record of an empty archive
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadedFile:
    name: str  # the file's name, or the ZIP entry's
    data: bytes


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def files_of(name: str, data: bytes, *, settings: PortalSettings) -> list[UploadedFile]:
    """The declaration files of one upload: itself, or each file of a ZIP."""
    if not data:
        raise UploadError("Het bestand is leeg.")
    if not is_zip(data):
        return [UploadedFile(name=name, data=data)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _entries(archive, settings)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise UploadError(f"Het ZIP-bestand {name} is onleesbaar: {exc}") from None


def _entries(archive: zipfile.ZipFile, settings: PortalSettings) -> list[UploadedFile]:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if not infos:
        raise UploadError("Het ZIP-bestand bevat geen bestanden.")
    if len(infos) > settings.max_zip_files:
        raise UploadError(
            f"Het ZIP-bestand bevat {len(infos)} bestanden; maximaal "
            f"{settings.max_zip_files} per ZIP."
        )
    budget = settings.max_upload_bytes
    files = []
    for info in infos:
        # Read at most the budget plus one byte: a ZIP bomb's claimed sizes are not trusted.
        with archive.open(info) as entry:
            data = entry.read(budget + 1)
        budget -= len(data)
        if budget < 0:
            raise UploadError(
                f"De bestanden in de ZIP zijn samen groter dan "
                f"{settings.max_upload_bytes // (1024 * 1024)} MB."
            )
        if is_zip(data):
            raise UploadError(f"{info.filename}: een ZIP in een ZIP wordt niet verwerkt.")
        files.append(UploadedFile(name=info.filename.rsplit("/", 1)[-1], data=data))
    return files


def reference_for(given: str, file_name: str) -> str:
    """'Eigen referentie', defaulting to the file name, at most 100 characters."""
    reference = given.strip() or file_name
    return reference[:MAX_REFERENCE]


def _declarant(header: gateway.HeaderCodes) -> tuple[str, str]:
    """Instelling before praktijk before zorgverlener: the most specific organisation declares."""
    for code, rol in (
        (header.instellingscode, berichten.ROL_INSTELLING),
        (header.praktijkcode, berichten.ROL_PRAKTIJK),
        (header.zorgverlenerscode, berichten.ROL_ZORGVERLENER),
    ):
        if code:
            return rol, code
    raise UploadError("De voorlooprecord noemt geen zorgverlener, praktijk of instelling.")


def declaration_metadata(
    header: gateway.HeaderCodes, *, reference: str, afzender: tuple[str, str] | None = None
) -> bytes:
    """The berichtMetadata a declaration's push would carry, as JSON bytes; ``afzender``
    (rol, code): the provider a bureau chose, else the header's declarant."""
    rol, code = afzender or _declarant(header)
    if not header.uzovi:
        raise UploadError("De voorlooprecord noemt geen zorgverzekeraar (UZOVI-nummer).")
    stroom = berichten.declaration_berichtstroom(header.standard, header.version, header.subversion)
    metadata = {
        "routeringgegevens": {
            "afzender": {"rol": rol, "code": code},
            "geadresseerden": [{"rol": berichten.ROL_ZORGVERZEKERAAR, "code": header.uzovi}],
            "berichtstroom": stroom.to_json(),
        },
        "referentiegegevens": {
            "conversatieId": str(uuid.uuid4()),
            "traceerId": str(uuid.uuid4()),
            "referentieId": reference,
        },
    }
    return json.dumps(metadata).encode()
