"""`vecozo-sim init` and `vecozo-sim world show`, driven through the real command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from certs import read_identity
from vecozo_sim.cli import main
from world import HomeLayout, load_world

EXPECTED_SCENARIOS = {
    "not-insured",
    "deceased",
    "wlz-client",
    "partially-insured",
    "insurer-switch",
    "aanvullend-only",
    "invalid-bsn",
    "provider-without-contract",
    "bureau-without-toestemming",
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cmd") / "home"
    assert main(["init", "--home", str(root), "--seed", "4", "--persons", "50"]) == 0
    return root


def _show_json(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["world", "show", "--home", str(home), "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_init_writes_world_and_pki(home: Path) -> None:
    layout = HomeLayout(root=home)
    world = load_world(layout)
    assert world.seed == 4
    assert len(world.persons) == 50 + 13  # the population and the scenario persons
    for path in (
        layout.ca_cert,
        layout.ca_key,
        layout.crl,
        layout.server_cert,
        layout.server_key,
        layout.exchange_client_cert,
        layout.exchange_client_key,
    ):
        assert path.is_file(), path


def test_every_account_certificate_carries_its_user_number(home: Path) -> None:
    layout = HomeLayout(root=home)
    world = load_world(layout)
    for account in world.accounts:
        pem = layout.account_cert(account.user_number).read_bytes()
        der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
        identity = read_identity(der)
        assert identity.user_number == account.user_number
        assert identity.name == account.name
        assert layout.account_key(account.user_number).stat().st_mode & 0o077 == 0


def test_show_json_lists_what_a_test_needs(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = _show_json(home, capsys)
    assert shown["ca"] == str(HomeLayout(root=home).ca_cert)
    assert shown["gateway_url"] is None
    assert {i["uzovi"] for i in shown["insurers"]} >= {"7095", "0101", "3311", "7119", "3000"}
    assert {"agb", "practice_agb", "kind", "name"} <= shown["providers"][0].keys()
    assert [b["agb"][:2] for b in shown["bureaus"]] == ["98", "98"]
    assert shown["toestemmingen"]
    assert {s["name"] for s in shown["scenarios"]} >= EXPECTED_SCENARIOS
    switch = next(s for s in shown["scenarios"] if s["name"] == "insurer-switch")
    assert (switch["bsn"], switch["birth_date"]) == ("999900079", "1968-01-12")
    account = shown["accounts"][0]
    assert {"user_number", "name", "kind", "organisation", "services"} <= account.keys()
    assert Path(account["cert"]).is_file()
    assert Path(account["key"]).is_file()


def test_show_reads_the_gateway_url_from_runtime_json(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    HomeLayout(root=copy).runtime_file.write_text('{"gateway_url": "https://127.0.0.1:9443"}')
    assert _show_json(copy, capsys)["gateway_url"] == "https://127.0.0.1:9443"


def test_show_as_text_names_the_scenarios(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["world", "show", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in EXPECTED_SCENARIOS)
    assert "98100002" in out


def test_init_refuses_to_overwrite(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = HomeLayout(root=home).world_file.read_bytes()
    assert main(["init", "--home", str(home), "--seed", "9", "--persons", "5"]) == 1
    assert "--force" in capsys.readouterr().err
    assert HomeLayout(root=home).world_file.read_bytes() == before


def test_init_force_replaces_world_and_ca(home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    layout = HomeLayout(root=copy)
    old_ca = layout.ca_cert.read_bytes()
    assert main(["init", "--home", str(copy), "--seed", "9", "--persons", "5", "--force"]) == 0
    assert load_world(layout).seed == 9
    assert layout.ca_cert.read_bytes() != old_ca


def test_show_without_a_world_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["world", "show", "--home", str(tmp_path / "missing")]) == 2
    assert "vecozo-sim init" in capsys.readouterr().err


def test_show_of_a_broken_world_names_the_problem(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    layout = HomeLayout(root=copy)
    layout.world_file.write_text(
        layout.world_file.read_text().replace('uzovi = "7095"', "uzovi = 7095", 1)
    )
    assert main(["world", "show", "--home", str(copy)]) == 2
    assert "world.toml: insurers[0]: field 'uzovi' must be a string" in capsys.readouterr().err
