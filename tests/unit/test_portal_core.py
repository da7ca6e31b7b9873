"""The portal's pure parts: TOTP codes, sessions, what an upload holds, a return line by line.

The pages themselves are tested over HTTP and in Chromium (tests/portal_e2e).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pyotp
import pytest

import gateway
import vektis
from portal._errors import UploadError
from portal._returns import read_return
from portal._sessions import SessionStore
from portal._settings import PortalSettings
from portal._totp import STEP_SECONDS, accepted_step
from portal._upload import declaration_metadata, files_of, reference_for

SECRET = pyotp.random_base32()
NOW = 1_764_566_400.0  # a multiple of 30 s: the start of a time step


# -- TOTP (RFC 6238) ---------------------------------------------------------------------


def _code(at: float) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_the_current_code_is_accepted_and_names_its_step() -> None:
    assert accepted_step(SECRET, _code(NOW), now=NOW, last_step=-1) == NOW // STEP_SECONDS


def test_one_step_of_drift_either_way_is_accepted_two_are_not() -> None:
    step = int(NOW // STEP_SECONDS)
    assert accepted_step(SECRET, _code(NOW - 30), now=NOW, last_step=-1) == step - 1
    assert accepted_step(SECRET, _code(NOW + 30), now=NOW, last_step=-1) == step + 1
    assert accepted_step(SECRET, _code(NOW - 60), now=NOW, last_step=-1) is None
    assert accepted_step(SECRET, _code(NOW + 60), now=NOW, last_step=-1) is None


def test_a_code_is_accepted_once_and_no_older_one_after_it() -> None:
    step = accepted_step(SECRET, _code(NOW), now=NOW, last_step=-1)
    assert step is not None
    assert accepted_step(SECRET, _code(NOW), now=NOW + 5, last_step=step) is None
    assert accepted_step(SECRET, _code(NOW - 30), now=NOW + 5, last_step=step) is None
    assert accepted_step(SECRET, _code(NOW + 30), now=NOW + 5, last_step=step) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "abcdef"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert accepted_step(SECRET, typed, now=NOW, last_step=-1) is None


def test_a_code_typed_with_a_space_counts() -> None:
    code = _code(NOW)
    assert accepted_step(SECRET, f"{code[:3]} {code[3:]}", now=NOW, last_step=-1) is not None


# -- sessions ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _store(**settings: float) -> tuple[SessionStore, Clock]:
    clock = Clock()
    return SessionStore(PortalSettings(**settings), clock), clock  # type: ignore[arg-type]


def test_logging_in_gives_a_fresh_id_and_csrf_token_and_ends_the_old_one() -> None:
    store, _ = _store()
    first = store.start(user_number="21205000100001", serial=7)
    logged = store.log_in(first)
    assert logged.logged_in
    assert (logged.id, logged.csrf) != (first.id, first.csrf)
    assert store.get(first.id) is None
    assert store.get(logged.id) == logged


def test_a_session_expires_after_its_idle_time_and_its_maximum() -> None:
    store, clock = _store(session_idle_seconds=60, session_max_seconds=150)
    session = store.log_in(store.start(user_number="u", serial=1))
    clock.now += 59
    assert store.get(session.id) is not None  # seen: the idle time starts again
    clock.now += 59
    assert store.get(session.id) is not None
    clock.now += 40  # 158 s after the login: past the maximum although not idle
    assert store.get(session.id) is None
    other = store.start(user_number="u", serial=1)
    clock.now += 61
    assert store.get(other.id) is None


def test_wrong_codes_end_the_session_after_the_allowed_attempts() -> None:
    store, _ = _store(login_attempts=3)
    session = store.start(user_number="u", serial=1)
    for _ in range(2):
        counted = store.failed(session)
        assert counted is not None
        session = counted
    assert store.failed(session) is None
    assert store.get(session.id) is None


# -- uploads -----------------------------------------------------------------------------

SMALL = PortalSettings(max_upload_bytes=1000, max_zip_files=3)


def _zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_loose_file_is_one_file_and_a_zip_each_of_its_files() -> None:
    assert [f.name for f in files_of("a.asc", b"01...", settings=SMALL)] == ["a.asc"]
    archive = _zip(("map/a.asc", b"A"), ("b.asc", b"B"), ("map/", b""))
    found = files_of("x.zip", archive, settings=SMALL)
    assert [(f.name, f.data) for f in found] == [("a.asc", b"A"), ("b.asc", b"B")]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "leeg"),
        (_zip(*((f"{n}.asc", b"x") for n in range(4))), "4 bestanden; maximaal 3"),
        (_zip(("a.asc", b"0" * 600), ("b.asc", b"0" * 600)), "groter dan"),
        (_zip(("bom.asc", b"0" * 100_000)), "groter dan"),  # claims are not trusted
        (_zip(("in.zip", _zip(("a.asc", b"A")))), "ZIP in een ZIP"),
        (_zip(), "geen bestanden"),
        (b"PK\x03\x04 not really", "onleesbaar"),
    ],
)
def test_uploads_the_portal_does_not_take_say_why(data: bytes, says: str) -> None:
    with pytest.raises(UploadError, match=says):
        files_of("upload.zip", data, settings=SMALL)


def test_the_reference_defaults_to_the_file_name_and_is_cut_at_100() -> None:
    assert reference_for("  ", "week48.asc") == "week48.asc"
    assert reference_for("eigen", "week48.asc") == "eigen"
    assert reference_for("x" * 150, "f") == "x" * 100


@pytest.mark.parametrize(
    ("codes", "declarant"),
    [
        ({"praktijkcode": "12050001", "zorgverlenerscode": "12100001"}, ("Praktijk", "12050001")),
        ({"zorgverlenerscode": "12100001"}, ("Zorgverlener", "12100001")),
        ({"instellingscode": "75750001", "praktijkcode": "1"}, ("Instelling", "75750001")),
    ],
)
def test_the_most_specific_organisation_of_the_header_declares(
    codes: dict[str, str], declarant: tuple[str, str]
) -> None:
    header = gateway.HeaderCodes(standard="MZ301", version=1, subversion=3, uzovi="3311", **codes)
    metadata = json.loads(declaration_metadata(header, reference="r"))
    route = metadata["routeringgegevens"]
    assert (route["afzender"]["rol"], route["afzender"]["code"]) == declarant
    assert route["geadresseerden"] == [{"rol": "Zorgverzekeraar", "code": "3311"}]
    assert route["berichtstroom"] == {
        "berichttype": "MZ301",
        "berichtversie": 1,
        "berichtsubversie": 3,
        "actie": "Indienen",
    }
    assert metadata["referentiegegevens"]["referentieId"] == "r"
    gateway.read_submission(json.dumps(metadata).encode())  # the push schema takes it


def test_a_header_without_declarant_or_insurer_is_refused() -> None:
    header = gateway.HeaderCodes(standard="MZ301", version=1, subversion=3, uzovi="3311")
    with pytest.raises(UploadError, match="zorgverlener, praktijk of instelling"):
        declaration_metadata(header, reference="r")
    header = gateway.HeaderCodes(
        standard="MZ301", version=1, subversion=3, uzovi=None, praktijkcode="12050001"
    )
    with pytest.raises(UploadError, match="UZOVI"):
        declaration_metadata(header, reference="r")


# -- a return, line by line --------------------------------------------------------------


def test_a_return_reads_as_lines_with_amounts_and_retourcode_texts() -> None:
    declaration = vektis.parse_file(vektis.sample_declaration(insured=2, per_insured=2))
    judged = {3: vektis.Judgement(codes=("0320",))}  # the second line of the first person
    lines = read_return(vektis.build_return(declaration, judged, return_date=date(2026, 12, 1)))

    detail = next(line for line in lines if "0320" in (r.code for r in line.remarks))
    assert detail.record_type == "04"
    assert detail.bsn
    assert detail.prestatie
    assert detail.declared is not None
    assert detail.declared > 0
    assert detail.awarded == 0
    assert [(r.code, r.text) for r in detail.remarks] == [("0320", "Cliënt is niet verzekerd.")]
    assert (lines[0].name, lines[-1].name) == ("Voorlooprecord", "Sluitrecord")


def test_a_clean_return_is_header_and_closing_record_only() -> None:
    declaration = vektis.parse_file(vektis.sample_declaration("MZ301"))
    lines = read_return(vektis.build_return(declaration, {}, return_date=date(2026, 12, 1)))
    assert [line.record_type for line in lines] == ["01", "99"]
    assert lines[-1].declared == lines[-1].awarded
