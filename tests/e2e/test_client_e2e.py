"""The provider's commands end to end: ``vecozo-sim submit/status/inbox/fetch/cov/explain/
generate`` through ``vecozo_sim.cli.main`` against a running exchange over mutual TLS.

The exchange comes from our pytest plugin (``vecozo``: gateway and every stub insurer on free
ports, runtime.json written into a private copy of the session world), so the commands find
it exactly as a user's shell does after ``vecozo-sim up``. ``cli.main`` runs its own event
loop, so it is called in a thread while the exchange keeps serving on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
from pathlib import Path

import pytest

import vektis
from vecozo_sim.cli import main as vecozo_sim
from vecozo_sim.pytest_plugin import VecozoExchange, VecozoWorld

DENTIST = "12050001"  # docs/TESTDATA.md: contracted with every insurer
DEFAULT_ACCOUNT = "11205000100001"  # the dentist's system account: declareren, berichten, cov
DENTIST_PERSON = "21205000100001"  # Melissa Ooms: declareren and cov, no berichten
CZ = "7119"  # pull-mode insurer, one brand per UZOVI index (no VGZ group collisions)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """One command in a thread (it runs its own loop); exit code, stdout, stderr."""
    code = await asyncio.to_thread(vecozo_sim, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def _generate(
    capsys: pytest.CaptureFixture[str], vecozo: VecozoExchange, target: Path, *extra: str
) -> Path:
    home = str(vecozo.home)
    argv = ["generate", "--home", home, "--provider", DENTIST, "--insurer", CZ, "--lines", "5"]
    code, out, err = await run(capsys, *argv, "--seed", "3", *extra, "-o", str(target))
    assert (code, err) == (0, "")
    assert str(target) in out
    return target


async def test_submit_wait_shows_the_return_with_retourcodes_and_totals(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = await _generate(capsys, vecozo, tmp_path / "decl.asc", "--errors", "0320:0.2")
    home = str(vecozo.home)

    code, out, err = await run(capsys, "submit", "--home", home, str(file), "--wait")

    assert (code, err) == (0, "")
    assert f"{file}: traceerId " in out
    assert UUID.search(out)
    assert "0320" in out
    assert vektis.retourcode("0320").meaning in out  # type: ignore[union-attr]
    assert "total" in out


async def test_submit_json_then_status_inbox_fetch_and_explain_the_return(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = await _generate(capsys, vecozo, tmp_path / "decl.asc", "--errors", "0320:0.2")
    home = ["--home", str(vecozo.home), "--as", DEFAULT_ACCOUNT]
    code, out, _ = await run(capsys, "submit", *home, "--json", "--wait", str(file))
    assert code == 0
    [submitted] = json.loads(out)
    traceer_id = submitted["traceerId"]
    codes = [c for line in submitted["summary"]["lines"] for c in line["retourcodes"]]
    assert any(c.startswith("0320 ") for c in codes)

    code, out, _ = await run(capsys, "status", *home, traceer_id)
    assert code == 0
    assert traceer_id in out
    assert "MZ301" in out
    assert "MZ302" in out  # the return is linked to the declaration
    code, out, _ = await run(capsys, "status", *home, "--json", submitted["conversatieId"])
    assert {s["berichttype"] for s in json.loads(out)} == {"MZ301", "MZ302"}

    return_id = submitted["return"]["traceerId"]
    code, out, _ = await run(capsys, "inbox", *home)
    assert code == 0
    assert return_id in out
    assert f"Zorgverzekeraar {CZ}" in out

    code, out, _ = await run(capsys, "fetch", *home, "--out", str(tmp_path / "in"), "--ack")
    assert code == 0
    [saved] = (tmp_path / "in").iterdir()
    assert re.fullmatch(rf"\d{{8}}_MZ302_{return_id}\.asc", saved.name)
    assert vektis.parse_file(saved.read_bytes()).standard.name == "MZ302"
    code, out, _ = await run(capsys, "inbox", *home)
    assert "the mailbox is empty" in out  # acknowledged: gone from the mailbox

    code, out, _ = await run(capsys, "explain", str(saved))
    assert code == 0
    assert "MZ302" in out
    assert "0296  RETOURCODE (01)" in out
    assert "0320 " + vektis.retourcode("0320").meaning in out  # type: ignore[union-attr]


async def test_fetch_without_ack_keeps_the_message_and_verifies_it(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = await _generate(capsys, vecozo, tmp_path / "decl.asc")
    home = ["--home", str(vecozo.home)]
    code, out, _ = await run(capsys, "submit", *home, "--json", str(file))
    traceer_id = json.loads(out)[0]["traceerId"]

    code, out, _ = await run(
        capsys, "client", "fetch", *home, "--wait", traceer_id, "--json", "--out", str(tmp_path)
    )

    assert code == 0
    [fetched] = json.loads(out)
    assert fetched["acknowledged"] is False
    data = await asyncio.to_thread(Path(fetched["path"]).read_bytes)
    assert len(data) == fetched["size"]
    code, out, _ = await run(capsys, "inbox", *home, "--json")
    [waiting] = json.loads(out)
    assert waiting["traceerId"] == fetched["traceerId"]
    assert waiting["alsAntwoordOp"] == traceer_id
    assert vektis.parse_file(data).standard.name == "MZ302"


async def test_cov_shows_the_policies_of_an_insured_person_and_not_found(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    insured, missing = vecozo.persons["insured-vgz"], vecozo.persons["not-insured"]
    home = ["--home", str(vecozo.home)]
    birth = str(insured.birth_date)

    code, out, err = await run(
        capsys, "cov", *home, "--bsn", str(insured.bsn), "--birth-date", birth
    )

    assert (code, err) == (0, "")
    assert f"COV {insured.bsn}" in out
    assert "Gevonden" in out
    assert "7095" in out
    assert str(insured.verzekerdennummer) in out
    code, out, _ = await run(
        capsys, "cov", *home, "--json", "--bsn", str(missing.bsn),
        "--birth-date", str(missing.birth_date),
    )  # fmt: skip
    assert code == 0
    answer = json.loads(out)
    assert answer["resultaat"] != "Gevonden"
    assert answer["verzekeringen"] == []


async def test_an_unknown_account_is_named_with_the_accounts_there_are(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await run(capsys, "inbox", "--home", str(vecozo.home), "--as", "nobody")

    assert code == 2
    assert out == ""
    assert "no account 'nobody'" in err
    assert DEFAULT_ACCOUNT in err or "accounts include" in err
    assert "Traceback" not in err


async def test_a_person_account_is_told_to_use_a_system_certificate(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await run(capsys, "inbox", "--home", str(vecozo.home), "--as", DENTIST_PERSON)

    assert code == 6  # ProblemDetailsError: the exchange refused with a reason
    assert "403" in err
    assert "alleen een systeemcertificaat" in err


class TestWhereTheOperatorAllowsPersons:
    @pytest.fixture
    def vecozo_allow_person_rest(self) -> bool:
        return True  # docs/COMPATIBILITY.md: the old behaviour, a person's account's rights

    async def test_a_person_account_without_berichten_is_told_so(
        self, vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
    ) -> None:
        home = str(vecozo.home)
        code, _, err = await run(capsys, "inbox", "--home", home, "--as", DENTIST_PERSON)

        assert code == 6  # ProblemDetailsError: the exchange refused with a reason
        assert "403" in err
        assert "dienst berichten" in err


async def test_a_revoked_account_gets_the_certificate_hint(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(vecozo.home)
    revoke = ["certs", "revoke", "--home", home, "--user-number", DEFAULT_ACCOUNT]
    assert vecozo_sim(revoke) == 0
    assert (await vecozo.admin("POST", "/admin/gateway/crl/reload"))["revoked"] == 1
    capsys.readouterr()

    code, out, err = await run(capsys, "inbox", "--home", home, "--as", DEFAULT_ACCOUNT)

    assert code == 4
    assert out == ""
    assert "refused your client certificate" in err
    assert "revoked" in err
    assert err.count("\n") == 1


async def test_submit_refuses_an_unreadable_file_and_sends_nothing(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = await _generate(capsys, vecozo, tmp_path / "decl.asc")
    home = ["--home", str(vecozo.home)]

    code, out, err = await run(capsys, "submit", *home, str(good), str(tmp_path / "nope.asc"))

    assert code == 2
    assert out == ""
    assert "nope.asc: cannot read" in err
    journal = await vecozo.admin("GET", "/admin/gateway/journal")
    assert [e for e in journal if e["account"] == DEFAULT_ACCOUNT] == []  # nothing was sent


async def test_explain_refuses_an_unreadable_and_a_foreign_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = await run(capsys, "explain", str(tmp_path / "missing.asc"))
    assert code == 2
    assert "missing.asc: cannot read" in err
    foreign = tmp_path / "letter.txt"
    foreign.write_text("Dear insurer,\r\n")
    code, _, err = await run(capsys, "explain", str(foreign))
    assert code == 2
    assert "not an EI file" in err
    assert "Traceback" not in err


@pytest.fixture
def offline_home(vecozo_world: VecozoWorld, tmp_path: Path) -> Path:
    """A world directory with no exchange running (no runtime.json)."""
    return vecozo_world.copy_to(tmp_path / "home").root


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_no_exchange_running_is_a_clear_message(
    offline_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"https://127.0.0.1:{_closed_port()}"

    code, out, err = await run(capsys, "inbox", "--home", str(offline_home), "--url", url)

    assert code == 3
    assert out == ""
    assert f"no exchange answers at {url}" in err
    assert "vecozo-sim up" in err
    assert err.count("\n") == 1


async def test_generate_validates_its_options(
    offline_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = ["generate", "--home", str(offline_home), "-o", str(tmp_path / "x.asc")]
    cases = {
        ("--provider", "11111111"): "no provider 11111111",
        ("--provider", DENTIST, "--errors", "9999:0.1"): "cannot make retourcode 9999",
        ("--provider", DENTIST, "--errors", "0320:1.5"): "not a fraction",
        ("--provider", DENTIST, "--credits", "lots"): "is not a number",
        ("--provider", DENTIST, "--period", "2025-02-01"): "START:END",
    }
    for extra, message in cases.items():
        code, _, err = await run(capsys, *base, *extra)
        assert (code, message in err) == (2, True), err
    assert not (tmp_path / "x.asc").exists()


async def test_generate_for_a_bureau_writes_one_file_per_provider_and_insurer(
    offline_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["generate", "--home", str(offline_home), "--bureau", "98100001", "--lines", "2"]

    code, out, _ = await run(capsys, *argv, "--json", "-o", str(tmp_path / "out"))

    assert code == 0
    made = json.loads(out)
    assert len(made) > 1
    for row in made:
        data = await asyncio.to_thread(Path(row["path"]).read_bytes)
        header = vektis.parse_file(data).header
        assert header.get_str("servicebureau") == "98100001"


async def test_the_installed_command_runs_as_a_subprocess(vecozo: VecozoExchange) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vecozo_sim", "inbox", "--home", str(vecozo.home), "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 0, err.decode()
    assert json.loads(out) == []


async def test_submit_wait_reports_a_file_the_exchange_refused(
    vecozo: VecozoExchange, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = await _generate(capsys, vecozo, tmp_path / "decl.asc")
    *records, closing, end = (await asyncio.to_thread(good.read_bytes)).split(b"\r\n")
    closing = closing[:10] + b"X" + closing[11:]  # a count of the closing record: not numeric
    broken = tmp_path / "broken.asc"
    await asyncio.to_thread(broken.write_bytes, b"\r\n".join([*records, closing, end]))

    code, _, err = await run(capsys, "submit", "--home", str(vecozo.home), "--wait", str(broken))

    assert code == 7
    assert "was refused by the exchange" in err
    assert "Traceback" not in err
