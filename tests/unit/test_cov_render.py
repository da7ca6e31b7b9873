"""The JSON face's bytes are ``json.dumps`` of its dict, however the answer is put together.

``render_cov_json`` composes the answer per zoekresultaat and keeps the encoded person per
value; on many seeded random answers (absent fields, escapes, non-ASCII, repeated persons) it
must equal the plain encoding of ``cov_response_to_json`` byte for byte, and so must a second
rendering of the same answer (what is kept is reused, never changed).
"""

from __future__ import annotations

import datetime as dt
import json
import random

from berichten import (
    CovResponse,
    Geslacht,
    Retourberichtresultaat,
    SoortVerzekering,
    Verzekerde,
    VerzekerdeResultaat,
    Verzekering,
    VerzekeringResultaat,
    Zoekresultaat,
    ZoekresultaatType,
    cov_response_to_json,
    render_cov_json,
)
from berichten._cov_answer import _verzekerde_text
from berichten._cov_soap import _render_verzekerde

TEXTS = ("", "a", "Ommeren", 'a&b<c>"d\\', "café", "\u20ac\u2028", "]]>", "\x01")


class _Draw:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def text(self, optional: bool = True) -> str | None:
        if optional and self.rnd.random() < 0.3:
            return None
        return self.rnd.choice(TEXTS)

    def day(self, optional: bool = True) -> dt.date | None:
        if optional and self.rnd.random() < 0.4:
            return None
        return dt.date(self.rnd.randint(1900, 2030), self.rnd.randint(1, 12), 28)

    def policy(self) -> Verzekering:
        return Verzekering(
            resultaat=self.rnd.choice(list(VerzekeringResultaat)),
            uzovi=self.rnd.randint(0, 9999),
            verzekerdennummer=self.text(False) or "",
            soort_verzekering=self.rnd.choice(list(SoortVerzekering)),
            pakketcode=self.text(),
            ingangsdatum=self.day(),
            einddatum=self.day(),
        )

    def person(self) -> Verzekerde:
        return Verzekerde(
            resultaat=self.rnd.choice(list(VerzekerdeResultaat)),
            geboortedatum=self.day(False) or dt.date.min,
            geslacht=self.rnd.choice(list(Geslacht)),
            overleden=self.rnd.random() < 0.5,
            achternaam1=self.text(False) or "",
            voorvoegsel1=self.text(),
            voorletters=self.text(),
            bsn=self.text(),
            verzekeringen=tuple(self.policy() for _ in range(self.rnd.randint(0, 3))),
        )

    def response(self, persons: list[Verzekerde]) -> CovResponse:
        results = tuple(
            Zoekresultaat(
                volgnummer=self.rnd.randint(0, 32767),
                resultaat=self.rnd.choice(list(ZoekresultaatType)),
                referentie_zorgaanbieder=self.text(),
                verzekerde=self.rnd.choice([None, *persons]),
            )
            for _ in range(self.rnd.randint(0, 4))
        )
        return CovResponse(
            resultaat=self.rnd.choice(list(Retourberichtresultaat)), zoekresultaten=results
        )


def test_render_cov_json_is_json_dumps_of_the_dict() -> None:
    draw = _Draw(13)
    persons = [draw.person() for _ in range(20)]  # few: most answers reuse a kept encoding
    for _ in range(3000):
        response = draw.response(persons)
        expected = json.dumps(cov_response_to_json(response)).encode()
        assert render_cov_json(response) == expected
        assert render_cov_json(response) == expected


def test_the_encodings_kept_per_person_are_bounded() -> None:
    assert _verzekerde_text.cache_info().maxsize == 4096
    assert _render_verzekerde.cache_info().maxsize == 4096
