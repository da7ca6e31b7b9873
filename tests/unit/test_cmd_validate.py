"""``vecozo-sim validate``: exit 0 clean, 1 with findings, 2 unreadable; --json objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vektis
from vecozo_sim.cli import main


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    path = tmp_path / "clean.asc"
    path.write_bytes(vektis.sample_declaration())
    return path


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    data = vektis.sample_declaration().replace(b"P000000", b"X000000", 1)
    data = data.replace(b"01176010", b"01176010", 1)
    lines = data.split(b"\r\n")
    lines[0] = lines[0][:9] + b"X" + lines[0][10:]
    path = tmp_path / "broken.asc"
    path.write_bytes(b"\r\n".join(lines))
    return path


def test_clean_file_exits_0(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(clean)]) == 0
    assert "no findings" in capsys.readouterr().out


def test_findings_exit_1_and_name_the_retourcode(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(broken)]) == 1
    assert "8028" in capsys.readouterr().out


def test_json_lists_objects_with_the_contract_keys(
    broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--json", str(broken)]) == 1
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding == {
        "record": 1,
        "record_type": "01",
        "field": "0105",
        "code": "8028",
        "message": finding["message"],
    }


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.asc")]) == 2
    assert "cannot read" in capsys.readouterr().err
