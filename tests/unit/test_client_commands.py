"""The client commands' pure parts: option parsing, file names, default account, exit codes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from provider_client import (
    CertificateRefusedError,
    ConfigurationError,
    GeneratedFile,
    GenerateError,
    MessageInfo,
    Party,
    Stream,
)
from provider_client._cmd_generate import (
    parse_errors,
    parse_fraction,
    parse_period,
    write_generated,
)
from provider_client._commands import default_account, fetched_name, run_command
from provider_client._world import account_named
from vecozo_sim.cli import build_parser, main
from world import DEFAULT_HOME, AccountKind, Service, World, generate_world


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=1, persons=50)


def test_errors_option_reads_codes_and_shares() -> None:
    assert parse_errors("0320:0.05, 0611:0.02") == {"0320": 0.05, "0611": 0.02}
    assert parse_errors("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999:0.1", "cannot make retourcode 9999"),
        ("0320", "is not CODE:FRACTION"),
        ("0320:abc", "is not a number"),
        ("0320:0", "not a fraction between 0 and 1"),
        ("0320:0.6,0611:0.4", "add up to 1 or more"),
    ],
)
def test_errors_option_refuses_what_it_cannot_make(text: str, message: str) -> None:
    with pytest.raises(GenerateError, match=message):
        parse_errors(text)


def test_fraction_bounds() -> None:
    assert parse_fraction("1", option="--credits") == 1.0
    with pytest.raises(GenerateError, match="--credits"):
        parse_fraction("1.01", option="--credits")


def test_period_option() -> None:
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 31)
    assert parse_period("2025-01-01:2025-01-31") == (start, end)
    with pytest.raises(GenerateError, match="is after"):
        parse_period("2025-01-31:2025-01-01")
    with pytest.raises(GenerateError, match="START:END"):
        parse_period("2025-01-01")


def _message(received_at: str | None, berichttype: str = "MZ302") -> MessageInfo:
    return MessageInfo(
        traceer_id="abc-1",
        conversatie_id="conv-1",
        afzender=Party(rol="Zorgverzekeraar", code="7119"),
        stream=Stream(berichttype=berichttype, berichtversie=1, berichtsubversie=3, actie="x"),
        received_at=received_at,
    )


def test_fetched_files_are_named_by_day_type_and_traceer_id() -> None:
    today = dt.date(2030, 1, 2)
    assert fetched_name(_message("2025-06-15T10:00:00Z"), today) == "20250615_MZ302_abc-1.asc"
    assert fetched_name(_message("yesterday"), today) == "20300102_MZ302_abc-1.asc"
    assert fetched_name(_message(None, "../x"), today) == "20300102_x_abc-1.asc"


def test_the_default_account_may_submit_read_and_check_cov(world: World) -> None:
    account = default_account(world)

    assert world.provider(account.organisation) is not None
    assert {Service.DECLAREREN, Service.BERICHTEN, Service.COV} <= account.services
    assert account.kind is AccountKind.SYSTEM  # the webservices refuse a person's certificate


def test_the_default_account_is_a_system_even_after_a_person_with_every_right(
    world: World,
) -> None:
    [person] = [
        a
        for a in world.accounts_of(default_account(world).organisation)
        if a.kind is AccountKind.PERSON
    ]
    everything = dataclasses.replace(person, services=frozenset(Service))
    accounts = (everything, *(a for a in world.accounts if a != person))
    edited = dataclasses.replace(world, accounts=accounts)

    assert default_account(edited).kind is AccountKind.SYSTEM


def test_write_generated_to_a_file_or_into_a_folder(tmp_path: Path) -> None:
    made = [
        GeneratedFile(
            name=f"f{n}.asc",
            data=b"x",
            standard="MZ301",
            provider="p",
            uzovi="7119",
            lines=1,
            expected={},
        )
        for n in range(2)
    ]
    assert write_generated(made[:1], tmp_path / "one.asc") == [tmp_path / "one.asc"]
    assert write_generated(made, tmp_path / "many") == [
        tmp_path / "many/f0.asc",
        tmp_path / "many/f1.asc",
    ]


@pytest.mark.parametrize(
    ("error", "code"),
    [(ConfigurationError("no world"), 2), (CertificateRefusedError("https://x"), 4)],
)
def test_a_client_error_becomes_one_line_and_its_exit_code(
    capsys: pytest.CaptureFixture[str], error: Exception, code: int
) -> None:
    async def failing() -> int:
        raise error

    assert run_command("inbox", failing()) == code
    err = capsys.readouterr().err
    assert err.startswith("vecozo-sim inbox: error: ")
    assert err.count("\n") == 1


def test_commands_exist_at_top_level_and_under_client() -> None:
    parser = build_parser()
    top = parser.parse_args(["submit", "a.asc"])
    nested = parser.parse_args(["client", "submit", "--account", "x", "a.asc"])

    assert (top.home, top.account, top.url, top.wait) == (DEFAULT_HOME, None, None, False)
    assert nested.account == "x"
    assert top.handler.__qualname__ == nested.handler.__qualname__


def test_help_names_the_default_account(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["inbox", "--help"])
    assert "first provider system account authorised for" in " ".join(
        capsys.readouterr().out.split()
    )


def test_an_account_is_named_by_number_name_or_organisation(world: World) -> None:
    system = default_account(world)
    [person] = [a for a in world.accounts_of(system.organisation) if a.kind is AccountKind.PERSON]

    assert account_named(world, person.user_number) == person
    assert account_named(world, f" {person.name.upper()} ") == person
    assert account_named(world, system.organisation) == system  # software: the system account
    assert account_named(world, "99999999") is None
