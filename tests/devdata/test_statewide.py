"""The statewide HUD CSV file (``devdata.statewide``): every file and column filled, values that
follow the column table and HUD's lists, program-specific elements only where the funders collect
them, people at two organizations, defects at their rates, the variants other systems write, the
same bytes for the same seed, and a file Hearth's importer reads."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from devdata.plan import DEFECT_RATES
from devdata.statewide import DMY_COLUMNS, StatewideSummary, Variant, main, write_statewide_zip
from models.enrollments import Exit
from models.enums import SystemRole
from models.hud.codes import column_lists
from services.hudcsv.columns import FILES, columns
from services.hudcsv.importer import import_hud_csv
from services.hudcsv.organizations import OrganizationMap
from tests.conftest import START
from tests.factories import make_user
from tests.hudcsv.support import TZ

Rows = dict[str, list[dict[str, str]]]
ANCHOR = date(2026, 3, 2)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DMY = re.compile(r"^\d{2}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
NUMBER = re.compile(r"^-?\d+(\.\d{2})?$")
# Foreign keys: (file, column) -> the file whose first column it names.
FOREIGN = {
    ("Project", "OrganizationID"): "Organization",
    **{
        (f, "ProjectID"): "Project"
        for f in (
            "Funder",
            "ProjectCoC",
            "Inventory",
            "Affiliation",
            "HMISParticipation",
            "CEParticipation",
            "Enrollment",
        )
    },
    ("Affiliation", "ResProjectID"): "Project",
    ("Enrollment", "PersonalID"): "Client",
    **{
        (f, c): p
        for f in (
            "Exit",
            "IncomeBenefits",
            "HealthAndDV",
            "EmploymentEducation",
            "Disabilities",
            "Services",
            "CurrentLivingSituation",
            "Assessment",
            "AssessmentQuestions",
            "AssessmentResults",
            "Event",
            "YouthEducationStatus",
        )
        for c, p in (("EnrollmentID", "Enrollment"), ("PersonalID", "Client"))
    },
    ("AssessmentQuestions", "AssessmentID"): "Assessment",
    ("AssessmentResults", "AssessmentID"): "Assessment",
}


def read(path: Path) -> Rows:
    """Each member's rows by header name (a BOM and either quoting read alike)."""
    out: Rows = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            out[name.removesuffix(".csv")] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return out


@pytest.fixture(scope="module")
def file500(tmp_path_factory: pytest.TempPathFactory) -> tuple[Rows, StatewideSummary]:
    out = tmp_path_factory.mktemp("statewide") / "statewide.zip"
    summary = write_statewide_zip(out, clients=500, seed=2, anchor=ANCHOR)
    return read(out), summary


def test_every_file_and_every_column_is_filled(file500: tuple[Rows, StatewideSummary]) -> None:
    rows, summary = file500
    assert list(rows) == list(FILES)
    for file in FILES:
        assert rows[file], file
        assert list(rows[file][0]) == [c.name for c in columns(file)], file
        empty = [c.name for c in columns(file) if not any(r[c.name] for r in rows[file])]
        assert not empty, (file, empty)
        assert summary.rows[file] == len(rows[file])
    assert len(rows["Export"]) == 1
    assert len({r["PersonalID"] for r in rows["Client"]}) == len(rows["Client"])


def test_values_follow_the_column_table(file500: tuple[Rows, StatewideSummary]) -> None:
    rows, _ = file500
    export_id = rows["Export"][0]["ExportID"]
    for file in FILES:
        for column in columns(file):
            values = [r[column.name] for r in rows[file]]
            if not column.nulls_allowed:
                assert all(values), (file, column.name)
            shape = {"date": DATE, "datetime": DATETIME, "numeric": NUMBER}.get(column.data_type)
            if column.name == "DateDeleted":
                shape = DATETIME
            for value in values:
                if value and shape is not None:
                    assert shape.match(value), (file, column.name, value)
        for row in rows[file]:
            for column in ("DateCreated", "DateUpdated", "DateDeleted"):
                if row.get(column):
                    assert row[column] <= "2026-03-02 14:00:00", (file, row)
            if file != "Export":
                assert row["ExportID"] == export_id
                assert row["DateUpdated"] >= row["DateCreated"]


def test_keys_resolve_and_households_have_one_head(file500: tuple[Rows, StatewideSummary]) -> None:
    rows, summary = file500
    ids = {file: {r[columns(file)[0].name] for r in rows[file]} for file in FILES}
    for (file, column), parent in FOREIGN.items():
        missing = {r[column] for r in rows[file] if r[column]} - ids[parent]
        assert not missing, (file, column, sorted(missing)[:5])
    users = ids["User"]
    for file in FILES:
        if file not in ("Export", "User"):
            assert {r["UserID"] for r in rows[file]} <= users, file
    heads: dict[str, int] = Counter()
    projects: dict[str, set[str]] = defaultdict(set)
    for r in rows["Enrollment"]:
        if r["DateDeleted"]:
            continue
        heads[r["HouseholdID"]] += r["RelationshipToHoH"] == "1"
        projects[r["HouseholdID"]].add(r["ProjectID"])
    # A household id is one stay in one project (never reused); one head, but for the defect.
    assert all(len(p) == 1 for p in projects.values())
    wrong = sum(1 for n in heads.values() if n != 1)
    overlapping = summary.defects.get("overlapping_enrollment", 0)
    assert wrong <= summary.defects.get("household_hoh", 0) + overlapping


def test_people_enrolled_at_two_organizations(file500: tuple[Rows, StatewideSummary]) -> None:
    rows, summary = file500
    org_of = {r["ProjectID"]: r["OrganizationID"] for r in rows["Project"]}
    orgs: dict[str, set[str]] = defaultdict(set)
    for r in rows["Enrollment"]:
        if not r["DateDeleted"]:
            orgs[r["PersonalID"]].add(org_of[r["ProjectID"]])
    two = sum(1 for o in orgs.values() if len(o) > 1)
    assert two == summary.people_at_two_organizations
    assert 0.02 * 500 <= two <= 0.12 * 500  # about one person in eighteen
    assert len(set(org_of.values())) >= 8
    # The victim service provider has a project and no client data.
    vsp = {
        r["OrganizationID"]
        for r in rows["Organization"]
        if r["VictimServiceProvider"] == "1" and not r["DateDeleted"]
    }
    assert len(vsp) == 1
    assert not [r for r in rows["Enrollment"] if org_of[r["ProjectID"]] in vsp]


def _funded(rows: Rows, codes: set[int]) -> set[str]:
    return {r["ProjectID"] for r in rows["Funder"] if int(r["Funder"]) in codes}


def test_program_specific_elements_only_where_the_funders_collect_them(
    file500: tuple[Rows, StatewideSummary],
) -> None:
    rows, _ = file500
    path = _funded(rows, {21})
    rhy = _funded(rows, {22, 23, 24, 25, 26})
    ssvf = _funded(rows, {33})
    vash = _funded(rows, {20})
    hopwa = _funded(rows, set(range(13, 20)) | {48})
    yhdp = _funded(rows, {43})
    project_of = {r["EnrollmentID"]: r["ProjectID"] for r in rows["Enrollment"]}
    ptype = {r["ProjectID"]: r["ProjectType"] for r in rows["Project"]}

    def only(file: str, columns_: tuple[str, ...], projects: set[str]) -> None:
        for r in rows[file]:
            project = r["ProjectID"] if file == "Enrollment" else project_of[r["EnrollmentID"]]
            if any(r[c] for c in columns_):
                assert project in projects, (file, columns_, r)

    only("Enrollment", ("DateOfPATHStatus", "ClientEnrolledInPATH", "ReasonNotEnrolled"), path)
    only("Enrollment", ("ReferralSource", "RunawayYouth", "FormerWardChildWelfare"), rhy)
    only("Enrollment", ("PercentAMI", "VAMCStation"), ssvf | vash)
    only(
        "Enrollment",
        ("TargetScreenReqd", "HPScreeningScore"),
        {p for p in ssvf if ptype[p] == "12"},
    )
    only("Exit", ("ProjectCompletionStatus", "AftercareDate", "CounselingReceived"), rhy)
    only("Exit", ("CMExitReason",), vash)
    only("Disabilities", ("TCellCountAvailable", "ViralLoadAvailable"), hopwa)
    only("IncomeBenefits", ("ADAP", "RyanWhiteMedDent", "NoMedicaidReason"), hopwa)
    only("EmploymentEducation", ("InformationDate",), rhy)
    only("YouthEducationStatus", ("InformationDate",), yhdp)
    for r in rows["Services"]:
        record = int(r["RecordType"])
        project = project_of[r["EnrollmentID"]]
        wanted = {141: path, 161: path, 142: rhy, 143: hopwa, 151: hopwa, 144: ssvf, 152: ssvf}
        if record in wanted:
            assert project in wanted[record], r
        if record == 200:
            assert ptype[project] == "1"
            assert r["TypeProvided"] == "200"
    # The dependent fields follow their questions.
    for r in rows["Enrollment"]:
        assert bool(r["RentalSubsidyType"]) == (r["LivingSituation"] == "435"), r
        if r["CountOutreachReferralApproaches"]:
            assert r["ReferralSource"] == "7"
    for r in rows["Exit"]:
        assert bool(r["DestinationSubsidyType"]) == (r["Destination"] == "435"), r
        assert bool(r["OtherDestination"]) == (r["Destination"] == "17"), r
    for r in rows["Project"]:
        assert bool(r["RRHSubType"]) == (r["ProjectType"] == "13")
        assert bool(r["ResidentialAffiliation"]) == (r["RRHSubType"] == "1")
    for r in rows["Inventory"]:
        parts = [c for c in r if c.endswith("BedInventory") and c != "BedInventory"]
        assert sum(int(r[c] or 0) for c in parts) == int(r["BedInventory"]), r
        assert int(r["UnitInventory"]) <= int(r["BedInventory"])
    for r in rows["IncomeBenefits"]:
        if r["IncomeFromAnySource"] == "1" and r["TotalMonthlyIncome"]:
            amounts = [r[c] for c in r if c.endswith("Amount") and r[c]]
            assert sum(float(a) for a in amounts) == pytest.approx(float(r["TotalMonthlyIncome"]))


def test_defects_at_their_documented_rates(tmp_path: Path) -> None:
    summary = write_statewide_zip(tmp_path / "s.zip", clients=3000, seed=5, anchor=ANCHOR)
    for defect in (
        "name_dq_partial",
        "ssn_invalid",
        "special_characters",
        "null_enrollment_coc",
        "missing_entry_income",
        "destination_missing",
        "missing_times_months_homeless",
    ):
        rate = summary.defects.get(defect, 0) / summary.populations[defect]
        assert 0.5 * DEFECT_RATES[defect] <= rate <= 1.6 * DEFECT_RATES[defect], (defect, rate)
    for defect in ("dob_bad", "household_hoh", "overlapping_enrollment", "child_veteran"):
        assert summary.defects.get(defect, 0) > 0, defect
    # One row in a hundred soft-deleted, at least one in every file but Export.
    assert all(summary.deleted[f] for f in FILES if f != "Export")
    assert summary.deleted["Disabilities"] == pytest.approx(
        summary.rows["Disabilities"] / 100, rel=0.05
    )


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.zip" for n in "abc")
    write_statewide_zip(a, clients=120, seed=9, anchor=ANCHOR)
    write_statewide_zip(b, clients=120, seed=9, anchor=ANCHOR)
    write_statewide_zip(c, clients=120, seed=10, anchor=ANCHOR)
    assert a.read_bytes() == b.read_bytes()
    assert read(a) != read(c)


def test_the_variants_other_systems_write(tmp_path: Path) -> None:
    base = tmp_path / "base.zip"
    write_statewide_zip(base, clients=150, seed=4, anchor=ANCHOR)
    plain = read(base)
    variant = tmp_path / "variant.zip"
    write_statewide_zip(
        variant,
        clients=150,
        seed=4,
        anchor=ANCHOR,
        variant=Variant(dmy=frozenset(DMY_COLUMNS), quoted=False, bom=True),
    )
    with zipfile.ZipFile(variant) as archive:
        raw = {n: archive.read(n) for n in archive.namelist()}
    assert all(data.startswith(codecs.BOM_UTF8) for data in raw.values())
    client = raw["Client.csv"].decode("utf-8-sig")
    assert client.startswith("PersonalID,FirstName,")  # unquoted header
    assert '"' not in raw["Services.csv"].decode("utf-8-sig")  # nothing needs quotes there
    with zipfile.ZipFile(base) as archive:
        assert archive.read("Client.csv").startswith(b'"PersonalID","FirstName",')
    same = read(variant)
    exits = [
        (a["ExitDate"], b["ExitDate"]) for a, b in zip(plain["Exit"], same["Exit"], strict=True)
    ]
    assert all(DMY.match(d) for _, d in exits)
    assert all(
        datetime.strptime(d, "%d-%m-%y").date() == date.fromisoformat(iso) for iso, d in exits
    )
    # a day above 12 tells the column's format; some values alone would be ambiguous
    assert any(int(d[:2]) > 12 for _, d in exits)
    assert any(int(d[:2]) <= 12 for _, d in exits)
    for file in FILES:
        if file != "Exit":
            assert same[file] == plain[file], file

    fy2024 = tmp_path / "fy2024.zip"
    write_statewide_zip(fy2024, clients=150, seed=4, anchor=ANCHOR, variant=Variant(fy2024=True))
    old = read(fy2024)
    assert old["Export"][0]["CSVVersion"].startswith("2024")
    header = list(old["Client"][0])
    assert "HispanicLatinaeo" in header
    assert "HispanicLatinao" not in header
    assert "Sex" not in header
    assert {"Woman", "Man", "GenderNone"} <= set(header)
    assert "MentalHealthConsultation" not in old["Enrollment"][0]
    assert {"SexualOrientation", "TranslationNeeded"} <= set(old["Enrollment"][0])
    for a, b in zip(plain["Client"], old["Client"], strict=True):
        assert a["HispanicLatinao"] == b["HispanicLatinaeo"]
        assert b["Woman"] == str(int(a["Sex"] == "0"))


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.zip"
    main([str(out), "--clients", "40", "--seed", "2", "--bom", "--dmy", "Exit.ExitDate"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["clients"] == 40
    assert printed["rows"]["Client"] >= 40
    with zipfile.ZipFile(out) as archive:
        assert archive.read("Export.csv").startswith(codecs.BOM_UTF8)


def _typed(row: dict[str, str]) -> dict[str, object]:
    return {k: int(v) if v.lstrip("-").isdigit() else v for k, v in row.items()}


def test_every_coded_value_is_on_its_hud_list(tmp_path: Path) -> None:
    out = tmp_path / "coded.zip"
    write_statewide_zip(out, clients=2000, seed=6, anchor=ANCHOR)
    rows = read(out)
    seen: Counter[tuple[str, str]] = Counter()
    for (file, column), (base, conditional) in column_lists().items():
        for row in rows[file]:
            if not row[column]:
                continue
            typed = _typed(row)
            codes = next((c.codes for c in conditional if c.applies(typed)), base)
            assert codes is not None, (file, column, row)
            assert typed[column] in codes, (file, column, typed[column], codes.ref)
            seen[file, column] += 1
    # every coded column of every file drew values
    assert set(seen) == set(column_lists()), set(column_lists()) - set(seen)


# --- Hearth's import reads it ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(Variant(victim_service_provider=False, deleted=False), id="fy2026"),
        pytest.param(
            Variant(
                victim_service_provider=False,
                deleted=False,
                dmy=frozenset(DMY_COLUMNS),
                quoted=False,
                bom=True,
                fy2024=True,
            ),
            id="fy2024-dmy-unquoted-bom",
        ),
    ],
)
async def test_the_statewide_import_takes_it(app: object, tmp_path: Path, variant: Variant) -> None:
    """One client per PersonalID however many organizations enrolled them, an agency per
    organization, every exit date read day first where the file writes dd-mm-yy."""
    await make_user("statewide.lead", roles=(SystemRole.LEAD_AGENCY,))
    out = tmp_path / "statewide.zip"
    summary = write_statewide_zip(out, clients=150, seed=8, anchor=ANCHOR, variant=variant)
    result = await import_hud_csv(
        out,
        organizations=OrganizationMap(create=True),
        username="statewide.lead",
        now=START,
        tz=TZ,
    )
    assert result.created["Client"] == 150
    assert summary.people_at_two_organizations > 0
    assert len(result.agencies_created) == summary.organizations
    assert result.created["Enrollment"] == summary.rows["Enrollment"]
    source = read(out)
    exits = {r["ExitID"]: r["ExitDate"] for r in source["Exit"]}
    stored = {
        r["source_id"]: r["exit_date"]
        for r in await Exit.filter(source_id__in=list(exits)).values("source_id", "exit_date")
    }
    assert len(stored) == len(exits)
    for exit_id, text in exits.items():
        expected = (
            datetime.strptime(text, "%d-%m-%y").date() if variant.dmy else date.fromisoformat(text)
        )
        assert stored[exit_id] == expected, (exit_id, text)
