"""The curl push example of docs/CLIENT.md, run as it stands against a running exchange.

The block after the ``push-example`` marker is extracted from the document and given to
``/bin/sh`` in a directory holding ``decl.asc``; only ``VECOZO_HOME`` and ``VECOZO_URL`` are set,
as the block invites. It must push (204) and list the pushed message's status, so the document
cannot drift from what the exchange accepts. Blocking ``subprocess`` runs in a thread so the
in-process exchange keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from provider_client import GenerateOptions, generate_file
from vecozo_sim.pytest_plugin import VecozoExchange

DOC = Path(__file__).resolve().parents[2] / "docs" / "CLIENT.md"
MARKER = "<!-- push-example:"


def push_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    after = text.split(MARKER, 1)[1]
    match = re.search(r"```sh\n(.*?)```", after, flags=re.DOTALL)
    assert match is not None, "no sh block after the push-example marker"
    return match.group(1)


def run_shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-c", script],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
async def test_the_documented_curl_push_is_accepted_and_its_status_listed(
    vecozo: VecozoExchange, tmp_path: Path
) -> None:
    today = vecozo.world.today or dt.date.today()
    options = GenerateOptions(provider="12050001", insurer="7095", lines=3, seed=5, today=today)
    (tmp_path / "decl.asc").write_bytes(generate_file(vecozo.world, options).data)
    env = {"VECOZO_HOME": str(vecozo.home), "VECOZO_URL": vecozo.gateway_url}

    done = await asyncio.to_thread(run_shell, push_example(), tmp_path, env)

    assert done.returncode == 0, done.stderr
    first, statuses = done.stdout.split("\n", 1)
    assert first == "push: HTTP 204", done.stdout
    [received, *_] = json.loads(statuses)
    traceer_id = json.loads((tmp_path / "metadata.json").read_text())["referentiegegevens"][
        "traceerId"
    ]
    assert received["referentiegegevens"]["traceerId"] == traceer_id
    assert received["berichtstatus"] in {"Ontvangen", "WordtVerwerkt", "VerwerkingVoltooid"} | {
        "WordtAangeboden",
        "Bezorgd",
    }
    # and the exchange really has it: the insurer's return comes back to the dentist
    info, _returned = await vecozo.client("12050001").fetch_return(traceer_id, timeout=30)
    assert info.als_antwoord_op == traceer_id
