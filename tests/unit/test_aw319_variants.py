"""AW319 v1.4 with both EI codes: 428 (wijkverpleging, eerstelijnsverblijf) and 187 (Wlz).

AW319 v1.4, 0102: "Bij Wlz waarde '187', bij Wijkverpleging en Eerstelijnsverblijf waarde '428'
... vullen"; 0416: "Bij Wlz waarde '055', bij Wijkverpleging waarde '065', ... en bij
Eerstelijnsverblijf '068' vullen."
"""

from __future__ import annotations

import pytest

import vektis
from gateway._ei import findings_as_meldingen, read_header


def _file(key: str, codelijst: str | None = None) -> bytes:
    records = list(vektis.sample_records(key, insured=1, per_insured=2, amount=1234))
    if codelijst is not None:
        records[2] = {**records[2], "prestatiecodelijst": codelijst}
    return vektis.render_file(vektis.get_standard(key), records)


@pytest.mark.parametrize(
    ("key", "ei_code", "lists"),
    [("AW319", "428", ("065", "068")), ("AW319-187", "187", ("055",))],
)
def test_each_ei_code_is_its_own_standard_with_its_own_lists(
    key: str, ei_code: str, lists: tuple[str, ...]
) -> None:
    data = _file(key)
    standard = vektis.detect_standard(data)
    assert (standard.key, standard.name, data[2:5].decode()) == (key, "AW319", ei_code)
    assert standard.prestatiecodelijsten == lists
    assert {p.codelijst for p in vektis.prestatiecodes(standard)} <= set(lists)
    assert vektis.prestatiecodes(standard), "each variant ships prestatiecodes"
    assert vektis.validate(data) == []


def test_the_lists_of_the_two_variants_do_not_mix() -> None:
    wijkverpleging = {p.code for p in vektis.prestatiecodes("AW319")}
    wlz = {p.code for p in vektis.prestatiecodes("AW319-187")}
    assert wijkverpleging
    assert wlz
    assert not wijkverpleging & wlz


@pytest.mark.parametrize(
    ("key", "wrong"), [("AW319", "055"), ("AW319-187", "065"), ("AW319", "010")]
)
def test_a_prestatiecodelijst_of_the_other_variant_is_0581(key: str, wrong: str) -> None:
    findings = vektis.validate(_file(key, codelijst=wrong))
    assert [(f.record, f.field, f.code) for f in findings] == [(3, "0416", "0581")]


def test_eerstelijnsverblijf_list_068_passes_validation() -> None:
    assert vektis.validate(_file("AW319", codelijst="068")) == []


@pytest.mark.parametrize("key", ["AW319", "AW319-187"])
def test_the_gateway_reads_both_headers_as_aw319_v1_4(key: str) -> None:
    """The berichtstroom of both is AW319 1.4: the exchange compares it with this header."""
    data = _file(key)
    header = read_header(data[:400])
    assert header is not None
    assert (header.standard, header.version, header.subversion) == ("AW319", 1, 4)
    assert findings_as_meldingen(data) == []


def test_an_unknown_ei_code_is_still_8061() -> None:
    data = _file("AW319").replace(b"01428", b"01430", 1)  # 430: zintuiglijk gehandicapten
    assert [f.code for f in vektis.validate(data)] == ["8061"]
