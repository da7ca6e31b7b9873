"""``vecozo-sim generate``: option texts to ``GenerateOptions``, files to disk.

The parsing is pure and strict, because a typo in ``--errors`` would otherwise make a file
that silently lacks the fault the user wanted to rehearse. Every problem is a GenerateError
(exit code 2) naming the option and the accepted values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from provider_client._draw import SUPPORTED_ERRORS, GenerateError
from provider_client._generate import GeneratedFile, GenerateOptions, generate_bureau, generate_file
from world import World

__all__ = [
    "GenerateRequest",
    "parse_errors",
    "parse_fraction",
    "parse_period",
    "run_generate",
    "write_generated",
]


def parse_fraction(text: str, *, option: str) -> float:
    """A share of lines: a number greater than 0 and at most 1 (0.05 is five percent)."""
    try:
        value = float(text)
    except ValueError:
        raise GenerateError(f"{option}: {text!r} is not a number (use e.g. 0.05)") from None
    if not 0 < value <= 1:
        raise GenerateError(f"{option}: {text} is not a fraction between 0 and 1 (0.05 = 5%)")
    return value


def parse_errors(text: str) -> dict[str, float]:
    """``0320:0.05,0611:0.02`` -> {"0320": 0.05, "0611": 0.02}; only codes the generator makes."""
    mix: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        code, sep, share = item.partition(":")
        if not sep:
            raise GenerateError(f"--errors: {item!r} is not CODE:FRACTION (e.g. 0320:0.05)")
        if code not in SUPPORTED_ERRORS:
            known = ", ".join(sorted(SUPPORTED_ERRORS))
            raise GenerateError(
                f"--errors: the generator cannot make retourcode {code}; it makes {known}"
            )
        mix[code] = parse_fraction(share, option=f"--errors {code}")
    if sum(mix.values()) >= 1:
        raise GenerateError("--errors: the shares add up to 1 or more; no clean line would remain")
    return mix


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``2025-01-01:2025-01-31`` (ISO dates, inclusive), start not after end."""
    start_text, _, end_text = text.partition(":")
    try:  # without the colon end_text is empty and fails here too
        start, end = dt.date.fromisoformat(start_text), dt.date.fromisoformat(end_text)
    except ValueError:
        raise GenerateError(
            f"--period: {text!r} is not START:END in ISO dates (2025-01-01:2025-01-31)"
        ) from None
    if start > end:
        raise GenerateError(f"--period: {start} is after {end}")
    return start, end


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateRequest:
    """The command's options as typed values; ``provider`` may be None with ``bureau``."""

    provider: str | None
    lines: int
    seed: int
    standard: str | None = None
    insurer: str | None = None
    period: tuple[dt.date, dt.date] | None = None
    errors: dict[str, float]
    credits: float = 0.0
    bureau: str | None = None


def run_generate(world: World, request: GenerateRequest) -> tuple[GeneratedFile, ...]:
    """One file for a provider, or one per authorising provider and insurer for a bureau."""
    _check_parties(world, request)
    options = GenerateOptions(
        provider=request.provider or "",
        lines=request.lines,
        seed=request.seed,
        today=world.today or dt.date.today(),
        standard=request.standard,
        insurer=request.insurer,
        period=request.period,
        errors=request.errors,
        credits=request.credits,
        bureau=request.bureau,
    )
    if request.bureau and not request.provider:
        return generate_bureau(world, options)
    return (generate_file(world, options),)


def _check_parties(world: World, request: GenerateRequest) -> None:
    if request.provider is None and request.bureau is None:
        raise GenerateError("--provider AGB is needed (or --bureau AGB for a bureau's files)")
    if request.provider is not None and world.provider(request.provider) is None:
        known = ", ".join(sorted(p.code for p in world.providers))
        raise GenerateError(
            f"--provider: no provider {request.provider} in this world; known: {known}"
        )
    if request.bureau is not None and world.bureau(request.bureau) is None:
        known = ", ".join(sorted(b.agb for b in world.bureaus))
        raise GenerateError(
            f"--bureau: no service bureau {request.bureau} in this world; known: {known}"
        )
    if request.insurer is not None and world.insurer(request.insurer) is None:
        known = ", ".join(sorted(i.uzovi for i in world.insurers))
        raise GenerateError(
            f"--insurer: no insurer {request.insurer} in this world; known: {known}"
        )
    if request.lines < 1:
        raise GenerateError(f"--lines: {request.lines}; a declaration has at least one line")


def write_generated(files: Sequence[GeneratedFile], target: Path) -> list[Path]:
    """Into ``target`` as a file when it is one file and not a directory, else into the folder."""
    as_dir = len(files) > 1 or target.is_dir() or str(target).endswith(("/", "\\"))
    paths = [target / f.name for f in files] if as_dir else [target]
    try:
        for path, made in zip(paths, files, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(made.data)
    except OSError as exc:
        raise GenerateError(f"-o {target}: cannot write: {exc.strerror or exc}") from None
    return paths
