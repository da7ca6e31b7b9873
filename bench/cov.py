"""CPU time of COV's own work per request, in-process: parse, decision, rendering (both faces).

Measures the pure functions a COV request runs through, each as the minimum over ``--rounds``
of ``--calls`` calls (``time.process_time``, µs per call), for one zoekopdracht by BSN that finds
a person with two policies (as ``bench/http.py`` asks) and for a request of nine zoekopdrachten
over every search path. ``decision_new`` is a decision taken afresh (``answer_cov`` without kept
decisions), ``decision_kept`` the same question asked again through ``CovRegister``; the
``*_fresh`` totals are a question never asked before (no kept decision, no kept rendering).

With ``--before SRC`` (a checkout of the code before a change, e.g. a ``git archive``), each
round runs this script once under ``PYTHONPATH=SRC`` and once under this tree, alternating, in
child processes; the last line is one JSON object with both sides and after/before ratios.

    .venv/bin/python bench/cov.py [--calls 3000] [--rounds 7] [--before /tmp/before-src]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like modules (http.py): keep it off the import path before the
# standard library's http is imported by anything below (so the imports come after it).
# ruff: noqa: E402
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import datetime as dt
import json
import os
import subprocess
import time
from collections.abc import Callable
from functools import partial
from typing import Any

TODAY = dt.date(2026, 6, 1)
NS = "http://schemas.vecozo.nl/VZ801802/v1"
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    f'<v1:Controleer xmlns:v1="{NS}" xmlns:mes="{NS}/messages" xmlns:typ="{NS}/types">'
    "<v1:request><mes:Zoekopdrachten>{}</mes:Zoekopdrachten></v1:request>"
    "</v1:Controleer></s:Body></s:Envelope>"
)
PATHS = (
    "<typ:Bsn>999900006</typ:Bsn>",
    "<typ:Bsn>999990019</typ:Bsn>",
    "<typ:Bsn>123456789</typ:Bsn>",
    "<typ:Postcode>1234AB</typ:Postcode><typ:Huisnummer>1</typ:Huisnummer>",
    "<typ:Verzekerdenummer>900000001</typ:Verzekerdenummer>",
    "<typ:Bsn>999900006</typ:Bsn><typ:Postcode>1234AB</typ:Postcode>",
    "<typ:Bsn>999900006</typ:Bsn><typ:ReferentieZorgaanbieder>a&amp;b</typ:ReferentieZorgaanbieder>",
    "<typ:Postcode>1234AB</typ:Postcode><typ:Huisnummer>2</typ:Huisnummer>",
    "<typ:Bsn>999900006</typ:Bsn>",
)


def zoekopdracht(n: int, path: str) -> str:
    return (
        f"<typ:Zoekopdracht><typ:Volgnummer>{n}</typ:Volgnummer>"
        "<typ:Geboortedatum>1980-05-17</typ:Geboortedatum>"
        f"<typ:Peildatum>{TODAY.isoformat()}</typ:Peildatum>{path}</typ:Zoekopdracht>"
    )


def register_body() -> dict[str, Any]:
    policy = {"uzovi": "7095", "verzekerdennummer": "900000001", "begin": "2015-01-01"}
    person = {
        "bsn": "999900006",
        "geboortedatum": "1980-05-17",
        "naam": "Testpersoon",
        "voorletters": "J.",
        "geslacht": "Man",
        "postcode": "1234AB",
        "huisnummer": 1,
        "policies": [
            {**policy, "soort": "Basis", "pakket": "basis"},
            {**policy, "soort": "Tand", "pakket": "tand-750"},
        ],
    }
    return {"verzekerden": [person]}


def best(call: Callable[[], object], calls: int, rounds: int) -> float:
    """Minimum CPU µs per call over the rounds: noise on a shared machine only adds time."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            call()
        fastest = min(fastest, (time.process_time() - started) / calls)
    return round(fastest * 1e6, 2)


def measure(calls: int, rounds: int) -> dict[str, float]:
    import berichten
    from gateway import CovRegister

    print(f"measuring {Path(berichten.__file__).parent.parent}", file=sys.stderr)

    entries = berichten.parse_cov_register(register_body())
    register = CovRegister({"7095": entries})
    index = berichten.CovIndex(entries)
    one = ENVELOPE.format(zoekopdracht(1, PATHS[0])).encode()
    many = ENVELOPE.format("".join(zoekopdracht(i, p) for i, p in enumerate(PATHS))).encode()
    json_body = json.dumps({"bsn": "999900006", "geboortedatum": "1980-05-17"}).encode()
    kept = ("_cov_soap", "_render_verzekerde"), ("_cov_answer", "_verzekerde_text")
    memos = [getattr(getattr(berichten, m, None), f, None) for m, f in kept]
    clears = [c for c in (getattr(m, "cache_clear", None) for m in memos) if c is not None]

    def forget() -> None:
        for clear in clears:
            clear()

    # the JSON face before render_cov_json: web.json_response(json.dumps(the dict))
    render_json = getattr(berichten, "render_cov_json", None) or (
        lambda r: json.dumps(berichten.cov_response_to_json(r)).encode()
    )

    def soap(body: bytes) -> bytes:
        question = berichten.parse_cov_request(body)
        return berichten.render_cov_response(register.answer(question, today=TODAY))

    def soap_fresh(body: bytes) -> bytes:
        """As a question never asked before: no kept decision, no kept rendering."""
        forget()
        question = berichten.parse_cov_request(body)
        return berichten.render_cov_response(berichten.answer_cov(question, index, TODAY))

    def json_fresh() -> bytes:
        forget()
        question = berichten.parse_cov_json(json.loads(json_body), today=TODAY)
        return render_json(berichten.answer_cov(question, index, TODAY))

    def cov_json() -> bytes:
        question = berichten.parse_cov_json(json.loads(json_body), today=TODAY)
        return render_json(register.answer(question, today=TODAY))

    figures: dict[str, float] = {}
    for name, body, n in (("one", one, calls), ("nine", many, max(calls // 5, 1))):
        question = berichten.parse_cov_request(body)
        answer = register.answer(question, today=TODAY)
        figures |= {
            f"soap_{name}_parse": best(partial(berichten.parse_cov_request, body), n, rounds),
            f"{name}_decision_new": best(
                partial(berichten.answer_cov, question, index, TODAY), n, rounds
            ),
            f"{name}_decision_kept": best(
                partial(register.answer, question, today=TODAY), n, rounds
            ),
            f"soap_{name}_render": best(partial(berichten.render_cov_response, answer), n, rounds),
            f"soap_{name}_total": best(partial(soap, body), n, rounds),
            f"soap_{name}_total_fresh": best(partial(soap_fresh, body), n, rounds),
        }
    question = berichten.parse_cov_json(json.loads(json_body), today=TODAY)
    answer = register.answer(question, today=TODAY)
    figures["json_parse"] = best(
        lambda: berichten.parse_cov_json(json.loads(json_body), today=TODAY), calls, rounds
    )
    figures["json_render"] = best(lambda: render_json(answer), calls, rounds)
    figures["json_total"] = best(cov_json, calls, rounds)
    figures["json_total_fresh"] = best(json_fresh, calls, rounds)
    return figures


def child(source: Path | None, args: argparse.Namespace) -> dict[str, float]:
    """One measurement in a fresh process, importing the code from ``source`` if given."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    command = [sys.executable, str(Path(__file__).resolve()), "--calls", str(args.calls)]
    command += ["--rounds", str(args.rounds), "--only-here"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=True)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Before and after in alternation, ``--alternations`` times; the minimum per figure."""
    sides: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for turn in range(args.alternations):
        order = ("before", "after") if turn % 2 == 0 else ("after", "before")
        for side in order:
            sides[side].append(child(args.before if side == "before" else None, args))
    low = {side: {k: min(r[k] for r in runs) for k in runs[0]} for side, runs in sides.items()}
    ratios = {k: round(low["before"][k] / low["after"][k], 2) for k in low["after"]}
    return {"before_us": low["before"], "after_us": low["after"], "speedup": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per figure (minimum)")
    parser.add_argument("--before", type=Path, help="source tree of the code before a change")
    parser.add_argument("--alternations", type=int, default=2, help="with --before")
    parser.add_argument("--only-here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.before is None or args.only_here:
        # PYTHONPATH (the code before) is searched ahead of the editable install's finder.
        print(json.dumps(measure(args.calls, args.rounds)))
        return
    print(json.dumps(compare(args)))


if __name__ == "__main__":
    main()
