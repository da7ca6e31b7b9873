"""The ``explain`` command's output, pinned: good files of every standard and broken files.

``golden/explain.json`` holds, per case, the text ``vecozo-sim explain`` prints (for the
good files also with ``--all``) and every field's raw text, recorded from the code before
explain read its fields through vektis (issue 15). A case whose header is unusable records
the error instead. After a deliberate change, rewrite it with
``.venv/bin/python tests/unit/test_explain_golden.py --write`` and say why in the commit.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vektis
from provider_client._explain import explain
from provider_client._render_table import explanation_text

GOLDEN = Path(__file__).parent / "golden" / "explain.json"
TODAY = dt.date(2025, 6, 15)


def _sample(key: str) -> bytes:
    return vektis.sample_declaration(key, insured=1, per_insured=2, amount=2458)


def _lines(data: bytes) -> list[str]:
    return data.decode("latin-1").split("\r\n")


def _joined(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("latin-1")


def _patched(data: bytes, line: int, ref: str, text: str) -> bytes:
    """``data`` with field ``ref`` (key or number) of 1-based ``line`` replaced by ``text``."""
    lines = _lines(data)
    standard = vektis.detect_standard(data)
    field = standard.records[lines[line - 1][:2]].field(ref)[0]
    old = lines[line - 1]
    lines[line - 1] = (
        old[: field.start] + text.ljust(field.length)[: field.length] + old[field.end :]
    )
    return _joined(lines)


def _edited(data: bytes, line: int, edit: Callable[[str], str]) -> bytes:
    lines = _lines(data)
    lines[line - 1] = edit(lines[line - 1])
    return _joined(lines)


def _returned(key: str) -> bytes:
    declaration = vektis.parse_file(_sample(key))
    ids = [r.get_int("id") for r in declaration.details if r.record_type == "04"]
    judgements = {
        ids[0]: vektis.Judgement(codes=("0320", "0999"), toegekend=0),
        ids[1]: vektis.Judgement(toegekend=100),
    }
    return vektis.build_return(declaration, judgements, return_date=TODAY, reference="B-1")


def _broken() -> Iterator[tuple[str, bytes]]:
    good = _sample("MZ301")
    yield "short-line", _edited(good, 3, lambda s: s[:100])
    yield "two-chars", _edited(good, 3, lambda s: s[:2])
    yield "long-line", _edited(good, 3, lambda s: s + "XYZ")
    yield "empty-line", _edited(good, 3, lambda s: "")
    yield "unknown-record-type", _edited(good, 3, lambda s: "77" + s[2:])
    yield "sign-not-d-or-c", _patched(good, 3, "0431", "X")
    yield "sign-credit", _patched(good, 3, "0431", "C")
    yield "sign-blank", _patched(good, 3, "0427", " ")
    yield "date-no-day", _patched(good, 3, "date_of_service", "20241340")
    yield "date-letters", _patched(good, 3, "date_of_service", "2024AB01")
    yield "date-spaced-day", _patched(good, 3, "date_of_service", "202401 5")
    yield "date-blank", _patched(good, 3, "date_of_service", "        ")
    yield "date-zeros", _patched(good, 1, "0117", "00000000")
    yield "amount-letters", _patched(good, 3, "0430", "00001A00")
    yield "amount-spaces", _patched(good, 3, "0426", "   12   ")
    yield "count-letters", _patched(good, 3, "aantal", "00X1")
    yield "bsn-letters", _patched(good, 2, "bsn", "12345678A")
    yield "code-zeros", _patched(good, 1, "servicebureau", "00000000")
    yield "latin-1-name", _patched(good, 2, "surname", "Müller-Þórsdóttir")
    yield "closing-credit", _patched(good, 5, "9908", "C")
    returned = _returned("MZ301")
    yield "return-unknown-code", _patched(returned, 3, "0496", " 12 ")
    yield "return-zero-code", _patched(returned, 3, "0497", "0000")
    yield "missing-header", _joined(_lines(good)[1:])
    yield "unknown-standard", _patched(good, 1, "ei_code", "999")
    yield "not-ei", b"Dear insurer,\r\n"
    yield "empty", b""


@functools.cache
def inputs() -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for key, standard in vektis.STANDARDS.items():
        if not standard.is_return:
            found[f"sample-{key}"] = _sample(key)
            found[f"return-{key}"] = _returned(key)
    return found | dict(_broken())


def output(name: str) -> dict[str, str]:
    """What explain shows for case ``name``: its text, the raw text of every field, and for
    the good files also the text with ``--all``."""
    try:
        plain, full = explain(inputs()[name]), explain(inputs()[name], show_empty=True)
    except vektis.VektisError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    raw = [[r.number, r.record_type, r.note, [f.text for f in r.fields]] for r in full.records]
    shown = {"text": explanation_text(plain), "raw": json.dumps(raw, ensure_ascii=False)}
    if name.startswith(("sample-", "return-")):
        shown["all"] = explanation_text(full)
    return shown


def outputs() -> dict[str, dict[str, str]]:
    return {name: output(name) for name in inputs()}


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text("utf-8"))
    return found


@pytest.mark.parametrize("name", sorted(inputs()))
def test_explain_output_is_unchanged(name: str, golden: dict[str, dict[str, str]]) -> None:
    assert output(name) == golden[name]


def test_the_golden_file_covers_every_case(golden: dict[str, dict[str, str]]) -> None:
    assert sorted(golden) == sorted(inputs())


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    text = json.dumps(outputs(), indent=1, sort_keys=True, ensure_ascii=False)
    GOLDEN.write_text(text + "\n", "utf-8")
