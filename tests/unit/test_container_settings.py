"""What a container changes in ``up``: VECOZO_SIM_* variables as the defaults of its options,
the admin port's Host check when bound to every address, and the URLs it advertises then."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest

from vecozo_sim._admin_port import AdminGuard
from vecozo_sim._cli_errors import CliError
from vecozo_sim._environment import apply_environment
from vecozo_sim._runner import reachable
from vecozo_sim.cli import build_parser

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 (a value compared here, nothing binds to it)
CONTAINER_ENVIRONMENT = {
    "VECOZO_SIM_HOME": "/data",
    "VECOZO_SIM_HOST": EVERY_ADDRESS,
    "VECOZO_SIM_HOSTNAME": "vz, vz.ci.local",
    "VECOZO_SIM_PORT": "9443",
    "VECOZO_SIM_ADMIN_PORT": "9444",
    "VECOZO_SIM_SEED": "7",
    "VECOZO_SIM_PERSONS": "500",
    "VECOZO_SIM_TODAY": "2026-03-01",
    "VECOZO_SIM_IDLE_PULL": "2.5",
}


def _up_args(*argv: str, environ: dict[str, str]) -> argparse.Namespace:
    args = build_parser().parse_args(["up", *argv])
    apply_environment(args, environ=environ)
    return args


def test_variables_set_every_default_of_up() -> None:
    args = _up_args(environ=CONTAINER_ENVIRONMENT)
    assert (args.home, args.host, args.hostname) == (
        Path("/data"),
        EVERY_ADDRESS,
        ("vz", "vz.ci.local"),
    )
    assert (args.port, args.admin_port, args.seed, args.persons) == (9443, 9444, 7, 500)
    assert args.today == dt.date(2026, 3, 1)
    assert args.idle_pull == 2.5


def test_the_command_line_wins_over_a_variable() -> None:
    args = _up_args(
        "--port", "0", "--host", "127.0.0.1", "--idle-pull", "0.5", environ=CONTAINER_ENVIRONMENT
    )  # fmt: skip
    assert (args.port, args.host, args.admin_port, args.idle_pull) == (0, "127.0.0.1", 9444, 0.5)


def test_without_variables_the_defaults_are_those_outside_a_container() -> None:
    args = _up_args(environ={"VECOZO_SIM_PORT": " "})  # blank counts as unset
    assert (args.host, args.port, args.admin_port, args.hostname) == ("127.0.0.1", 8443, 8444, ())
    assert (args.home, args.seed, args.persons, args.today) == (
        Path(".vecozo-sim"),
        1,
        10_000,
        None,
    )
    assert args.idle_pull == 30.0  # a safety net: the exchange wakes an insurer itself


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("VECOZO_SIM_PORT", "84x3", "not a port number"),
        ("VECOZO_SIM_ADMIN_PORT", "70000", "out of range"),
        ("VECOZO_SIM_TODAY", "01-03-2026", "YYYY-MM-DD"),
        ("VECOZO_SIM_PERSONS", "-5", "negative"),
        ("VECOZO_SIM_SEED", "one", "invalid literal"),
        ("VECOZO_SIM_IDLE_PULL", "soon", "could not convert"),
        ("VECOZO_SIM_IDLE_PULL", "0", "above 0"),
        ("VECOZO_SIM_IDLE_PULL", "-1", "above 0"),
        ("VECOZO_SIM_IDLE_PULL", "nan", "above 0"),
        ("VECOZO_SIM_IDLE_PULL", "inf", "above 0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(CliError) as refused:
        _up_args(environ={variable: value})
    assert f"{variable}={value!r}" in refused.value.message
    assert says in refused.value.message


def test_a_bad_option_is_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["up", "--idle-pull", "0"])
    assert "--idle-pull: must be a number of seconds above 0: 0" in capsys.readouterr().err


def _guard(bind_host: str) -> AdminGuard:
    return AdminGuard(
        token="t", bind_host=bind_host, runtime_file=Path("runtime.json"), public_hosts=("VZ",)
    )


def test_on_loopback_the_host_must_carry_the_bound_port() -> None:
    guard = _guard("127.0.0.1")
    assert guard.host_allowed("127.0.0.1:8444", 8444)
    assert guard.host_allowed("vz:8444", 8444)  # a public name, compared in lower case
    for host in ("localhost:32768", "vz:1", "evil.example:8444", "127.0.0.1"):
        assert not guard.host_allowed(host, 8444), host


def test_bound_to_every_address_a_mapped_port_counts_but_a_foreign_name_does_not() -> None:
    guard = _guard(EVERY_ADDRESS)
    for host in ("localhost:32768", "127.0.0.1:8444", "vz:49153", "[::1]:1"):
        assert guard.host_allowed(host, 8444), host
    for host in ("evil.example:8444", "evil.example:32768", "localhost", "localhost:x", ""):
        assert not guard.host_allowed(host, 8444), host


def test_a_wildcard_address_is_advertised_as_loopback() -> None:
    assert reachable("https://0.0.0.0:8443") == "https://127.0.0.1:8443"
    assert reachable("https://0.0.0.0:9000/insurers/7095") == "https://127.0.0.1:9000/insurers/7095"
    assert reachable("http://[::]:8444") == "http://127.0.0.1:8444"
    assert reachable("https://127.0.0.1:8443") == "https://127.0.0.1:8443"
    assert reachable("https://vz:8443") == "https://vz:8443"
