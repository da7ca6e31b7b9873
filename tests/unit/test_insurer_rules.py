"""One test per adjudication rule: a crafted MZ301 file that triggers exactly that retourcode.

The world is built by hand here (two VGZ brands, Zilveren Kruis, a contracted and an uncontracted
practice, two bureaus, a handful of insured persons), so every expectation can be read off it.
Return files are parsed back with the codec and checked record by record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from vektis_values import mz301_header as header

from insurer_stub import Adjudication, InsurerView, MemoryHistory, adjudicate
from vektis import get_standard, make_bsn, parse_file, render_file
from world import (
    Bureau,
    Coverage,
    CoverageKind,
    Insurer,
    InsurerPolicy,
    Machtiging,
    Person,
    Provider,
    TermKind,
    Toestemming,
    WlzStay,
    World,
)

TODAY = dt.date(2025, 6, 15)
TREATED = dt.date(2025, 5, 2)
MZ301 = get_standard("MZ301")


def _bsn(n: int) -> str:
    while (bsn := make_bsn(n)) is None:
        n += 1
    return bsn


BSN = {
    name: _bsn(10_000_000 + 37 * i)
    for i, name in enumerate(("jansen", "dood", "gestopt", "wlz", "basis", "elders"))
}
TARIFFS = {"C11": 2458, "C13": 2458, "V91": 5652, "H11": 7619, "X10": 1716}
POLICY = InsurerPolicy(
    term_kind=TermKind.MONTHS_AFTER_TREATMENT,
    term_length=12,
    contracted_tariffs=TARIFFS,
    max_tariffs={code: cents * 75 // 100 for code, cents in TARIFFS.items() if code != "X10"},
    coverage={"basis": frozenset({"C11", "C13"}), "tand": frozenset(TARIFFS)},
    machtiging_codes=frozenset({"H11"}),
    supported_standards=frozenset({"MZ301", "OS301"}),
)


def _person(key: str, **changes: Any) -> Person:
    base = Person(
        bsn=BSN[key],
        initials="J",
        surname=key.capitalize(),
        prefix="",
        birth_date=dt.date(1980, 1, 1),
        sex="1",
        postcode="1234AB",
        house_number=1,
        coverages=(
            Coverage(
                uzovi="7095",
                verzekerdennummer=f"V{key}",
                kind=CoverageKind.BASIS,
                package="basis",
                start=dt.date(2020, 1, 1),
            ),
            Coverage(
                uzovi="7095",
                verzekerdennummer=f"W{key}",
                kind=CoverageKind.AANVULLEND,
                package="tand",
                start=dt.date(2020, 1, 1),
            ),
        ),
        machtigingen=(
            Machtiging(
                number="M1",
                uzovi="7095",
                prestatiecode="H11",
                start=dt.date(2025, 4, 1),
                end=dt.date(2025, 4, 30),
            ),
        ),
    )
    return dataclasses.replace(base, **changes)


def _basis_only() -> tuple[Coverage, ...]:
    return (
        Coverage(
            uzovi="7095",
            verzekerdennummer="Vbasis",
            kind=CoverageKind.BASIS,
            package="basis",
            start=dt.date(2020, 1, 1),
        ),
    )


def _ended() -> tuple[Coverage, ...]:
    return (
        Coverage(
            uzovi="7095",
            verzekerdennummer="Vgestopt",
            kind=CoverageKind.BASIS,
            package="tand",
            start=dt.date(2020, 1, 1),
            end=dt.date(2025, 4, 30),
        ),
    )


def _elsewhere() -> tuple[Coverage, ...]:
    return (
        Coverage(
            uzovi="7119",
            verzekerdennummer="Velders",
            kind=CoverageKind.BASIS,
            package="tand",
            start=dt.date(2020, 1, 1),
        ),
    )


def make_world(policy: InsurerPolicy = POLICY) -> World:
    zk = dataclasses.replace(policy, term_kind=TermKind.CALENDAR_YEARS, term_length=2)
    return World(
        seed=1,
        insurers=(
            Insurer(uzovi="7095", name="VGZ", group="VGZ", policy=policy),
            Insurer(uzovi="0101", name="Univé", group="VGZ", policy=policy),
            Insurer(uzovi="3311", name="Zilveren Kruis", group="Achmea", policy=zk),
            Insurer(uzovi="7119", name="CZ", group="CZ", policy=policy),
        ),
        providers=(
            Provider(
                agb="12100001",
                practice_agb="12050001",
                kind="12",
                name="Tandarts",
                standard="MZ301",
                contracted_with=frozenset({"7095", "3311"}),
                practitioners=frozenset({"12100003"}),
            ),
            Provider(
                agb="12100002",
                practice_agb="12050002",
                kind="12",
                name="Vrije tandarts",
                standard="MZ301",
            ),
        ),
        bureaus=(Bureau(agb="98000001", name="Bureau"), Bureau(agb="98000002", name="Ander")),
        accounts=(),
        toestemmingen=(
            Toestemming(
                provider="12050001",
                bureau="98000001",
                valid_from=dt.date(2025, 1, 1),
                valid_to=dt.date(2026, 12, 31),
            ),
        ),
        persons=(
            _person("jansen"),
            _person("dood", deceased=dt.date(2025, 4, 1)),
            _person("gestopt", coverages=_ended()),
            _person("wlz", wlz_stays=(WlzStay(start=dt.date(2025, 1, 1)),)),
            _person("basis", coverages=_basis_only()),
            _person("elders", coverages=_elsewhere()),
        ),
        scenarios=(),
    )


WORLD = make_world()
VGZ = InsurerView.from_world(WORLD, "7095")


def insured(who: str = "jansen", **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "record_type": "02",
        "bsn": BSN.get(who, who),
        "uzovi": "7095",
        "birth_date": dt.date(1980, 1, 1),
        "sex": "1",
        "surname": who.capitalize(),
        "initials": "J",
        "house_number": 1,
        "overleden": "2",
        "0209": "1",
    }
    return values | changes


def line(
    ref: str, code: str = "C11", amount: int | None = None, **changes: object
) -> dict[str, object]:
    cents = TARIFFS.get(code, 1000) if amount is None else amount
    values: dict[str, object] = {
        "record_type": "04",
        "uzovi": "7095",
        "date_of_service": TREATED,
        "prestatiecodelijst": "010",
        "prestatiecode": code,
        "tarief": abs(cents),
        "aantal": 1,
        "berekend_bedrag": cents,
        "declaratiebedrag": cents,
        "referentie": ref,
        "0407": "1",
        "0409": "01",
        "0410": "N",
    }
    return values | changes


def build(
    *records: Mapping[str, object],
    head: Mapping[str, object] | None = None,
    standard: str = "MZ301",
) -> bytes:
    """Number the detail records, copy the BSN from the 02 into its 04s, close the file."""
    out: list[dict[str, object]] = [dict(head or header())]
    bsn = ""
    total = 0
    for number, rec in enumerate(records, start=1):
        item = dict(rec, id=number)
        if item["record_type"] == "02":
            bsn = str(item["bsn"])
        else:
            item.setdefault("bsn", bsn)
            total += int(item["declaratiebedrag"])  # type: ignore[call-overload]
        out.append(item)
    kinds = [r["record_type"] for r in records]
    out.append(
        {
            "record_type": "99",
            "aantal_verzekerden": kinds.count("02"),
            "aantal_prestaties": kinds.count("04"),
            "aantal_detail": len(kinds),
            "totaal_declaratiebedrag": total,
        }
    )
    return render_file(get_standard(standard), out)


def judge(
    data: bytes,
    history: MemoryHistory | None = None,
    *,
    view: InsurerView = VGZ,
    today: dt.date = TODAY,
) -> Adjudication:
    return adjudicate(
        parse_file(data), insurer=view, history=history or MemoryHistory(), today=today
    )


def remember(result: Adjudication, history: MemoryHistory) -> None:
    """What the I/O shell does after a file: the history sees its lines and credits."""
    for judged in result.lines:
        history.remember(judged.as_prior())
    for ref in result.credited:
        earlier = history.line(result.declarant, ref)
        assert earlier is not None
        history.remember(dataclasses.replace(earlier, status=type(earlier.status)("credited")))
    if result.judged:
        history.remember_invoice(result.declarant, result.factuurnummer, result.fingerprint)


def returned(result: Adjudication, standard: str = "MZ302") -> dict[str, Any]:
    """The return file as {header codes, {id: (type, codes, toegekend)}, totals}."""
    parsed = parse_file(result.return_file)
    assert parsed.standard.name == standard
    records = {}
    for rec in parsed.details:
        awarded = rec.get("toegekend_bedrag") if rec.record_type == "04" else None
        records[rec.get_int("id")] = (rec.record_type, rec.get("retourcodes"), awarded)
    return {
        "header": parsed.header.get("retourcodes"),
        "records": records,
        "ingediend": parsed.closing.get("totaal_declaratiebedrag"),
        "toegekend": parsed.closing.get("totaal_toegekend"),
    }


def only_line_code(data: bytes, code: str, history: MemoryHistory | None = None) -> None:
    """The single prestatie (id 2) is rejected with exactly ``code``; its 02 comes back 0200."""
    out = returned(judge(data, history))
    assert out["records"] == {1: ("02", ("0200",), None), 2: ("04", (code,), 0)}
    assert out["toegekend"] == 0
    assert out["header"] == ("8073",)


# --- a clean file ---------------------------------------------------------------------------


def test_clean_file_returns_header_and_closing_only() -> None:
    result = judge(build(insured(), line("R1"), line("R2", "V91")))
    out = returned(result)
    assert out["header"] == ("8001",)
    assert out["records"] == {}
    assert out["ingediend"] == out["toegekend"] == TARIFFS["C11"] + TARIFFS["V91"]
    assert [j.status.value for j in result.lines] == ["paid", "paid"]


def test_brand_uzovi_is_accepted() -> None:
    head = header(uzovi="0101")
    assert returned(judge(build(insured(), line("R1"), head=head)))["header"] == ("8001",)


# --- header rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"uzovi": "3311"}, "0018"),
        ({"zorgverlenerscode": "12999999"}, "0014"),
        ({"praktijkcode": "12059999", "zorgverlenerscode": "00000000"}, "0016"),
        ({"servicebureau": "98000002"}, "8023"),
        ({"servicebureau": "98009999"}, "0013"),
    ],
)
def test_header_rule_rejects_whole_file(changes: dict[str, object], code: str) -> None:
    result = judge(build(insured(), line("R1"), head=header(**changes)))
    out = returned(result)
    assert out["header"] == (code,)
    assert out["records"] == {1: ("02", ("8002",), None), 2: ("04", ("8002",), 0)}
    assert out["toegekend"] == 0
    assert result.lines == ()
    assert not result.judged


def test_bureau_with_toestemming_is_accepted() -> None:
    head = header(servicebureau="98000001")
    assert returned(judge(build(insured(), line("R1"), head=head)))["header"] == ("8001",)


def test_uncontracted_provider_without_restitution_is_8022() -> None:
    view = InsurerView.from_world(make_world(dataclasses.replace(POLICY, max_tariffs={})), "7095")
    head = header(zorgverlenerscode="12100002", praktijkcode="12050002")
    out = returned(judge(build(insured(), line("R1"), head=head), view=view))
    assert out["header"] == ("8022",)


# --- AGB codes: the praktijk declares, its own zorgverleners treat -----------------------------


def test_personal_agb_without_praktijkcode_is_0016_where_the_policy_says_so() -> None:
    """VGZ (seed 000): "Declareer op de AGB-code van uw praktijk (anders dan uw persoonlijke
    AGB-code)"; an insurer without that rule takes the individual zorgverlener as declarant."""
    personal = header(praktijkcode="0")
    vgz = InsurerView.from_world(
        make_world(dataclasses.replace(POLICY, practice_code_required=True)), "7095"
    )
    out = returned(judge(build(insured(), line("R1"), head=personal), view=vgz))
    assert out["header"] == ("0016",)
    assert out["toegekend"] == 0
    assert returned(judge(build(insured(), line("R1"), head=personal)))["header"] == ("8001",)


@pytest.mark.parametrize(
    ("zorgverlener", "code"),
    [("12100002", "8066"), ("12999999", "0014"), ("12100003", "8001")],
)
def test_zorgverlener_must_work_at_the_praktijk_in_the_voorlooprecord(
    zorgverlener: str, code: str
) -> None:
    """8066 "Geen relatie bekend tussen zorgverlener in voorlooprecord en praktijk in
    voorlooprecord": 12100002 works at 12050002; 12100003 is a colleague at 12050001."""
    head = header(zorgverlenerscode=zorgverlener)
    assert returned(judge(build(insured(), line("R1"), head=head)))["header"] == (code,)


@pytest.mark.parametrize(
    ("behandelaar", "code"),
    [("12999999", "5760"), ("12100002", "0559"), ("12100003", None), ("12100001", None)],
)
def test_behandelaar_unknown_is_5760_working_elsewhere_0559(
    behandelaar: str, code: str | None
) -> None:
    data = build(insured(), line("R1", behandelaar=behandelaar))
    if code is None:
        assert returned(judge(data))["header"] == ("8001",)
    else:
        only_line_code(data, code)


def test_unsupported_standard_is_8061() -> None:
    view = InsurerView.from_world(
        make_world(dataclasses.replace(POLICY, supported_standards=frozenset({"OS301"}))), "7095"
    )
    assert returned(judge(build(insured(), line("R1")), view=view))["header"] == ("8061",)


def test_factuurnummer_reused_is_0030_and_same_file_again_is_8067() -> None:
    history = MemoryHistory()
    first = build(insured(), line("R1"))
    remember(judge(first, history), history)
    assert returned(judge(first, history))["header"] == ("8067",)
    other = build(insured(), line("R2", "V91"))
    assert returned(judge(other, history))["header"] == ("0030",)


# --- insured rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (insured(_bsn(20_000_000)), "0320"),
        (insured(_bsn(20_000_000), verzekerdennummer="ONBEKEND"), "0300"),
        (insured(verzekerdennummer="Vdood"), "0300"),
        (insured(birth_date=dt.date(1981, 1, 1)), "8004"),
        (insured(surname="Pietersen"), "8005"),
        (insured("elders"), "0320"),
    ],
)
def test_insured_rule_rejects_record_and_its_lines(record: dict[str, object], code: str) -> None:
    data = build(record, line("R1"), line("R2", "V91"))
    out = returned(judge(data))
    assert out["records"] == {
        1: ("02", (code,), None),
        2: ("04", ("8002",), 0),
        3: ("04", ("8002",), 0),
    }
    assert out["header"] == ("8073",)


def _named(surname: str, prefix: str = "") -> InsurerView:
    """VGZ's view of a world where "jansen" is called ``prefix surname``."""
    persons = tuple(
        dataclasses.replace(p, surname=surname, prefix=prefix) if p.bsn == BSN["jansen"] else p
        for p in WORLD.persons
    )
    return InsurerView.from_world(dataclasses.replace(WORLD, persons=persons), "7095")


@pytest.mark.parametrize(
    ("known", "declared"),
    [
        (("Wlzcliënt", ""), {"surname": "Wlzclient"}),
        (("Wlzcliënt", ""), {"surname": "WLZCLIENT"}),
        (("Wlzcliënt", ""), {"surname": "wlzcliënt"}),
        (("Berg", "van der"), {"surname": "BERG"}),
        (("Berg", "van der"), {"surname": "Berg", "prefix": "VAN DER"}),
        (("Berg", "van der"), {"surname": "Van der Berg"}),
        (("Berg", "van der"), {"surname": "vanderberg"}),
        (("d'Hondt-Çelik", ""), {"surname": "D HONDT CELIK"}),
    ],
)
def test_names_match_without_case_diacritics_or_voorvoegsel(
    known: tuple[str, str], declared: dict[str, str]
) -> None:
    """Issue 10: practice systems send ASCII upper case; insurers compare names folded."""
    view = _named(*known)
    assert returned(judge(build(insured(**declared), line("R1")), view=view))["header"] == ("8001",)


def test_another_name_is_still_8005() -> None:
    view = _named("Wlzcliënt")
    out = returned(judge(build(insured(surname="Wlzclienten"), line("R1")), view=view))
    assert out["records"][1] == ("02", ("8005",), None)


def test_verzekerdennummer_of_the_person_is_accepted() -> None:
    data = build(insured(verzekerdennummer="Wjansen"), line("R1"))
    assert returned(judge(data))["header"] == ("8001",)


# --- prestatie rules ------------------------------------------------------------------------


def test_deceased_before_treatment_is_0328() -> None:
    only_line_code(build(insured("dood"), line("R1")), "0328")


def test_not_insured_on_the_single_date_of_care_is_0320_not_0506() -> None:
    """0506 is "slechts tijdens een gedeelte van de behandelperiode verzekerd": a one-day
    prestatie after the policy ended is simply not insured (issue 10)."""
    only_line_code(build(insured("gestopt"), line("R1")), "0320")


def _aw319_view() -> InsurerView:
    policy = dataclasses.replace(
        POLICY,
        supported_standards=frozenset({"AW319"}),
        coverage={"basis": frozenset({"1001"}), "tand": frozenset({"1001"})},
        contracted_tariffs={"1001": 7850},
    )
    return InsurerView.from_world(make_world(policy), "7095")


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (dt.date(2025, 4, 20), dt.date(2025, 5, 5), "0506"),  # the policy ended on 30 April
        (dt.date(2025, 5, 2), dt.date(2025, 5, 5), "0320"),  # no day of the period insured
    ],
)
def test_period_partly_insured_is_0506_wholly_uninsured_0320(
    start: dt.date, end: dt.date, code: str
) -> None:
    record = hours("W1", 7850, start) | {"end_date_of_service": end}
    data = build(
        insured("gestopt"), record, head=header(ei_code=428, subversion=4), standard="AW319"
    )
    out = returned(judge(data, view=_aw319_view()), "AW320")
    assert out["records"][2] == ("04", (code,), 0)


def test_wlz_client_is_8983_inside_the_stay_only() -> None:
    """The seeds: 8983 for a client who *stays* in a Wlz institution (from 1 January 2025 here)."""
    only_line_code(build(insured("wlz"), line("R1")), "8983")
    before = line("R1", date_of_service=dt.date(2024, 12, 20))
    assert returned(judge(build(insured("wlz"), before)))["header"] == ("8001",)


def test_wlz_stay_ended_is_paid() -> None:
    ended = (WlzStay(start=dt.date(2024, 1, 1), end=dt.date(2025, 4, 30)),)
    world = dataclasses.replace(
        WORLD,
        persons=tuple(
            dataclasses.replace(p, wlz_stays=ended) if p.bsn == BSN["wlz"] else p
            for p in WORLD.persons
        ),
    )
    view = InsurerView.from_world(world, "7095")
    assert returned(judge(build(insured("wlz"), line("R1")), view=view))["header"] == ("8001",)


def test_wlz_is_not_judged_where_the_policy_does_not_say_so() -> None:
    view = InsurerView.from_world(
        make_world(dataclasses.replace(POLICY, rejects_wlz=False)), "7095"
    )
    assert returned(judge(build(insured("wlz"), line("R1")), view=view))["header"] == ("8001",)


def test_unknown_prestatiecode_is_0582_and_unknown_list_is_0581() -> None:
    only_line_code(build(insured(), line("R1", "Q99", 1000)), "0582")
    only_line_code(build(insured(), line("R1", prestatiecodelijst="999")), "0581")


def test_not_covered_by_package_is_0613() -> None:
    only_line_code(build(insured("basis"), line("R1", "V91")), "0613")


def test_tariff_above_contract_is_0611() -> None:
    only_line_code(build(insured(), line("R1", "V91", 6000)), "0611")


def test_non_contracted_care_is_paid_at_the_maximum_with_8059() -> None:
    head = header(zorgverlenerscode="12100002", praktijkcode="12050002")
    result = judge(build(insured(), line("R1", "V91"), line("R2", "C11", 1000), head=head))
    maximum = TARIFFS["V91"] * 75 // 100
    out = returned(result)
    assert out["records"] == {1: ("02", ("0200",), None), 2: ("04", ("8059",), maximum)}
    assert out["toegekend"] == maximum + 1000
    assert out["header"] == ("0200",)
    assert result.lines[0].status.value == "paid"


def test_non_contracted_code_without_maximum_is_0611() -> None:
    head = header(zorgverlenerscode="12100002", praktijkcode="12050002")
    out = returned(judge(build(insured(), line("R1", "X10"), head=head)))
    assert out["records"][2] == ("04", ("0611",), 0)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"date_of_service": dt.date(2025, 4, 10), "machtigingsnummer": "M2"}, "0551"),
        ({"date_of_service": dt.date(2025, 5, 10)}, "0552"),
        ({"date_of_service": dt.date(2025, 3, 10)}, "0553"),
    ],
)
def test_machtiging_rules(changes: dict[str, object], code: str) -> None:
    only_line_code(build(insured(), line("R1", "H11") | changes), code)


def test_machtiging_within_its_period_is_accepted() -> None:
    data = build(insured(), line("R1", "H11", date_of_service=dt.date(2025, 4, 10)))
    assert returned(judge(data))["header"] == ("8001",)


def test_vgz_term_twelve_months_after_treatment_is_0586() -> None:
    treated = dt.date(2024, 6, 14)
    only_line_code(build(insured(), line("R1", date_of_service=treated)), "0586")
    late_ok = build(insured(), line("R1", date_of_service=dt.date(2024, 6, 15)))
    assert returned(judge(late_ok))["header"] == ("8001",)


def test_zilveren_kruis_term_counts_calendar_years() -> None:
    zk = next(p for p in WORLD.persons if p.bsn == BSN["jansen"])
    world = dataclasses.replace(
        make_world(),
        persons=(
            dataclasses.replace(
                zk,
                coverages=tuple(dataclasses.replace(c, uzovi="3311") for c in zk.coverages),
                machtigingen=(),
            ),
        ),
    )
    view = InsurerView.from_world(world, "3311")
    head = header(uzovi="3311")
    in_term = build(
        insured(uzovi="3311"), line("R1", date_of_service=dt.date(2024, 1, 2)), head=head
    )
    assert returned(judge(in_term, view=view))["header"] == ("8001",)
    late = build(
        insured(uzovi="3311"), line("R1", date_of_service=dt.date(2023, 12, 31)), head=head
    )
    assert returned(judge(late, view=view))["records"][2] == ("04", ("0586",), 0)


def test_treatment_after_invoice_date_is_8176() -> None:
    only_line_code(build(insured(), line("R1", date_of_service=dt.date(2025, 6, 11))), "8176")


def test_already_declared_is_0587_and_reference_reused_is_8021() -> None:
    history = MemoryHistory()
    remember(judge(build(insured(), line("R1"))), history)
    again = build(insured(), line("R2"), head=header(factuurnummer="F2"))
    only_line_code(again, "0587", history)
    reused = build(insured(), line("R1", "V91"), head=header(factuurnummer="F3"))
    only_line_code(reused, "8021", history)


def test_duplicates_within_one_file() -> None:
    out = returned(judge(build(insured(), line("R1"), line("R2"), line("R1", "V91"))))
    assert out["records"][3] == ("04", ("0587",), 0)
    assert out["records"][4] == ("04", ("8021",), 0)
    assert 2 not in out["records"]


def test_rejected_line_may_come_back_under_its_reference() -> None:
    history = MemoryHistory()
    remember(judge(build(insured(), line("R1", "V91", 6000))), history)
    fixed = build(insured(), line("R1", "V91"), head=header(factuurnummer="F2"))
    assert returned(judge(fixed, history))["header"] == ("8001",)


# --- credits --------------------------------------------------------------------------------


def _paid_history(amount: int | None = None) -> MemoryHistory:
    history = MemoryHistory()
    remember(judge(build(insured(), line("R1", "V91", amount))), history)
    return history


def credit(ref: str, of: str, amount: int) -> dict[str, object]:
    return line(ref, "V91", -amount, referentie_voorgaand=of)


def test_credit_of_a_paid_line_is_accepted_and_frees_the_prestatie() -> None:
    history = _paid_history()
    result = judge(
        build(insured(), credit("C1", "R1", TARIFFS["V91"]), head=header(factuurnummer="F2")),
        history,
    )
    out = returned(result)
    assert out["header"] == ("8001",)
    assert out["toegekend"] == -TARIFFS["V91"]
    assert result.credited == ("R1",)
    remember(result, history)
    again = build(insured(), line("R2", "V91"), head=header(factuurnummer="F3"))
    assert returned(judge(again, history))["header"] == ("8001",)


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (line("C1", "V91", -TARIFFS["V91"]), "0651"),
        (credit("C1", "R9", TARIFFS["V91"]), "8017"),
        (credit("C1", "R1", TARIFFS["V91"] - 1), "8017"),
    ],
)
def test_credit_rules(record: dict[str, object], code: str) -> None:
    only_line_code(build(insured(), record, head=header(factuurnummer="F2")), code, _paid_history())


def test_credit_of_a_rejected_line_is_8017() -> None:
    history = _paid_history(6000)  # above the contracted tariff: rejected 0611
    data = build(insured(), credit("C1", "R1", 6000), head=header(factuurnummer="F2"))
    only_line_code(data, "8017", history)


def test_line_credited_twice_is_8084() -> None:
    history = _paid_history()
    first = judge(
        build(insured(), credit("C1", "R1", TARIFFS["V91"]), head=header(factuurnummer="F2")),
        history,
    )
    remember(first, history)
    data = build(insured(), credit("C2", "R1", TARIFFS["V91"]), head=header(factuurnummer="F3"))
    only_line_code(data, "8084", history)


def test_debit_and_its_credit_in_one_file_is_8062() -> None:
    out = returned(judge(build(insured(), line("R1", "V91"), credit("C1", "R1", TARIFFS["V91"]))))
    assert out["records"][2] == ("04", ("8062",), 0)
    assert out["records"][3] == ("04", ("8062",), 0)
    assert out["toegekend"] == 0


# --- whole-file rejection -------------------------------------------------------------------


def test_whole_file_mode_rejects_good_lines_with_8096() -> None:
    strict = dataclasses.replace(POLICY, whole_file_rejection=True)
    view = InsurerView.from_world(make_world(strict), "7095")
    out = returned(judge(build(insured(), line("R1"), line("R2", "V91", 6000)), view=view))
    assert out["header"] == ("8097",)
    assert out["records"][2] == ("04", ("8096",), 0)
    assert out["records"][3] == ("04", ("0611",), 0)
    assert out["toegekend"] == 0


def test_whole_file_mode_leaves_a_clean_file_alone() -> None:
    strict = dataclasses.replace(POLICY, whole_file_rejection=True)
    view = InsurerView.from_world(make_world(strict), "7095")
    assert returned(judge(build(insured(), line("R1")), view=view))["header"] == ("8001",)


# --- other standards ------------------------------------------------------------------------


def test_aw319_is_judged_and_answered_with_an_aw320_return() -> None:
    """AW319 wijkverpleging (COD002 428) is answered by AW320 (429); it used to be 8061."""
    view = _aw319_view()
    head = header(ei_code=428, subversion=4)
    data = build(
        insured(),
        hours("W1", 7850),
        hours("W2", 9000, TREATED + dt.timedelta(days=1)),
        head=head,
        standard="AW319",
    )
    out = returned(judge(data, view=view), "AW320")
    assert out["header"] == ("0200",)
    assert out["records"] == {1: ("02", ("0200",), None), 3: ("04", ("0611",), 0)}
    assert (out["ingediend"], out["toegekend"]) == (7850 + 9000, 7850)


def hours(ref: str, cents: int, day: dt.date = TREATED) -> dict[str, object]:
    """An AW319 line of wijkverpleging (list 065, code 1001); 0409/0410 mean other fields here."""
    values = line(ref, "1001", cents, prestatiecodelijst="065", behandelaar="12100001")
    values = {k: v for k, v in values.items() if k not in ("0409", "0410")}
    return values | {"date_of_service": day, "end_date_of_service": day}


# --- packages over time: the per-file policy cache must see each policy's own period -------


def _split_cover_view() -> tuple[InsurerView, str]:
    """Someone with basis throughout and tand only until 30 April 2025 (the day before is
    inside both policies, TREATED only inside basis), and someone whose tand starts later."""
    bsn, late_bsn = _bsn(20_000_000), _bsn(20_000_100)
    tand_until_april = (
        _basis_only()[0],
        dataclasses.replace(_ended()[0], kind=CoverageKind.AANVULLEND, verzekerdennummer="Wx"),
    )
    tand_from_june = (
        _basis_only()[0],
        dataclasses.replace(_ended()[0], start=dt.date(2025, 6, 1), end=None),
    )
    people = (
        _person("basis", bsn=bsn, coverages=tand_until_april),
        _person("basis", bsn=late_bsn, coverages=tand_from_june),
    )
    world = dataclasses.replace(WORLD, persons=WORLD.persons + people)
    return InsurerView.from_world(world, "7095"), late_bsn


def test_package_that_ended_before_the_treatment_does_not_cover_it() -> None:
    view, late_bsn = _split_cover_view()
    bsn = _bsn(20_000_000)
    april = dt.date(2025, 4, 29)
    data = build(
        insured(bsn, surname="Basis"),
        line("R1", "V91", date_of_service=april),  # tand still ran: paid
        line("R2", "V91"),  # tand had ended: 0613
        line("R3", "C11"),  # basis: paid
        line("R4", "V91", date_of_service=april),  # same prestatie again: 0587, not 0613
        insured(late_bsn, surname="Basis"),
        line("R5", "V91"),  # tand had not started yet: 0613
        line("R6", "C11", date_of_service=april),
    )
    result = adjudicate(parse_file(data), insurer=view, history=MemoryHistory(), today=TODAY)
    codes = {judged.referentie: judged.codes for judged in result.lines}
    assert codes == {
        "R1": (),
        "R2": ("0613",),
        "R3": (),
        "R4": ("0587",),
        "R5": ("0613",),
        "R6": (),
    }


# --- aantal: what a non-contracted line is paid ------------------------------------------------


def test_non_contracted_care_is_paid_the_maximum_times_aantal() -> None:
    head = header(zorgverlenerscode="12100002", praktijkcode="12050002")
    declared = TARIFFS["V91"] * 3
    out = returned(judge(build(insured(), line("R1", "V91", declared, aantal=3), head=head)))
    maximum = TARIFFS["V91"] * 75 // 100
    assert out["records"] == {1: ("02", ("0200",), None), 2: ("04", ("8059",), maximum * 3)}


def _os301_line(ref: str, cents: int) -> dict[str, object]:
    """An OS301 prestatierecord: one prestatie, no AANTAL field at all."""
    values = line(ref, "24000", cents, prestatiecodelijst="090", behandelaar="12100002")
    return {k: v for k, v in values.items() if k not in ("aantal", "0409", "0410")}


def test_a_standard_without_aantal_declares_one_prestatie_per_record() -> None:
    """EP301 and OS301 have no AANTAL UITGEVOERDE PRESTATIES: a record is one prestatie, paid at
    most the maximum tariff once (not 0 times, not the whole declared amount)."""
    policy = dataclasses.replace(
        POLICY,
        max_tariffs={"24000": 5000},
        coverage={"basis": frozenset({"24000"}), "tand": frozenset({"24000"})},
    )
    view = InsurerView.from_world(make_world(policy), "7095")
    head = header(ei_code=185, version=1, subversion=2)
    head |= {"zorgverlenerscode": "12100002", "praktijkcode": "12050002"}
    assert "aantal" not in get_standard("OS301").records["04"].by_key
    data = build(insured(), _os301_line("R1", 12000), head=head, standard="OS301")
    out = returned(judge(data, view=view), standard="OS302")
    assert out["records"] == {1: ("02", ("0200",), None), 2: ("04", ("8059",), 5000)}
