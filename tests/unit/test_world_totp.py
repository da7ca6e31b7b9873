"""Every person has a TOTP secret for the portal's second factor, derived from the seed.

Tests compute the authenticatie-app's code from it (docs/TESTDATA.md), so it must be the same
for the same seed, shown by ``world show``, kept in world.toml, and derived the same way for a
world file written before persons had one.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import pytest
import tomli_w

from vecozo_sim.cli import main
from world import (
    AccountKind,
    HomeLayout,
    World,
    WorldFileError,
    generate_world,
    load_world,
    save_world,
    totp_secret,
)

TODAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=5, persons=20, today=TODAY)


def test_persons_have_the_secret_of_their_seed_systems_none(world: World) -> None:
    for account in world.accounts:
        if account.kind is AccountKind.PERSON:
            assert account.totp_secret == totp_secret(seed=5, user_number=account.user_number)
        else:
            assert account.totp_secret is None
    again = generate_world(seed=5, persons=0, today=TODAY)
    other = generate_world(seed=6, persons=0, today=TODAY)
    assert [a.totp_secret for a in again.accounts] == [a.totp_secret for a in world.accounts]
    assert {a.totp_secret for a in other.accounts if a.totp_secret}.isdisjoint(
        a.totp_secret for a in world.accounts
    )


def test_a_secret_is_160_bits_of_base32(world: World) -> None:
    secret = totp_secret(seed=1, user_number="21205000100001")
    assert len(secret) == 32
    assert len(base64.b32decode(secret)) == 20  # RFC 4226: at least 128 bits


def _rewrite(layout: HomeLayout, change: object) -> None:
    document = tomllib.loads(layout.world_file.read_text())
    for account in document["accounts"]:
        change(account)  # type: ignore[operator]
    layout.world_file.write_text(tomli_w.dumps(document))


def test_the_world_file_keeps_it_and_an_older_file_without_it_loads(
    world: World, tmp_path: Path
) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    save_world(world, layout)
    assert "totp_secret" in layout.world_file.read_text()
    assert load_world(layout) == world
    _rewrite(layout, lambda account: account.pop("totp_secret", None))
    assert "totp_secret" not in layout.world_file.read_text()
    assert load_world(layout) == world  # derived exactly as generated


def test_an_edited_secret_is_used_and_a_malformed_one_refused(world: World, tmp_path: Path) -> None:
    layout = HomeLayout(root=tmp_path / "home")
    save_world(world, layout)
    _rewrite(
        layout, lambda a: a.update(totp_secret="JBSWY3DPEHPK3PXP") if "totp_secret" in a else None
    )
    assert {a.totp_secret for a in load_world(layout).accounts} == {"JBSWY3DPEHPK3PXP", None}
    _rewrite(layout, lambda a: a.update(totp_secret="not base32!") if "totp_secret" in a else None)
    with pytest.raises(WorldFileError, match="field 'totp_secret' is malformed"):
        load_world(layout)


def test_world_show_gives_each_persons_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert main(["init", "--home", str(home), "--seed", "5", "--persons", "0"]) == 0
    capsys.readouterr()
    assert main(["world", "show", "--home", str(home), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    person = next(a for a in shown["accounts"] if a["user_number"] == "21205000100001")
    assert person["totp_secret"] == totp_secret(seed=5, user_number="21205000100001")
    assert main(["world", "show", "--home", str(home)]) == 0
    assert person["totp_secret"] in capsys.readouterr().out


def test_docs_testdata_lists_the_default_worlds_secrets() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "TESTDATA.md").read_text("utf-8")
    rows = re.findall(r"^\| (\d{14}) \| \d+ \| `([A-Z2-7]+)` \|$", text, re.MULTILINE)
    default = generate_world(seed=1, persons=0)
    persons = [a for a in default.accounts if a.kind is AccountKind.PERSON]
    assert rows == [(a.user_number, a.totp_secret) for a in persons]
