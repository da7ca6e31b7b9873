"""The EI bytes the codec writes, pinned: generated files, return files and rendered records.

Every case's bytes are hashed and compared with ``golden/codec_sha256.json``, written from the
code before the codec was restructured (issue 15: "the same bytes out"). A change that alters
one byte of a generated declaration, an insurer's return file or ``render_file``'s output fails
here with the name of the case. After a deliberate format change, rewrite the digests with
``.venv/bin/python tests/unit/test_codec_golden.py --write`` and say why in the commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vektis
from insurer_stub import InsurerView, MemoryHistory, adjudicate
from provider_client import GenerateError, GenerateOptions, generate_bureau, generate_file
from world import World, generate_world

GOLDEN = Path(__file__).parent / "golden" / "codec_sha256.json"
TODAY = dt.date(2025, 6, 15)
PROVIDERS = ("12050001", "12050002", "87050001", "90050001", "94050001", "75750001")
ERRORS = {"0320": 0.03, "0328": 0.01, "0586": 0.01, "0611": 0.02, "0613": 0.02}
ERRORS |= {"8983": 0.01, "0587": 0.01, "0551": 0.01}

Case = Callable[[World], bytes]


def _generated(provider: str, seed: int, **more: object) -> GenerateOptions:
    values: dict[str, object] = {"provider": provider, "lines": 250, "seed": seed, "today": TODAY}
    return GenerateOptions(**(values | more))  # type: ignore[arg-type]


def _generate(world: World, options: GenerateOptions) -> bytes:
    """The file of ``options``, without the faults this world cannot provoke for the provider."""
    errors = dict(options.errors)
    while True:
        try:
            return generate_file(world, dataclasses.replace(options, errors=errors)).data
        except GenerateError as exc:
            failing = [code for code in errors if code in str(exc)]
            if not failing:
                raise
            del errors[failing[0]]


def _returned(world: World, data: bytes, *, whole_file: bool = False) -> bytes:
    declaration = vektis.parse_file(data)
    view = InsurerView.from_world(world, declaration.header.get_str("uzovi"))
    if whole_file:
        policy = dataclasses.replace(view.policy, whole_file_rejection=True)
        view = dataclasses.replace(view, policy=policy)
    result = adjudicate(declaration, insurer=view, history=MemoryHistory(), today=TODAY)
    return result.return_file


def _generation_cases() -> Iterator[tuple[str, Case]]:
    for provider in PROVIDERS:
        for seed in (1, 2):
            options = _generated(provider, seed, errors=ERRORS, credits=0.02, insurer="7095")
            yield f"generate-{provider}-{seed}", lambda w, o=options: _generate(w, o)
            yield (
                f"return-{provider}-{seed}",
                lambda w, o=options: _returned(w, _generate(w, o)),
            )
        clean = _generated(provider, 3, errors={}, lines=50)
        yield f"generate-clean-{provider}", lambda w, o=clean: _generate(w, o)
        yield f"return-clean-{provider}", lambda w, o=clean: _returned(w, _generate(w, o))
        strict = _generated(provider, 4, errors=ERRORS, insurer="7095")
        yield (
            f"return-whole-file-{provider}",
            lambda w, o=strict: _returned(w, _generate(w, o), whole_file=True),
        )
    bureau = _generated("", 5, bureau="98100001", lines=30)
    yield "generate-bureau", lambda w: b"".join(f.data for f in generate_bureau(w, bureau))


def _rendered_records(standard: vektis.Standard) -> list[dict[str, object]]:
    """Records of every shape a caller may hand to render_file: keys, numbers, credits, text."""
    header: dict[str, object] = {"record_type": "01", "ei_code": standard.ei_code}
    header |= {"version": standard.version, "subversion": standard.subversion}
    header |= {"uzovi": "7095", "factuurdatum": TODAY, "period_start": "20250501"}
    records = [header]
    for n in range(1, 7):
        line: dict[str, object] = {"record_type": "04", "id": n, "bsn": "999999990"}
        line |= {"date_of_service": TODAY - dt.timedelta(days=n), "prestatiecode": str(10000 + n)}
        line |= {"declaratiebedrag": (-1) ** n * 1234 * n, "referentie": f"R{n:03d}"}
        if n % 2:
            line |= {"tarief": str(1000 + n), "0407": 1}
        if n % 3 == 0:
            line |= {"date_of_service": None, "referentie": "½ é"}
        if standard.is_return:
            line |= {"retourcodes": ("0320", "8001")[: n % 3], "toegekend_bedrag": -n}
        records.append(line)
    records.append({"record_type": "99", "aantal_prestaties": 6, "totaal_declaratiebedrag": -5})
    return records


def _render_cases() -> Iterator[tuple[str, Case]]:
    for key in vektis.STANDARDS:
        standard = vektis.get_standard(key)
        yield f"render-{key}", lambda _w, s=standard: vektis.render_file(s, _rendered_records(s))
        yield (
            f"render-open-{key}",
            lambda _w, s=standard: vektis.render_file(s, _rendered_records(s), final_crlf=False),
        )
        if not standard.is_return:
            yield f"sample-{key}", lambda _w, k=key: vektis.sample_declaration(k)


def _judged_cases() -> Iterator[tuple[str, Case]]:
    """build_return with verdicts of every kind, on a sample declaration of each standard."""
    verdicts = (
        vektis.Judgement(codes=("0320",)),
        vektis.Judgement(codes=("0611", "8059"), toegekend=100),
        vektis.Judgement(toegekend=7),
        vektis.Judgement(codes=("0587", "0586", "0582"), toegekend=0),
    )
    for key, standard in vektis.STANDARDS.items():
        if standard.is_return:
            continue

        def build(_w: World, k: str = key) -> bytes:
            declaration = vektis.parse_file(vektis.sample_declaration(k))
            ids = [r.get_int("id") for r in declaration.details]
            judgements = {i: verdicts[n % len(verdicts)] for n, i in enumerate(ids[1::2])}
            return vektis.build_return(
                declaration, judgements, return_date=TODAY, reference="BOEK-1"
            )

        yield f"build-return-{key}", build


def cases() -> dict[str, Case]:
    return dict([*_generation_cases(), *_render_cases(), *_judged_cases()])


def digests(world: World) -> dict[str, str]:
    return {name: hashlib.sha256(case(world)).hexdigest() for name, case in cases().items()}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=7, persons=3000, today=TODAY)


@pytest.fixture(scope="module")
def golden() -> dict[str, str]:
    found: dict[str, str] = json.loads(GOLDEN.read_text("utf-8"))
    return found


def test_every_case_has_a_golden_digest(golden: dict[str, str]) -> None:
    assert sorted(golden) == sorted(cases())


@pytest.mark.parametrize("name", sorted(cases()))
def test_bytes_are_unchanged(world: World, golden: dict[str, str], name: str) -> None:
    assert hashlib.sha256(cases()[name](world)).hexdigest() == golden[name]


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    found = digests(generate_world(seed=7, persons=3000, today=TODAY))
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {len(found)} digests to {GOLDEN}")
