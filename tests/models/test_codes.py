"""HUD's FY2026 value lists as data: every list by its number, with HUD's labels; the lists each
coded column of the 24 HUD CSV files takes; the constants the models declare, derived from it."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from models.hud import codes
from models.hud.codes import (
    COLUMN_LISTS,
    LISTS,
    Codes,
    column_codes,
    column_codes_when,
    column_lists,
    hud_list,
    hud_lists,
)
from services.hudcsv.columns import FILES, TABLE

# The numeric columns of the column table that HUD does not code: counts, years, months,
# scores, amounts, inventories.
NOT_CODED = {
    ("AssessmentQuestions", "AssessmentQuestionOrder"),
    ("Client", "YearEnteredService"),
    ("Client", "YearSeparated"),
    ("Disabilities", "TcellCount"),
    ("Disabilities", "ViralLoad"),
    ("Enrollment", "CountOutreachReferralApproaches"),
    ("Enrollment", "ChildWelfareMonths"),
    ("Enrollment", "JuvenileJusticeMonths"),
    ("Enrollment", "HPScreeningScore"),
    ("Enrollment", "ThresholdScore"),
    ("Exit", "SessionCountAtExit"),
    ("Exit", "SessionsInPlan"),
    ("Project", "PITCount"),
    ("Services", "FAAmount"),
    ("IncomeBenefits", "TotalMonthlyIncome"),
    *(
        ("IncomeBenefits", f"{source}Amount")
        for source in (
            "Earned Unemployment SSI SSDI VADisabilityService VADisabilityNonService "
            "PrivateDisability WorkersComp TANF GA SocSecRetirement Pension ChildSupport "
            "Alimony OtherIncome"
        ).split()
    ),
    *(
        ("Inventory", f"{kind}Inventory")
        for kind in "Unit Bed CHVetBed YouthVetBed VetBed CHYouthBed YouthBed CHBed OtherBed".split()
    ),
}


def _column_table() -> dict[tuple[str, str], str]:
    with TABLE.open(newline="", encoding="utf-8") as handle:
        return {(r["File"], r["Column"]): r["DataType"] for r in csv.DictReader(handle)}


def test_the_data_file_holds_each_list_once_with_unique_codes_and_a_label_for_each() -> None:
    data = json.loads(LISTS.read_text(encoding="utf-8"))
    refs = Counter(item["ref"] for item in data)
    assert [r for r, n in refs.items() if n > 1] == []
    assert len(data) == len(hud_lists()) >= 90
    for item in data:
        values = [v["code"] for v in item["values"]]
        assert len(values) == len(set(values)), item["ref"]
        assert item["name"]
        assert all(v["label"] == v["label"].strip() != "" for v in item["values"])


def test_any_list_is_found_by_its_number_with_hud_labels() -> None:
    reasons = hud_list("1.8")
    assert reasons.name == "NoYesReasonsForMissingData"
    assert list(reasons) == [0, 1, 8, 9, 99]
    assert reasons.label(9) == "Client prefers not to answer"
    assert reasons.label(7) is None
    assert hud_list("3.12").label(435) == "Rental by client, with ongoing housing subsidy"
    assert hud_list("2.06.1").name == "FundingSource"
    assert 56 in hud_list("2.06.1")
    assert hud_list("3.12") is hud_list("3.12")  # read once
    with pytest.raises(KeyError, match=r"9\.99"):
        hud_list("9.99")


def test_the_coc_codes_are_complete_in_the_data_and_coc_stays_connecticut() -> None:
    cocs = hud_list("2.03.1")
    assert len(cocs) > 350
    assert {"CT-503", "CT-505", "NY-600", "WY-500"} <= cocs.values
    assert codes.COC.values == {"CT-503", "CT-505"}
    assert codes.COC.label("CT-505") == "Connecticut Balance of State CoC"


def test_the_constants_keep_the_codes_the_models_declared() -> None:
    missing = {8, 9, 99}
    living = {101, 116, 118, 204, 205, 206, 207, 215, 225, 302, 314, 329, 332, 335, 336}
    living |= {410, 411, 421, 435} | missing
    expected: dict[str, tuple[str, set[int | str]]] = {
        "DATA_QUALITY": ("3.01.5", {1, 2} | missing),
        "NO_YES": ("1.10", {0, 1}),
        "NO_YES_MISSING": ("1.7", {0, 1, 99}),
        "YES_NO_REASONS": ("1.8", {0, 1} | missing),
        "RACE_NONE": ("1.6", missing),
        "SEX": ("4.21", {0, 1} | missing),
        "RELATIONSHIP_TO_HOH": ("3.15.1", {1, 2, 3, 4, 5, 99}),
        "COC": ("2.03.1", {"CT-503", "CT-505"}),
        "LIVING_SITUATION": ("3.917", living),
        "DESTINATION": (
            "3.12",
            (living - {335, 336}) | {312, 313, 327, 422, 423, 426, 17, 24, 30},
        ),
        "RENTAL_SUBSIDY_TYPE": (
            "3.12.A",
            {419, 420, 428, 431, 433, 434, 436, 437, 438, 439, 440},
        ),
        "LENGTH_OF_STAY": ("3.917.2", {10, 11, 2, 3, 4, 5} | missing),
        "TIMES_HOMELESS": ("3.917.4", {1, 2, 3, 4} | missing),
        "MONTHS_HOMELESS": ("3.917.5", set(range(101, 114)) | missing),
        "DISABILITY_TYPE": ("1.3", {5, 6, 7, 8, 9, 10}),
        "SUBSTANCE_USE_RESPONSE": ("4.10.2", {0, 1, 2, 3} | missing),
        "DATA_COLLECTION_STAGE": ("5.03.1", {1, 2, 3, 5, 6}),
        "RECORD_TYPE": ("1.4", {141, 142, 143, 144, 151, 152, 161, 200, 210, 300}),
        "WHEN_OCCURRED": ("4.11.A", {1, 2, 3, 4} | missing),
        "HEALTH_STATUS": ("R7.1", {1, 2, 3, 4, 5} | missing),
    }
    for name, (ref, values) in expected.items():
        constant = getattr(codes, name)
        assert (constant.ref, set(constant.values)) == (ref, values), name
        assert all(constant.label(v) for v in values), name
    assert codes.SEX.name == "Sex"
    assert codes.SEX.label(99) == "Data not collected"


def test_a_codes_made_in_code_still_works_without_labels() -> None:
    made = Codes.of("9.99.1", {1, 2, 3})
    assert made.name == ""
    assert made.label(1) is None
    assert made.describe_labels() == "1, 2, 3"
    assert made == Codes.of("9.99.1", {3, 2, 1}, "Other", {1: "One"})


def test_every_column_list_names_a_known_list_and_a_coded_numeric_column() -> None:
    table = _column_table()
    with COLUMN_LISTS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        key = (row["File"], row["Column"])
        assert table.get(key) == "numeric", key
        assert key not in NOT_CODED, key
        hud_list(row["List"])
        for when in filter(None, row["WhenColumn"].split(";")):
            assert (row["File"], when) in table, (key, when)
    assert {f for f, _ in column_lists()} <= set(FILES)


def test_every_numeric_column_of_the_24_files_is_coded_or_listed_as_not_coded() -> None:
    numeric = {key for key, kind in _column_table().items() if kind == "numeric"}
    assert numeric - set(column_lists()) == NOT_CODED
    assert NOT_CODED <= numeric


def test_conditional_lists() -> None:
    assert column_codes("Disabilities", "DisabilityResponse") is hud_list("1.8")
    ((column, value, response),) = column_codes_when("Disabilities", "DisabilityResponse")
    assert (column, value, response) == ("DisabilityType", 10, hud_list("4.10.2"))

    assert column_codes("Services", "TypeProvided") is None
    by_record = {w.when_value: w.codes.ref for w in column_codes_when("Services", "TypeProvided")}
    assert by_record[144] == "V2.2"
    assert by_record[200] == "4.14"
    assert len(by_record) == 10
    assert 10 in hud_list("V2.2")  # FY2026: SSVF Healthcare Navigation

    sub = column_codes_when("Services", "SubTypeProvided")
    assert {w.when_value: w.codes.ref for w in sub} == {3: "V2.A", 4: "V2.B", 5: "V2.C"}
    assert all(w.requires == (("RecordType", 144),) for w in sub)
    assert sub[0].applies({"RecordType": 144, "TypeProvided": 3})
    assert not sub[0].applies({"RecordType": 141, "TypeProvided": 3})

    ((column, value, outcome),) = column_codes_when("Services", "ReferralOutcome")
    assert (column, value, outcome.ref) == ("RecordType", 161, "P2.A")
    assert column_codes("Client", "FirstName") is None
    assert column_codes_when("Client", "VeteranStatus") == ()


def test_column_lists_agree_with_the_registry() -> None:
    from models.hud.elements import registry

    for item in registry():
        if item.file is None or item.codes is None or item.column is None:
            continue
        listed = column_codes(item.file, item.column)
        if item.column in ("EnrollmentCoC", "CoCCode", "VAMCStation"):
            continue  # string codes (CoCs, VA medical centers), not integer columns
        assert listed is not None, item.column
        assert item.codes.values <= listed.values | codes.MISSING, item.column
