"""The HTTP answers of the berichtenservice keep their bytes across refactorings.

``wire_answers/`` holds the answers of ``wire_scenario.py`` as recorded on the code before the
wire metadata was stored typed (issue 15): the pull listing, zoeken, the payloads and
berichtstatus v3, and ``wire_answers/store``, the gateway store that code left behind. The same
scenario must give the same bytes, and so must that old store when the current code opens it.
The parsed JSON is compared first, so a difference reads well in a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

from wire_scenario import STORE_DIR, Answer, load_answers, run_scenario

RECORDED = Path(__file__).parent / "wire_answers"


def assert_same(answers: dict[str, Answer], recorded: dict[str, Answer]) -> None:
    assert sorted(answers) == sorted(recorded)
    for name, (content_type, body) in recorded.items():
        got_type, got_body = answers[name]
        assert got_type == content_type, name
        if content_type.startswith("application/json"):
            assert json.loads(got_body) == json.loads(body), name
        assert got_body == body, name


async def test_answers_are_byte_identical_to_the_recorded_ones(tmp_path: Path) -> None:
    assert_same(await run_scenario(tmp_path), load_answers(RECORDED))


async def test_a_store_left_by_the_older_code_opens_and_answers_the_same(tmp_path: Path) -> None:
    final = {k: v for k, v in load_answers(RECORDED).items() if k.startswith("final_")}
    assert len(final) == 6
    assert_same(await run_scenario(tmp_path, store=RECORDED / STORE_DIR), final)
