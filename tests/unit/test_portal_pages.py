"""The pure parts of the portal's Berichtloket, COV and toestemmingen pages: reading the COV
form into one zoekopdracht, the afzender of a bureau's chosen provider, which messages fill
which box, the ZIP of a download, the toestemmingen a page lists."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

import berichten
import gateway
from portal._berichtloket import box_kind, totals_of, zipped
from portal._cov import FormProblems, read_zoekopdracht
from portal._errors import UploadError
from portal._toestemmingen import afzender_for, verklaringen
from world import Account, AccountKind, OrganisationKind, World, generate_world

TODAY = dt.date(2026, 6, 1)
BORN = {"geboortedatum": "1980-05-17"}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=1, persons=20)


def _header(**codes: str) -> gateway.HeaderCodes:
    return gateway.HeaderCodes(standard="MZ301", version=1, subversion=3, uzovi="3311", **codes)


def test_each_zoekpad_takes_only_its_own_fields() -> None:
    everything = {
        "bsn": "999900006",
        "verzekerdennummer": "900000001",
        "postcode": "6521 ab",
        "huisnummer": "8",
        "toevoeging": "a",
        **BORN,
    }
    by_bsn = read_zoekopdracht({**everything, "zoekpad": "bsn"}, today=TODAY)
    by_number = read_zoekopdracht({**everything, "zoekpad": "verzekerdennummer"}, today=TODAY)
    by_address = read_zoekopdracht({**everything, "zoekpad": "adres"}, today=TODAY)

    assert (by_bsn.bsn, by_bsn.verzekerdennummer, by_bsn.postcode) == ("999900006", None, None)
    assert (by_number.bsn, by_number.verzekerdennummer) == (None, "900000001")
    assert (by_address.postcode, by_address.huisnummer, by_address.huisnummertoevoeging) == (
        "6521AB",
        8,
        "a",
    )
    assert by_address.bsn is None
    assert by_bsn.geboortedatum == dt.date(1980, 5, 17)
    assert by_bsn.peildatum == TODAY  # not given: today on the exchange's clock


def test_a_given_peildatum_is_kept() -> None:
    found = read_zoekopdracht(
        {"zoekpad": "bsn", "bsn": "999900006", "peildatum": "2026-01-02", **BORN}, today=TODAY
    )
    assert found.peildatum == dt.date(2026, 1, 2)


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"zoekpad": "bsn", "bsn": "99990000", **BORN}, "BSN: vul 9 tot en met 9 cijfers in"),
        ({"zoekpad": "bsn", "bsn": "٩٩٩٩٠٠٠٠٦", **BORN}, "BSN: vul 9 tot en met 9 cijfers in"),
        ({"zoekpad": "bsn", "bsn": "999900006"}, "Geboortedatum: vul een datum in"),
        (
            {"zoekpad": "bsn", "bsn": "999900006", "geboortedatum": "17-05-1980"},
            "Geboortedatum: '17-05-1980' is geen datum (JJJJ-MM-DD)",
        ),
        (
            {"zoekpad": "verzekerdennummer", "verzekerdennummer": "9" * 16, **BORN},
            "Verzekerdennummer: vul 1 tot en met 15 letters of cijfers in",
        ),
        (
            {"zoekpad": "adres", "postcode": "0521AB", "huisnummer": "8", **BORN},
            "Postcode: vul een postcode in als 1234AB",
        ),
        (
            {"zoekpad": "adres", "postcode": "6521AB", "huisnummer": "", **BORN},
            "Huisnummer: vul 1 tot en met 5 cijfers in",
        ),
        ({"zoekpad": "naam", **BORN}, "Zoekpad: 'naam' bestaat niet"),
    ],
)
def test_a_form_mistake_names_the_field(form: dict[str, str], problem: str) -> None:
    with pytest.raises(FormProblems) as raised:
        read_zoekopdracht(form, today=TODAY)
    assert problem in raised.value.problems


def test_a_chosen_provider_is_the_afzender_where_the_header_names_it(world: World) -> None:
    header = _header(zorgverlenerscode="12100001", praktijkcode="12050001")
    assert afzender_for(header, "12050001", world) == (berichten.ROL_PRAKTIJK, "12050001")
    assert afzender_for(header, "", world) is None  # the header's own declarant
    with pytest.raises(UploadError, match="niet van de gekozen zorgaanbieder 87050001"):
        afzender_for(header, "87050001", world)


def test_the_boxes_of_an_insurer_and_of_a_provider_are_mirrored() -> None:
    def caller(kind: OrganisationKind) -> gateway.Caller:
        account = Account(
            user_number="2" * 14,
            organisation="12050001",
            kind=AccountKind.PERSON,
            name="x",
            services=frozenset(),  # not asked: the box depends on the organisation's kind
        )
        return gateway.Caller(account=account, kind=kind, serial=1)

    insurer, provider = caller(OrganisationKind.INSURER), caller(OrganisationKind.PROVIDER)
    assert (box_kind(insurer, "inbox"), box_kind(insurer, "outbox")) == ("declaration", "return")
    assert (box_kind(provider, "inbox"), box_kind(provider, "outbox")) == ("return", "declaration")


def test_a_zipped_download_holds_the_file_and_is_stable() -> None:
    when = dt.datetime(2026, 5, 4, 3, 2, 8, tzinfo=dt.UTC)  # ZIP keeps even seconds
    first, second = (
        zipped("MZ302-x.asc", b"data", when=when),
        zipped("MZ302-x.asc", b"data", when=when),
    )
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.read("MZ302-x.asc") == b"data"
        assert archive.getinfo("MZ302-x.asc").date_time == (2026, 5, 4, 3, 2, 8)
    assert first == second


def test_no_totals_from_a_file_that_is_no_ei_file() -> None:
    assert totals_of(b"PK\x03\x04 not an EI file") is None


def test_a_bureau_lists_what_it_holds_a_provider_what_it_gave(world: World) -> None:
    today = next(t.valid_from for t in world.toestemmingen if t.provider == "12050001")
    held = {(v.provider, v.state) for v in verklaringen(world, "98100001", today)}
    given = {(v.bureau, v.state) for v in verklaringen(world, "12050001", today)}
    insurer = verklaringen(world, "3311", today)
    later = verklaringen(world, "98100001", dt.date(today.year + 5, 1, 1))
    earlier = verklaringen(world, "98100001", dt.date(today.year - 5, 1, 1))

    assert ("12050001", "Geldig") in held
    assert ("94050001", "Verlopen") in held
    assert given == {("98100001", "Geldig")}
    assert insurer == []
    assert {v.state for v in later} == {"Verlopen"}
    assert {v.state for v in earlier} == {"Nog niet geldig"}
