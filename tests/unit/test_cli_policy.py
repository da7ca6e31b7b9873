"""The command line's one error policy, through the installed ``vecozo-sim`` entry point.

Each case is a mistake a user makes on the first day; each must name what is wrong in one line,
``vecozo-sim COMMAND: error: ...``, exit non-zero, and never show a traceback.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vecozo_sim import cli

ENTRY_POINT = Path(sys.executable).with_name("vecozo-sim")
DENTIST_SYSTEM = "11205000100001"


def vecozo_sim(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = [str(ENTRY_POINT)] if ENTRY_POINT.is_file() else [sys.executable, "-m", "vecozo_sim"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def assert_refused(done: subprocess.CompletedProcess[str], *named: str, code: int = 2) -> None:
    assert done.returncode == code, done
    assert "Traceback" not in done.stderr
    for text in named:
        assert text in done.stderr, done.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "home"
    done = vecozo_sim("init", "--home", str(root), "--persons", "20")
    assert done.returncode == 0, done.stderr
    return root


def test_help_imports_no_command_module() -> None:
    """--help costs what the interpreter costs: none of the heavy libraries is loaded."""
    probe = (
        "import sys\n"
        "from vecozo_sim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('aiohttp', 'cryptography', 'rich', 'faker', 'world', 'vecozo_sim._cmd_up')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().endswith("[]"), done.stdout
    assert "load" in done.stdout  # the help itself still lists every command


def test_the_names_only_help_matches_what_the_modules_register() -> None:
    full = cli.build_parser()
    [subparsers] = [a for a in full._actions if isinstance(a, argparse._SubParsersAction)]
    registered = {c.dest: c.help for c in subparsers._choices_actions}
    assert registered == {name: help_ for name, (_module, help_) in cli.COMMANDS.items()}


def test_a_mistyped_command_lists_the_commands() -> None:
    assert_refused(vecozo_sim("sumbit"), "invalid choice: 'sumbit'", "submit")


def test_cov_with_a_bsn_that_is_not_one_names_it(home: Path) -> None:
    done = vecozo_sim("cov", "--home", str(home), "--bsn", "abc", "--birth-date", "1980-05-17")
    assert_refused(done, "--bsn", "'abc'", "9 digits")


def test_an_impossible_date_says_invalid_date_and_the_format(tmp_path: Path) -> None:
    done = vecozo_sim("up", "--home", str(tmp_path / "never"), "--today", "2026-13-01")
    assert_refused(done, "--today", "invalid date '2026-13-01'", "YYYY-MM-DD")
    assert "fromisoformat" not in done.stderr
    assert not (tmp_path / "never").exists()


def test_a_missing_key_file_is_named_with_its_path(home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    key = copy / "accounts" / f"{DENTIST_SYSTEM}-key.pem"
    key.unlink()
    done = vecozo_sim(
        "cov", "--home", str(copy), "--as", DENTIST_SYSTEM, "--bsn", "999900006",
        "--birth-date", "1980-05-17",
    )  # fmt: skip
    assert_refused(done, f"vecozo-sim cov: error: the key file {key} is missing")


@pytest.mark.parametrize(
    "command",
    [
        ("world", "show"),
        ("certs", "list"),
        ("inbox",),
        ("client", "inbox"),
        ("generate", "-o", "x.asc"),
        ("gateway", "--port", "0", "--admin-port", "0"),
    ],
)
def test_a_missing_home_exits_the_same_way_in_every_command(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    missing = tmp_path / "no-home"
    done = vecozo_sim(*command, "--home", str(missing))
    words = " ".join(c for c in command if not c.startswith("-") and c != "x.asc" and c != "0")
    assert_refused(done, f"vecozo-sim {words}: error: ", str(missing))


def test_a_reader_that_goes_away_ends_validate_quietly(tmp_path: Path) -> None:
    """``validate --json F | head``: the pipe closes before we write; no BrokenPipe traceback."""
    bad = tmp_path / "bad.asc"
    bad.write_text("not an EI file\n" * 50, encoding="utf-8")
    command = [str(ENTRY_POINT)] if ENTRY_POINT.is_file() else [sys.executable, "-m", "vecozo_sim"]
    process = subprocess.Popen(
        [*command, "validate", "--json", str(bad)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the first line is written
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 141, err
    assert err.decode() == ""
