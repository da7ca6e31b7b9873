"""The locustfile's locust-free helpers (the locustfile itself needs locust and is not imported).

Settings from the environment, an account per user index, and the push request a locust user
sends: the same multipart contract as the async client's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import vektis
from provider_client import _protocol as proto
from provider_client._errors import ClientError
from provider_client._load import LoadError
from provider_client._load_locust import (
    account_for,
    next_declaration,
    push_request,
    read_reply,
    settings_from,
)
from vecozo_sim import init_home
from world import HomeLayout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("locust-home")
    init_home(HomeLayout(root=root), seed=1, persons=300, today=dt.date(2025, 6, 15))
    return root


def test_settings_come_from_the_environment() -> None:
    env = {"VECOZO_HOME": "/x", "VECOZO_ACCOUNTS": "a, b", "VECOZO_LINES": "7", "VECOZO_SEED": "3"}
    settings = settings_from(env)
    assert (settings.home, settings.accounts) == (Path("/x"), ("a", "b"))
    assert (settings.lines, settings.seed) == (7, 3)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"VECOZO_LINES": "0"}, "VECOZO_LINES"),
        ({"VECOZO_LINES": "\u00b2"}, "VECOZO_LINES"),  # a digit to isdigit(), not to int()
        ({"VECOZO_SEED": "x"}, "VECOZO_SEED"),
        ({"VECOZO_SEED": "\u00b2"}, "VECOZO_SEED"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(LoadError, match=name):
        settings_from(env)


def test_users_take_the_accounts_in_turn(home: Path) -> None:
    env = {"VECOZO_HOME": str(home), "VECOZO_ACCOUNTS": "12050001,98100001", "VECOZO_LINES": "5"}
    settings = settings_from(env)
    first, second, third = (account_for(settings, n) for n in range(3))
    assert first.submitter.account.organisation == "12050001"
    assert third.submitter.account.organisation == "12050001"
    assert second.submitter.account.organisation == "98100001"
    assert first.config.cert.is_file()


def test_a_user_pushes_fresh_valid_files_in_the_push_contract(home: Path) -> None:
    settings = settings_from({"VECOZO_HOME": str(home), "VECOZO_LINES": "5", "VECOZO_SEED": "1"})
    account = account_for(settings, 0)
    one, two = next_declaration(account), next_declaration(account)
    assert one != two
    assert vektis.validate(one) == []
    request = push_request(one)
    assert (request.method, request.path) == ("POST", proto.PUSH_PATH)
    assert one in request.body
    assert b"MZ301" in request.body.replace(one, b"")  # the metadata's berichtstroom


def test_a_refusal_reads_as_a_client_error() -> None:
    reply = read_reply(422, {"Content-Type": "application/problem+json"}, b'{"title": "Ongeldig"}')
    with pytest.raises(ClientError, match="Ongeldig"):
        proto.read_pushed(reply)
    proto.read_pushed(read_reply(204, {}, None))  # accepted: no error
