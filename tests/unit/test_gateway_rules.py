"""The exchange's pure decisions: identity, rights, routing, status life cycle, COV register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

import berichten
from berichten import (
    CovPolicy,
    CovRegisterEntry,
    CovRequest,
    SoortVerzekering,
    Zoekopdracht,
    ZoekresultaatType,
)
from gateway import (
    AuthenticationError,
    AuthorizationError,
    CovRegister,
    DeclarationRef,
    GatewaySettings,
    HeaderCodes,
    MessageKind,
    RefusedError,
    RetrySchedule,
    Status,
    StatusTransitionError,
)
from gateway._cov_routes import fault_status
from gateway._identity import require_service, resolve_caller, service_for_path
from gateway._retention import retention_cutoff
from gateway._routing import decide_route, envelope_from_metadata
from gateway._status import check_transition
from world import (
    Account,
    AccountKind,
    Bureau,
    HomeLayout,
    Insurer,
    InsurerPolicy,
    OrganisationKind,
    Provider,
    Service,
    Toestemming,
    World,
)

TODAY = dt.date(2025, 6, 1)
NOW = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def _world() -> World:
    policy = InsurerPolicy()
    account = lambda n, org, s=frozenset(Service): Account(  # noqa: E731
        user_number=n, kind=AccountKind.SYSTEM, name=n, organisation=org, services=s
    )
    return World(
        seed=1,
        insurers=(
            Insurer(uzovi="7095", name="VGZ", group="VGZ", policy=policy),
            Insurer(uzovi="0101", name="Univé", group="VGZ", policy=policy),
            Insurer(uzovi="3311", name="ZK", group="Achmea", policy=policy),
        ),
        providers=(
            Provider(
                agb="12041054", practice_agb="12002242", kind="12", name="T", standard="MZ301"
            ),
        ),
        bureaus=(Bureau(agb="98000001", name="B"), Bureau(agb="98000002", name="C")),
        accounts=(
            account("10000000000001", "12002242"),
            account("10000000000002", "12002242", frozenset({Service.BERICHTEN})),
            account("20000000000001", "98000001"),
            account("20000000000002", "98000002"),
            account("30000000000001", "7095"),
            account("30000000000003", "3311"),
            account("40000000000001", "00000000"),
        ),
        toestemmingen=(
            Toestemming(
                provider="12002242",
                bureau="98000001",
                valid_from=dt.date(2025, 1, 1),
                valid_to=dt.date(2025, 12, 31),
            ),
        ),
        persons=(),
        scenarios=(),
    )


WORLD = _world()


@dataclass(frozen=True)
class Facts:
    user_number: str
    serial: int = 7
    not_before: dt.datetime = NOW - dt.timedelta(days=1)
    not_after: dt.datetime = NOW + dt.timedelta(days=1)


def caller(user: str):  # type: ignore[no-untyped-def]
    return resolve_caller(Facts(user), world=WORLD, now=NOW, is_revoked=lambda s: False)


def test_identity_maps_the_user_number_to_its_account() -> None:
    found = caller("10000000000001")
    assert found.organisation == "12002242"
    assert found.kind is OrganisationKind.PROVIDER


@pytest.mark.parametrize(
    ("facts", "revoked", "error"),
    [
        (Facts("10000000000001"), True, AuthorizationError),
        (
            Facts("10000000000001", not_after=NOW - dt.timedelta(seconds=1)),
            False,
            AuthenticationError,
        ),
        (Facts("99999999999999"), False, AuthenticationError),
        (Facts("40000000000001"), False, AuthorizationError),  # organisation not connected
    ],
)
def test_identity_refusals(facts: Facts, revoked: bool, error: type[Exception]) -> None:
    with pytest.raises(error):
        resolve_caller(facts, world=WORLD, now=NOW, is_revoked=lambda s: revoked)


def test_service_rights_per_route() -> None:
    person = caller("10000000000002")
    require_service(person, Service.BERICHTEN)
    with pytest.raises(AuthorizationError):
        require_service(person, Service.DECLAREREN)
    push = "/berichtenservice/berichten/rest-push/v1/berichten"
    assert service_for_path(push, caller_kind=OrganisationKind.PROVIDER) is Service.DECLAREREN
    assert service_for_path(push, caller_kind=OrganisationKind.INSURER) is Service.BERICHTEN
    assert (
        service_for_path("/cov/v1/controle", caller_kind=OrganisationKind.PROVIDER) is Service.COV
    )


# Upper case on the wire; the envelope holds them lower case, as DeclarationRef does.
CONVERSATION = "0F8FAD5B-D9CB-469F-A165-70867728950E"
DECLARATION_ID = "7C9E6679-7425-40DE-944B-E07FC1F90AE7"


def meta(
    *, afzender: str = "12002242", rol: str = "Praktijk", to: str = "7095", **ref: str
) -> dict:  # type: ignore[type-arg]
    return {
        "routeringgegevens": {
            "afzender": {"rol": rol, "code": afzender},
            "geadresseerden": [{"rol": "Zorgverzekeraar", "code": to}],
            "berichtstroom": {
                "berichttype": "MZ301",
                "berichtversie": 1,
                "berichtsubversie": 3,
                "actie": "Indienen",
            },
        },
        "referentiegegevens": {
            "conversatieId": CONVERSATION,
            "traceerId": "6A2F41A3-C54C-4B4E-8D0E-6D2F9F0B1C2D",
            **ref,
        },
    }


HEADER = HeaderCodes(
    standard="MZ301",
    version=1,
    subversion=3,
    uzovi="7095",
    zorgverlenerscode="12041054",
    praktijkcode="12002242",
)


def route(
    user: str, m: dict, header: HeaderCodes | None = HEADER, answered: DeclarationRef | None = None
):  # type: ignore[no-untyped-def, type-arg]
    return decide_route(
        caller(user),
        envelope_from_metadata(berichten.parse_metadata(m)),
        world=WORLD,
        today=TODAY,
        header=header,
        answered=answered,
    )


def test_provider_sends_as_itself_and_bureau_with_toestemming() -> None:
    assert route("10000000000001", meta()).addressee == "7095"
    by_bureau = route("20000000000001", meta())
    assert (by_bureau.indiener, by_bureau.kind) == ("98000001", MessageKind.DECLARATION)
    assert (
        route("10000000000001", meta(afzender="12041054", rol="Zorgverlener")).addressee == "7095"
    )


@pytest.mark.parametrize(
    ("user", "m", "field"),
    [
        ("20000000000002", meta(), "routeringgegevens.afzender.code"),  # no toestemming
        (
            "10000000000001",
            meta(to="0101"),
            "routeringgegevens.geadresseerden[0].code",
        ),  # header says 7095
        ("10000000000001", meta(to="9999"), "routeringgegevens.geadresseerden[0].code"),
        ("10000000000001", meta(rol="Zorgverlener"), "routeringgegevens.afzender.code"),
        ("10000000000001", meta(rol="Zorgverzekeraar"), "routeringgegevens.afzender.rol"),
    ],
)
def test_declaration_refusals_name_the_field(user: str, m: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(RefusedError) as refused:
        route(user, m)
    assert field in refused.value.errors


def _unaddressed(m: dict) -> dict:  # type: ignore[type-arg]
    m["routeringgegevens"]["geadresseerden"] = []
    return m


def test_unaddressed_declaration_is_refused_naming_geadresseerden() -> None:
    with pytest.raises(RefusedError) as refused:
        route("10000000000001", _unaddressed(meta()))
    assert refused.value.status_hint == 422
    assert "routeringgegevens.geadresseerden" in refused.value.errors


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"alsAntwoordOp": "6A2F41A3-C54C-4B4E-8D0E-6D2F9F0B1C2D", "referentieId": "r-1"},
    ],
)
def test_envelope_of_parsed_metadata(extra: dict) -> None:  # type: ignore[type-arg]
    ids = {
        "conversatieId": "0F8FAD5B-D9CB-469F-A165-70867728950E",
        "traceerId": "7C9E6679-7425-40DE-944B-E07FC1F90AE7",
    }
    m = meta(**ids, **extra)
    m["routeringgegevens"]["geadresseerden"].append({"rol": "Indiener"})  # a relatie without code
    parsed = berichten.parse_metadata(m)
    envelope = envelope_from_metadata(parsed)
    assert envelope.traceer_id == ids["traceerId"].lower()
    assert envelope.conversatie_id == ids["conversatieId"].lower()
    answered = extra.get("alsAntwoordOp")
    assert envelope.als_antwoord_op == (answered and answered.lower())
    assert envelope.geadresseerden[-1].code == ""


def test_bureau_toestemming_expires() -> None:
    later = decide_route
    with pytest.raises(RefusedError):
        later(
            caller("20000000000001"),
            envelope_from_metadata(berichten.parse_metadata(meta())),
            world=WORLD,
            today=dt.date(2026, 1, 1),
            header=HEADER,
            answered=None,
        )


def _return(afzender: str = "7095", to: str = "98000001") -> dict:  # type: ignore[type-arg]
    m = meta(afzender=afzender, rol="Zorgverzekeraar", alsAntwoordOp=DECLARATION_ID)
    m["routeringgegevens"]["geadresseerden"] = [{"rol": "Indiener", "code": to}]
    m["routeringgegevens"]["berichtstroom"].update(berichttype="MZ302", actie="Retourneren")
    return m


DECL = DeclarationRef(
    traceer_id=DECLARATION_ID.lower(),
    conversatie_id=CONVERSATION.lower(),
    indiener="98000001",
    addressee="7095",
)


def test_return_goes_to_the_indiener_only() -> None:
    routed = route("30000000000001", _return(), header=None, answered=DECL)
    assert (routed.kind, routed.addressee) == (MessageKind.RETURN, "98000001")
    assert route("30000000000001", _return(afzender="0101"), header=None, answered=DECL)


@pytest.mark.parametrize(
    ("user", "m", "answered"),
    [
        ("30000000000003", _return(afzender="3311"), DECL),  # not addressed to Achmea
        ("30000000000003", _return(afzender="7095"), DECL),  # other group's UZOVI
        ("30000000000001", _return(to="12002242"), DECL),  # not the indiener
        ("30000000000001", _return(), None),  # answers nothing
    ],
)
def test_return_refusals(user: str, m: dict, answered: DeclarationRef | None) -> None:  # type: ignore[type-arg]
    with pytest.raises(RefusedError):
        route(user, m, header=None, answered=answered)


def test_unaddressed_return_is_refused_naming_geadresseerden() -> None:
    # the push schema allows an empty list; before this check it was routed to the indiener
    with pytest.raises(RefusedError) as refused:
        route("30000000000001", _unaddressed(_return()), header=None, answered=DECL)
    assert "routeringgegevens.geadresseerden" in refused.value.errors


def test_soap_client_faults_are_400_unless_strict_and_server_faults_500() -> None:
    assert fault_status("Client", client_status=400) == 400
    assert fault_status("VersionMismatch", client_status=400) == 400
    assert fault_status("Server", client_status=400) == 500
    assert fault_status("Client", client_status=500) == 500
    layout = HomeLayout(root=Path("/nonexistent"))
    assert GatewaySettings(layout=layout).soap_client_fault_status == 400
    with pytest.raises(ValueError, match="soap_client_fault_status"):
        GatewaySettings(layout=layout, soap_client_fault_status=418)


def test_push_endpoints_of_the_settings_cannot_change_behind_their_back() -> None:
    given = {"3311": "https://127.0.0.1:9001/in"}
    settings = GatewaySettings(layout=HomeLayout(root=Path("/nonexistent")), push_endpoints=given)
    given["3311"] = "https://elsewhere.test/in"
    given["7095"] = "https://elsewhere.test/in"
    assert dict(settings.push_endpoints) == {"3311": "https://127.0.0.1:9001/in"}
    with pytest.raises(TypeError):
        settings.push_endpoints["3311"] = "https://elsewhere.test/in"  # type: ignore[index]


def test_retention_cutoff_is_24_hours_before_now_in_store_form() -> None:
    cutoff = retention_cutoff(NOW, dt.timedelta(hours=24))
    assert cutoff == "2025-05-31T12:00:00.000+00:00"
    downloaded_just_before = "2025-05-31T11:59:59.999+00:00"
    downloaded_just_after = "2025-05-31T12:00:00.001+00:00"
    assert downloaded_just_before < cutoff < downloaded_just_after
    amsterdam = NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert retention_cutoff(amsterdam, dt.timedelta(hours=24)) == cutoff


def test_status_moves_forward_only() -> None:
    check_transition(Status.ONTVANGEN, Status.WORDT_VERWERKT)
    check_transition(Status.WORDT_AANGEBODEN, Status.AANBIEDEN_MISLUKT)
    for current, new in [
        (Status.BEZORGD, Status.WORDT_AANGEBODEN),
        (Status.ONTVANGEN, Status.BEZORGD),
    ]:
        with pytest.raises(StatusTransitionError):
            check_transition(current, new)


def test_retry_backoff_is_exponential_and_capped() -> None:
    schedule = RetrySchedule(attempts=5, first_delay=1, factor=2, max_delay=5)
    assert [schedule.delay_after(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    with pytest.raises(ValueError, match="attempts"):
        RetrySchedule(attempts=0)


def _entry(uzovi: str, begin: str, end: str | None) -> CovRegisterEntry:
    return CovRegisterEntry(
        bsn="999979668",
        geboortedatum=dt.date(1962, 3, 15),
        naam="O",
        postcode="1234AB",
        huisnummer=1,
        policies=(
            CovPolicy(
                uzovi=uzovi,
                verzekerdennummer="1",
                soort=SoortVerzekering.BASIS,
                begin=dt.date.fromisoformat(begin),
                eind=end and dt.date.fromisoformat(end),
            ),
        ),
    )


def test_cov_register_merges_a_person_who_changed_insurer() -> None:
    register = CovRegister({"7095": [_entry("7095", "2020-01-01", "2024-12-31")]})
    register.replace("3311", [_entry("3311", "2025-01-01", None)])
    ask = CovRequest(
        zoekopdrachten=(
            Zoekopdracht(
                volgnummer=1, geboortedatum=dt.date(1962, 3, 15), peildatum=TODAY, bsn="999979668"
            ),
        )
    )
    found = register.answer(ask, today=TODAY).zoekresultaten[0]
    assert found.resultaat is ZoekresultaatType.GEVONDEN
    assert found.verzekerde is not None
    assert [v.uzovi for v in found.verzekerde.verzekeringen] == [3311]
    register.replace("3311", [])
    register.replace("7095", [])
    gone = register.answer(ask, today=TODAY).zoekresultaten[0]
    assert gone.resultaat is ZoekresultaatType.BSN_ONBEKEND
