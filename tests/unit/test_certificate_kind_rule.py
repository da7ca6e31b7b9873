"""The webservices take a systeemcertificaat only (issue 14), unless the operator allows a
person's: the pure decision, which routes it guards, and how ``up`` is told to relax it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from gateway import AuthorizationError, GatewaySettings
from gateway._app import ROUTES
from gateway._identity import Caller, require_system, service_for_path
from vecozo_sim._cli_errors import CliError
from vecozo_sim._environment import apply_environment
from vecozo_sim.cli import build_parser
from world import HomeLayout, OrganisationKind, World, generate_world

PERSON, SYSTEM = "21205000100001", "11205000100001"  # docs/TESTDATA.md: dentist 12050001


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=1, persons=0)


def _caller(world: World, user_number: str) -> Caller:
    account = world.account(user_number)
    assert account is not None
    return Caller(account=account, kind=OrganisationKind.PROVIDER, serial=7)


def test_a_person_is_refused_naming_the_systeemcertificaat(world: World) -> None:
    with pytest.raises(AuthorizationError) as refused:
        require_system(_caller(world, PERSON), person_allowed=False)

    assert refused.value.status_hint == 403
    assert "alleen een systeemcertificaat" in refused.value.detail
    assert PERSON in refused.value.detail


def test_a_system_is_accepted_whatever_the_setting(world: World) -> None:
    for allowed in (False, True):
        require_system(_caller(world, SYSTEM), person_allowed=allowed)


def test_a_person_is_accepted_when_the_operator_allows_it(world: World) -> None:
    require_system(_caller(world, PERSON), person_allowed=True)


def test_every_berichtenservice_and_cov_route_is_guarded_and_no_other() -> None:
    """The middleware applies the rule where a route has a service; every push, pull, status
    and COV route must have one, the insurers' register and the OpenAPI documents not."""
    for kind in OrganisationKind:
        guarded = {path for _, path, _ in ROUTES if service_for_path(path, caller_kind=kind)}
        webservices = {p for _, p, _ in ROUTES if p.startswith(("/berichtenservice/", "/cov/"))}
        assert guarded == webservices
        assert len(webservices) == 8


def test_the_exchange_takes_system_certificates_only_by_default() -> None:
    assert GatewaySettings(layout=HomeLayout(root=Path("home"))).rest_person_certificates is False


def _up_args(*argv: str, environ: dict[str, str]) -> argparse.Namespace:
    args = build_parser().parse_args(["up", *argv])
    apply_environment(args, environ=environ)
    return args


@pytest.mark.parametrize(
    ("argv", "environ", "allowed"),
    [
        ((), {}, False),
        (("--allow-person-rest",), {}, True),
        ((), {"VECOZO_SIM_ALLOW_PERSON_REST": "true"}, True),
        ((), {"VECOZO_SIM_ALLOW_PERSON_REST": "1"}, True),
        ((), {"VECOZO_SIM_ALLOW_PERSON_REST": "No"}, False),
        (("--allow-person-rest",), {"VECOZO_SIM_ALLOW_PERSON_REST": "0"}, True),
    ],
)
def test_up_allows_persons_by_option_or_variable(
    argv: tuple[str, ...], environ: dict[str, str], allowed: bool
) -> None:
    assert _up_args(*argv, environ=environ).allow_person_rest is allowed


def test_a_variable_that_is_no_switch_is_refused_by_name() -> None:
    with pytest.raises(CliError, match="VECOZO_SIM_ALLOW_PERSON_REST='maybe'"):
        _up_args(environ={"VECOZO_SIM_ALLOW_PERSON_REST": "maybe"})
