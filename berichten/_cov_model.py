"""COV VZ801/802 (Controle op Verzekeringsgegevens): the request and response values.

Element names and enumerations are those of the VZ801/802 messages (operation ``Controleer``):
a request holds 1..20 Zoekopdracht, each answered by one Zoekresultaat that may carry the
Verzekerde with the Verzekeringen valid on the peildatum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "MAX_ZOEKOPDRACHTEN",
    "MESSAGES_NS",
    "SERVICE_NS",
    "SOAP_ACTION",
    "TYPES_NS",
    "CovRequest",
    "CovResponse",
    "Geslacht",
    "Retourberichtresultaat",
    "SoortVerzekering",
    "Verzekerde",
    "VerzekerdeResultaat",
    "Verzekering",
    "VerzekeringResultaat",
    "Zoekopdracht",
    "Zoekresultaat",
    "ZoekresultaatType",
    "Zorgaanbieder",
]

SERVICE_NS = "http://schemas.vecozo.nl/VZ801802/v1"
MESSAGES_NS = f"{SERVICE_NS}/messages"
TYPES_NS = f"{SERVICE_NS}/types"
SOAP_ACTION = f"{SERVICE_NS}/Controleer"
MAX_ZOEKOPDRACHTEN = 20  # more is answered with Resultaat MeerDan20Zoekopdrachten


class Retourberichtresultaat(StrEnum):
    """Result of the whole request (RetourberichtresultaatType)."""

    GEEN_ZOEKOPDRACHTEN = "GeenZoekopdrachten"
    MEER_DAN_20_ZOEKOPDRACHTEN = "MeerDan20Zoekopdrachten"
    VERZOEK_AKKOORD = "VerzoekAkkoord"


class ZoekresultaatType(StrEnum):
    """Result of one zoekopdracht."""

    BSN_ONBEKEND = "BsnOnbekend"
    BSN_VOLDOET_NIET_AAN_ELF_PROEF = "BsnVoldoetNietAanElfProef"
    COMBINATIE_BSN_GEBOORTEDATUM_ONBEKEND = "CombinatieBsnGeboortedatumOnbekend"
    GEEN_GELDIG_ZOEKPAD = "GeenGeldigZoekpad"
    GEVONDEN = "Gevonden"
    GEVONDEN_PEILDATUM_IN_TOEKOMST = "GevondenPeildatumInToekomst"
    MEERDERE_ZOEKPADEN_OPGEGEVEN = "MeerdereZoekpadenOpgegeven"
    MEERDERE_PERSONEN_GEVONDEN = "MeerderePersonenGevonden"
    NIET_GEVONDEN = "NietGevonden"
    PEILDATUM_2_JAAR_OF_OUDER = "Peildatum2JaarOfOuder"


class VerzekerdeResultaat(StrEnum):
    """Whether the person found has active insurance on the peildatum."""

    ACTIEVE_VERZEKERINGEN = "ActieveVerzekeringen"
    DUBBELE_ACTIEVE_VERZEKERINGEN_GEVONDEN = "DubbeleActieveVerzekeringenGevonden"
    INACTIEVE_VERZEKERINGEN = "InactieveVerzekeringen"


class Geslacht(StrEnum):
    MAN = "Man"
    VROUW = "Vrouw"
    ONBEKEND = "Onbekend"
    NIET_GESPECIFICEERD = "NietGespecificeerd"

    @property
    def code(self) -> int:
        """Vektis COD134 as sent in CodeGeslacht: 1 man, 2 vrouw, 0 onbekend, 9 n.g."""
        return _GESLACHT_CODES[self.value]


_GESLACHT_CODES = {"Man": 1, "Vrouw": 2, "Onbekend": 0, "NietGespecificeerd": 9}


class VerzekeringResultaat(StrEnum):
    ACTIEF = "Actief"
    INACTIEF = "Inactief"
    NIET_GEAUTORISEERD_VOOR_ZORGVERZEKERAAR = "NietGeautoriseerdVoorZorgverzekeraar"


class SoortVerzekering(StrEnum):
    AANVULLEND = "Aanvullend"
    AANVULLEND_PLUS_TAND = "AanvullendPlusTand"
    AWBZ = "AWBZ"
    BASIS = "Basis"
    HOOFDVERZEKERING = "Hoofdverzekering"
    TAND = "Tand"


@dataclass(frozen=True, slots=True, kw_only=True)
class Zorgaanbieder:
    """The asking provider, its AGB code split as the message wants it (2 + 6 digits)."""

    agb_zorgverlenersoort: str
    agb_nummer: str

    @classmethod
    def from_agb(cls, agb: str) -> Zorgaanbieder:
        return cls(agb_zorgverlenersoort=agb[:2], agb_nummer=agb[2:])

    @property
    def agb(self) -> str:
        return self.agb_zorgverlenersoort + self.agb_nummer


@dataclass(frozen=True, slots=True, kw_only=True)
class Zoekopdracht:
    """One question. Exactly one search path must be given: bsn, verzekerdennummer, or
    postcode + huisnummer (+ toevoeging); geboortedatum and peildatum always.
    """

    volgnummer: int
    geboortedatum: date
    peildatum: date
    bsn: str | None = None
    verzekerdennummer: str | None = None
    postcode: str | None = None
    huisnummer: int | None = None
    huisnummertoevoeging: str | None = None
    referentie_zorgaanbieder: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CovRequest:
    """A Controleer request; any count is representable (0 or > 20 is answered, not refused)."""

    zoekopdrachten: tuple[Zoekopdracht, ...]
    zorgaanbieder: Zorgaanbieder | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Verzekering:
    """One policy of the person found. UZOVI is an xs:short on the wire (0101 -> 101)."""

    resultaat: VerzekeringResultaat
    uzovi: int
    verzekerdennummer: str
    soort_verzekering: SoortVerzekering
    pakketcode: str | None = None
    pakketnaam: str | None = None
    labelcode: str | None = None
    labelnaam: str | None = None
    ingangsdatum: date | None = None
    einddatum: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Verzekerde:
    """The person found, with the policies relevant on the peildatum."""

    resultaat: VerzekerdeResultaat
    geboortedatum: date
    geslacht: Geslacht
    overleden: bool
    achternaam1: str
    voorvoegsel1: str | None = None
    achternaam2: str | None = None
    voorvoegsel2: str | None = None
    voorletters: str | None = None
    bsn: str | None = None
    verzekeringen: tuple[Verzekering, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Zoekresultaat:
    """The answer to the zoekopdracht with the same volgnummer."""

    volgnummer: int
    resultaat: ZoekresultaatType
    referentie_zorgaanbieder: str | None = None
    verzekerde: Verzekerde | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CovResponse:
    """A ControleerResponse."""

    resultaat: Retourberichtresultaat
    zoekresultaten: tuple[Zoekresultaat, ...] = ()
