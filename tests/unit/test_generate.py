"""The declaration generator: deterministic, technically valid, and its error mix is real.

The error mix is checked by the insurer's own adjudication (a test may import both parties;
the client package itself never imports the insurer stub).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

import vektis
from insurer_stub import InsurerView, MemoryHistory, adjudicate
from provider_client import GenerateError, GenerateOptions, generate_bureau, generate_file
from world import World, generate_world

TODAY = dt.date(2025, 6, 15)
ERRORS = {"0320": 0.03, "0328": 0.01, "0586": 0.01, "0611": 0.02, "0613": 0.02}
ERRORS |= {"8983": 0.01, "0587": 0.01, "0551": 0.01}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=7, persons=3000, today=TODAY)


def _options(**changes: object) -> GenerateOptions:
    values: dict[str, object] = {
        "provider": "12050001",
        "lines": 300,
        "seed": 11,
        "today": TODAY,
        "insurer": "7095",
    }
    values |= changes
    return GenerateOptions(**values)  # type: ignore[arg-type]


def _codes(world: World, data: bytes) -> Counter[str]:
    view = InsurerView.from_world(world, vektis.parse_file(data).header.get_str("uzovi"))
    result = adjudicate(vektis.parse_file(data), insurer=view, history=MemoryHistory(), today=TODAY)
    return Counter(c for j in result.judgements.values() for c in j.codes)


def test_same_seed_gives_same_bytes(world: World) -> None:
    first = generate_file(world, _options(errors=ERRORS))
    assert first.data == generate_file(world, _options(errors=ERRORS)).data
    assert first.data != generate_file(world, _options(errors=ERRORS, seed=12)).data


@pytest.mark.parametrize(
    "provider", ["12050001", "87050001", "90050001", "12050002", "94050001", "75750001"]
)
def test_generated_files_pass_the_technical_checks(world: World, provider: str) -> None:
    made = generate_file(world, _options(provider=provider, insurer=None, errors={}))
    assert vektis.validate(made.data) == []
    assert made.lines == 300


def test_clean_lines_are_clean_at_the_insurer(world: World) -> None:
    codes = _codes(world, generate_file(world, _options(lines=400)).data)
    assert set(codes) <= {"8001", "0200"}, codes


def test_error_mix_draws_exactly_the_asked_codes(world: World) -> None:
    made = generate_file(world, _options(errors=ERRORS))
    assert vektis.validate(made.data) == []
    codes = _codes(world, made.data)
    for code, count in made.expected.items():
        assert codes[code] == count, (code, codes)
    unexpected = set(codes) - set(made.expected) - {"8001", "0200", "8002", "8073"}
    assert not unexpected, codes


def test_unsupported_code_is_refused_by_name(world: World) -> None:
    with pytest.raises(GenerateError, match="9999"):
        generate_file(world, _options(errors={"9999": 0.1}))


def test_unknown_provider_is_named(world: World) -> None:
    with pytest.raises(GenerateError, match="99999999"):
        generate_file(world, _options(provider="99999999"))


def test_bureau_mode_writes_one_file_per_provider_and_insurer(world: World) -> None:
    files = generate_bureau(world, _options(bureau="98100001", lines=20, insurer=None))
    pairs = {(f.provider, f.uzovi) for f in files}
    assert len(pairs) == len(files) > 1
    assert all(
        vektis.parse_file(f.data).header.get_str("servicebureau") == "98100001" for f in files
    )
    assert all(vektis.validate(f.data) == [] for f in files)
