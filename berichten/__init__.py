"""VECOZO wire contracts: berichtenservice envelope, statuses, problem details and COV SOAP.

Pure values and (de)serialisers; no I/O. Field names, limits and enums follow the published
OpenAPI documents (REST push v1, pull v1, berichtstatus v3) and the COV VZ801/802 messages.
"""

from berichten._conventions import (
    ACTIE_INDIENEN,
    ACTIE_RETOURNEREN,
    CONTEXT_INDIENER,
    DECLARANT_ROLES,
    ROL_INDIENER,
    ROL_INSTELLING,
    ROL_PRAKTIJK,
    ROL_ZORGVERLENER,
    ROL_ZORGVERZEKERAAR,
    declaration_berichtstroom,
    return_berichtstroom,
    standard_of,
)
from berichten._errors import (
    BerichtenError,
    CovJsonError,
    MetadataError,
    SoapFaultError,
    StatusError,
    ValidationError,
    ZoekpadError,
)
from berichten._metadata import (
    BerichtMetadata,
    Berichtstroom,
    Referentiegegevens,
    Relatie,
    Routeringgegevens,
    SleutelWaardePaar,
    metadata_to_json,
    parse_metadata,
    parse_metadata_json,
)
from berichten._pull import (
    Basisgegevens,
    Checksum,
    HTTPSDownload,
    PullBerichtMetadata,
    parse_pull_metadata,
    parse_pull_metadata_list,
    pull_metadata_to_json,
)

__all__ = [
    "ACTIE_INDIENEN",
    "ACTIE_RETOURNEREN",
    "CONTEXT_INDIENER",
    "DECLARANT_ROLES",
    "ROL_INDIENER",
    "ROL_INSTELLING",
    "ROL_PRAKTIJK",
    "ROL_ZORGVERLENER",
    "ROL_ZORGVERZEKERAAR",
    "Basisgegevens",
    "BerichtMetadata",
    "BerichtenError",
    "Berichtstroom",
    "Checksum",
    "CovJsonError",
    "HTTPSDownload",
    "MetadataError",
    "PullBerichtMetadata",
    "Referentiegegevens",
    "Relatie",
    "Routeringgegevens",
    "SleutelWaardePaar",
    "SoapFaultError",
    "StatusError",
    "ValidationError",
    "ZoekpadError",
    "declaration_berichtstroom",
    "metadata_to_json",
    "parse_metadata",
    "parse_metadata_json",
    "parse_pull_metadata",
    "parse_pull_metadata_list",
    "pull_metadata_to_json",
    "return_berichtstroom",
    "standard_of",
]
