"""The HUD data quality report (policies 301, 302; hud-data-standards.md section 3), cell by cell
on hand-made fixtures: every Q6 rule has a person who breaks it (and, where a rule has an
edge, one who does not), and each cell is checked by the enrollments behind it, not only by
its count. Then who may ask for which scope, the drill-down's visibility, and bad input."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from tortoise.connection import get_connection
from typer.testing import CliRunner, Result

from api.cli import app as cli
from authz import enforcer
from models.audit import AuditEvent
from models.clients import Client, ConsentToEnter, ssn_columns, ssn_valid
from models.coordinated_entry import CurrentLivingSituation
from models.enrollments import Disability, Enrollment, Exit, IncomeBenefits, Service
from models.enums import AuditAction, ConsentKind
from models.governance import Agency, Project
from models.project_data import Funder
from models.users import User
from services.errors import Forbidden, ValidationFailed
from services.reports.data_quality import (
    CELLS,
    cell_enrollment_ids,
    compute_report,
    data_quality_report,
    drill_down,
)
from services.sealing import seal_clear_ssns
from tests.authz.client_world import World, build_world, make_role_user
from tests.services.support import caller_of, decisions_for
from tests.services.test_sealing import _caller as _sealing_caller
from tests.services.test_sealing import _client as _sealing_client

pytestmark = pytest.mark.usefixtures("app")

START, END = date(2025, 1, 1), date(2025, 12, 31)
TZ = ZoneInfo("America/New_York")
_seq = itertools.count(1)


def _at(day: date, offset: int = 0) -> datetime:
    """Noon in Connecticut, ``offset`` days after ``day``."""
    return datetime.combine(day + timedelta(days=offset), time(12), tzinfo=TZ).astimezone(UTC)


@dataclass
class Fixture:
    world: World
    writer: User
    projects: dict[str, Project] = field(default_factory=dict)
    labels: dict[UUID, str] = field(default_factory=dict)

    async def project(self, name: str, project_type: int, agency: Agency | None = None) -> Project:
        project = await Project.create(
            agency=agency or self.world.a,
            name=f"DQ {name}",
            project_type=project_type,
            operating_start_date=date(2010, 1, 1),
            coc_code="CT-503",
        )
        self.projects[name] = project
        return project

    async def client(self, *, created: date = date(2024, 1, 1), **values: Any) -> Client:
        ssn = values.pop("ssn", "401234567")
        fields_: dict[str, Any] = {
            "first_name": "Pat",
            "last_name": f"Person{next(_seq)}",
            "name_data_quality": 1,
            "ssn_data_quality": 1,
            "dob": date(1980, 5, 5),
            "dob_data_quality": 1,
            "white": 1,
            "veteran_status": 0,
            **ssn_columns(ssn),
            **values,
        }
        agency = values.pop("agency", None) or self.world.a
        fields_.pop("agency", None)
        client = await Client.create(
            **fields_,
            created_by_agency=agency,
            created_under_can_id=agency.can_id,
            created_by_user=self.writer,
            created_at=_at(created),
            updated_at=_at(created),
            last_activity_at=_at(created),
        )
        await ConsentToEnter.create(
            client=client,
            agency=agency,
            kind=ConsentKind.WRITTEN,
            taken_by=self.writer,
            taken_on=created,
            recorded_at=_at(created),
        )
        return client

    async def enrol(
        self,
        label: str,
        project: str,
        *,
        client: Client | None = None,
        person: dict[str, Any] | None = None,
        entry: date = date(2025, 3, 1),
        created: int = 0,
        exit: date | None = None,
        exit_created: int = 0,
        destination: int = 410,
        household: str | None = None,
        income_start: dict[str, Any] | bool = True,
        income_exit: dict[str, Any] | bool = True,
        **values: Any,
    ) -> Enrollment:
        """An enrollment that breaks no rule unless told: a stage-1 income row dated the entry
        and, for a leaver, a destination and a stage-3 row dated the exit."""
        target = self.projects[project]
        if client is None:
            client = await self.client(**(person or {}))
        enrollment = await Enrollment.create(
            client=client,
            project=target,
            agency_id=target.agency_id,
            entry_date=entry,
            household_id=household or f"h{next(_seq)}",
            **{
                "relationship_to_hoh": 1,
                "enrollment_coc": "CT-503",
                "living_situation": 116,
                "length_of_stay": 5,
                "previous_street_essh": 1,
                "date_to_street_essh": date(2014, 6, 1),
                "times_homeless_past_three_years": 4,
                "months_homeless_past_three_years": 113,
                "disabling_condition": 0,
                "date_of_engagement": entry if target.project_type == 4 else None,
                **values,
            },
            created_by_user=self.writer,
            created_at=_at(entry, created),
            updated_at=_at(entry, created),
        )
        if income_start is not False:
            await self.income(
                enrollment, 1, entry, **(income_start if isinstance(income_start, dict) else {})
            )
        if exit is not None:
            await Exit.create(
                enrollment=enrollment,
                exit_date=exit,
                destination=destination,
                created_by_user=self.writer,
                created_at=_at(exit, exit_created),
            )
            if income_exit is not False:
                await self.income(
                    enrollment, 3, exit, **(income_exit if isinstance(income_exit, dict) else {})
                )
        self.labels[enrollment.id] = label
        return enrollment

    async def income(self, enrollment: Enrollment, stage: int, on: date, **values: Any) -> None:
        await IncomeBenefits.create(
            enrollment=enrollment,
            information_date=on,
            data_collection_stage=stage,
            **{"income_from_any_source": 0, **values},
            created_by_user=self.writer,
            created_at=_at(on),
        )

    async def members(self, key: str) -> set[str]:
        ids = await cell_enrollment_ids(key, [p.id for p in self.projects.values()], START, END)
        return {self.labels.get(i, f"?{i}") for i in ids}


@pytest.fixture
async def fx() -> Fixture:
    world = await build_world()
    return Fixture(world, world.writer_a)


# --- SSN validity (decided when the SSN is written) ----------------------------------------------


@pytest.mark.parametrize(
    ("ssn", "valid"),
    [
        ("401234567", True),
        ("665234567", True),  # area 665: valid
        ("899234567", True),  # area 899: valid
        ("40123456", False),  # not nine digits
        ("4012345678", False),
        ("4012x4567", False),  # an unknown digit
        ("000234567", False),  # area 000
        ("666234567", False),  # area 666
        ("900234567", False),  # area 900 and above
        ("999234561", False),
        ("401004567", False),  # group 00
        ("401230000", False),  # serial 0000
        ("555555555", False),  # all the same
        ("123456789", False),  # ascending
        ("789012345", False),  # ascending, wrapping
        ("987654321", False),  # descending
        ("321098765", False),  # descending, wrapping
        ("078051120", False),  # the Woolworth card
        ("219099999", False),
        (None, None),
    ],
)
def test_ssn_validity_patterns(ssn: str | None, valid: bool | None) -> None:
    assert ssn_valid(ssn) is valid


# --- every Q6 cell rule --------------------------------------------------------------------------

# The expected members of every Q6 column cell (labels of the enrollments behind it); a row's
# total is the union of its columns, Q6a's overall the union of its rows, Q6d's "any" the union
# of its row's columns. A cell not listed is empty.
INVALID_SSNS = {
    "ssn_short": "40123456",
    "ssn_x": "4012x4567",
    "ssn_area000": "000234567",
    "ssn_area666": "666234567",
    "ssn_area9xx": "900234567",
    "ssn_group00": "401004567",
    "ssn_serial0000": "401230000",
    "ssn_same": "555555555",
    "ssn_ascending": "123456789",
    "ssn_ascending_wrap": "789012345",
    "ssn_descending": "987654321",
    "ssn_woolworth": "078051120",
    "ssn_219099999": "219099999",
}
EXPECTED: dict[str, set[str]] = {
    "Q6a.name.dk_pnta": {"name_dk8", "name_dk9"},
    "Q6a.name.missing": {"name_99", "name_no_first", "name_no_last"},
    "Q6a.name.data_issues": {"name_partial"},
    "Q6a.ssn.dk_pnta": {"ssn_dk8", "ssn_dk9"},
    "Q6a.ssn.missing": {"ssn_99", "ssn_null"},
    "Q6a.ssn.data_issues": {"ssn_partial", *INVALID_SSNS},
    "Q6a.dob.dk_pnta": {"dob_dk8"},
    "Q6a.dob.missing": {"dob_missing", "dob_missing_99"},
    "Q6a.dob.data_issues": {
        "dob_partial",
        "dob_dk_present",
        "dob_before_1915",
        "dob_after_created",
        "dob_on_entry_hoh",
    },
    "Q6a.race.dk_pnta": {"race_dk", "race_dk_with_flag"},
    "Q6a.race.missing": {"race_99", "race_all_zero"},
    "Q6b.veteran.dk_pnta": {"vet_dk"},
    "Q6b.veteran.missing": {"vet_99"},
    "Q6b.veteran.data_issues": {"child_vet"},
    "Q6b.project_start.data_issues": {"overlap_later", "exit_before_entry"},
    "Q6b.relationship.data_issues": {"rel_99", "no_hoh_a", "no_hoh_b", "two_hoh_a", "two_hoh_b"},
    "Q6b.enrollment_coc.missing": {"coc_missing"},
    "Q6b.enrollment_coc.data_issues": {"coc_unknown"},
    "Q6b.disabling_condition.dk_pnta": {"dc_dk", "latest_defect"},
    "Q6b.disabling_condition.missing": {"dc_99"},
    "Q6b.disabling_condition.data_issues": {"dc_developmental", "dc_substance"},
    "Q6c.destination.dk_pnta": {"dest_dk"},
    "Q6c.destination.missing": {"dest_30", "dest_99"},
    "Q6c.income_start.dk_pnta": {"inc_start_dk"},
    "Q6c.income_start.missing": {"inc_start_none", "inc_start_misdated", "inc_start_99"},
    "Q6c.income_start.data_issues": {"inc_start_no_but_source", "inc_start_yes_no_source"},
    "Q6c.income_annual.dk_pnta": {"annual_dk"},
    "Q6c.income_annual.missing": {"annual_none", "annual_too_late", "annual_after_end"},
    "Q6c.income_annual.data_issues": {"annual_conflict"},
    "Q6c.income_exit.dk_pnta": {"inc_exit_dk"},
    "Q6c.income_exit.missing": {"inc_exit_none", "inc_exit_misdated"},
    "Q6c.income_exit.data_issues": {"inc_exit_conflict"},
    "Q6d.es_sh_so.street_date_missing": {"es_street"},
    "Q6d.es_sh_so.times_missing": {"es_times"},
    "Q6d.es_sh_so.months_missing": {"es_months"},
    "Q6d.th.institution_missing": {"th_institution_los"},
    "Q6d.th.housing_missing": {"th_housing_los"},
    "Q6d.th.street_date_missing": {"th_homeless_street"},
    "Q6d.th.months_missing": {"th_institution_short_months"},
    "Q6d.th.times_missing": {"th_housing_short_times"},
    "Q6e.start.lt0": {"created_before_entry"},
    "Q6e.start.d1_3": {"created_2"},
    "Q6e.start.d4_6": {"created_5"},
    "Q6e.start.d7_10": {"created_10"},
    "Q6e.start.d11_plus": {"created_11"},
    "Q6e.exit.lt0": {"exit_early"},
    "Q6e.exit.d4_6": {"exit_4"},
    "Q6e.exit.d11_plus": {"exit_30"},
    "Q6f.contact.inactive": {"so_inactive", "path_inactive"},
    "Q6f.bed_night.inactive": {"nbn_inactive"},
}
Q6D_COLUMNS = (
    "institution_missing",
    "housing_missing",
    "street_date_missing",
    "times_missing",
    "months_missing",
)


async def _people(fx: Fixture) -> None:
    for name, kind in (("es", 0), ("th", 2), ("nbn", 1), ("so", 4), ("sso_path", 6), ("sso", 6)):
        await fx.project(name, kind)
    await Funder.create(
        project=fx.projects["sso_path"],
        funder=21,
        start_date=date(2020, 1, 1),
        created_by_user=fx.writer,
        created_at=_at(START),
    )
    e = fx.enrol
    await e("clean", "es")
    # Q6a name
    await e("name_dk8", "es", person={"name_data_quality": 8})
    await e("name_dk9", "es", person={"name_data_quality": 9, "first_name": None})
    await e("name_99", "es", person={"name_data_quality": 99})
    await e("name_no_first", "es", person={"first_name": None})
    await e("name_no_last", "es", person={"last_name": None})
    await e("name_partial", "es", person={"name_data_quality": 2})
    # Q6a SSN
    await e("ssn_dk8", "es", person={"ssn": None, "ssn_data_quality": 8})
    await e("ssn_dk9", "es", person={"ssn": None, "ssn_data_quality": 9})
    await e("ssn_99", "es", person={"ssn": None, "ssn_data_quality": 99})
    await e("ssn_null", "es", person={"ssn": None})
    await e("ssn_partial", "es", person={"ssn": "4012345xx", "ssn_data_quality": 2})
    for label, ssn in INVALID_SSNS.items():
        await e(label, "es", person={"ssn": ssn})
    await e("ssn_valid_area665", "es", person={"ssn": "665234567"})
    # Q6a DOB
    await e("dob_dk8", "es", person={"dob": None, "dob_data_quality": 8})
    await e("dob_missing", "es", person={"dob": None})
    await e("dob_missing_99", "es", person={"dob": None, "dob_data_quality": 99})
    await e("dob_partial", "es", person={"dob_data_quality": 2})
    await e("dob_dk_present", "es", person={"dob_data_quality": 9})
    await e("dob_before_1915", "es", person={"dob": date(1914, 12, 31)})
    await e(
        "dob_after_created",
        "es",
        person={"dob": date(2012, 1, 1), "created": date(2011, 12, 31)},
    )
    # the entry rule alone (the client was created after the DOB)
    await e(
        "dob_on_entry_hoh",
        "es",
        person={"dob": date(2025, 3, 1), "created": date(2025, 3, 2)},
    )
    # a newborn member (not the head): no issue
    await e(
        "dob_on_entry_member",
        "es",
        household="newborn",
        relationship_to_hoh=2,
        person={"dob": date(2025, 3, 1), "created": date(2025, 3, 2)},
    )
    await e("newborn_head", "es", household="newborn")
    # Q6a race
    await e("race_dk", "es", person={"white": 0, "race_none": 8})
    await e("race_dk_with_flag", "es", person={"race_none": 9})
    await e("race_99", "es", person={"white": 0, "race_none": 99})
    await e("race_all_zero", "es", person={"white": 0})
    # Q6b veteran
    await e("vet_dk", "es", person={"veteran_status": 8})
    await e("vet_99", "es", person={"veteran_status": 99})
    await e("vet_head", "es", household="vets")
    await e(
        "child_vet",
        "es",
        household="vets",
        relationship_to_hoh=2,
        person={"dob": date(2015, 1, 1), "veteran_status": 1},
    )
    await e(
        "child_vet_99",
        "es",
        household="vets",
        relationship_to_hoh=2,
        person={"dob": date(2015, 1, 1), "veteran_status": 99},
    )
    # Q6b project start: an earlier enrollment in the same project still open at this entry
    overlapping = await fx.client()
    await e(
        "overlap_earlier", "th", client=overlapping, entry=date(2024, 12, 1), exit=date(2025, 2, 1)
    )
    await e("overlap_later", "th", client=overlapping, entry=date(2025, 1, 15))
    await e("exit_before_entry", "es", entry=date(2025, 3, 1), exit=date(2025, 2, 20))
    # no overlap: the earlier one ended on this entry's day
    touching = await fx.client()
    await e("touch_earlier", "th", client=touching, entry=date(2024, 12, 1), exit=date(2025, 1, 15))
    await e("touch_later", "th", client=touching, entry=date(2025, 1, 15))
    # Q6b relationship
    await e("rel_99", "es", relationship_to_hoh=99)
    await e("no_hoh_a", "es", household="nohead", relationship_to_hoh=3)
    await e(
        "no_hoh_b",
        "es",
        household="nohead",
        relationship_to_hoh=2,
        person={"dob": date(2015, 1, 1)},
    )
    await e("two_hoh_a", "es", household="twoheads")
    await e("two_hoh_b", "es", household="twoheads")
    # Q6b enrollment CoC (heads only)
    await e("coc_missing", "es", enrollment_coc=None)
    await e("coc_unknown", "es", enrollment_coc="ZZ-999")
    await e("coc_other_state", "es", enrollment_coc="NY-600")  # a HUD CoC: no issue
    await e("coc_head", "es", household="cochouse")
    await e("coc_member", "es", household="cochouse", relationship_to_hoh=3, enrollment_coc=None)
    # Q6b disabling condition
    await e("dc_dk", "es", disabling_condition=8)
    await e("dc_99", "es", disabling_condition=99)
    disabilities: dict[str, list[tuple[int, int, int | None, int]]] = {
        "dc_developmental": [(6, 1, None, 0)],
        "dc_substance": [(10, 2, 1, 0)],
        "dc_physical_not_indefinite": [(5, 1, 0, 0)],  # no issue
        "dc_mental_latest_no": [(9, 1, 1, 0), (9, 0, None, 30)],  # the latest says no
    }
    for label, rows in disabilities.items():
        enrollment = await e(label, "es")
        for kind, response, indefinite, later in rows:
            await Disability.create(
                enrollment=enrollment,
                information_date=enrollment.entry_date + timedelta(days=later),
                data_collection_stage=1 if not later else 2,
                disability_type=kind,
                disability_response=response,
                indefinite_and_impairs=indefinite,
                created_by_user=fx.writer,
                created_at=_at(enrollment.entry_date, later),
            )
    # Q6c destination (leavers)
    await e("dest_dk", "es", exit=date(2025, 6, 1), destination=8)
    await e("dest_30", "es", exit=date(2025, 6, 1), destination=30)
    await e("dest_99", "es", exit=date(2025, 6, 1), destination=99)
    # Q6c income at start
    await e("inc_start_none", "es", income_start=False)
    misdated = await e("inc_start_misdated", "es", income_start=False)
    await fx.income(misdated, 1, misdated.entry_date + timedelta(days=1))
    await e("inc_start_dk", "es", income_start={"income_from_any_source": 9})
    await e("inc_start_99", "es", income_start={"income_from_any_source": 99})
    await e("inc_start_no_but_source", "es", income_start={"income_from_any_source": 0, "ssi": 1})
    await e("inc_start_yes_no_source", "es", income_start={"income_from_any_source": 1})
    await e(
        "inc_start_child_member",
        "es",
        household="vets",
        relationship_to_hoh=2,
        person={"dob": date(2016, 1, 1)},
        income_start=False,
    )
    # Q6c income at the annual assessment: heads of household in for a year or more
    for label, entry, stage5 in (
        ("annual_ok", date(2024, 6, 15), (date(2025, 7, 10), {})),  # +25 days
        ("annual_none", date(2024, 6, 15), None),
        ("annual_too_late", date(2024, 6, 15), (date(2025, 7, 16), {})),  # +31 days
        ("annual_after_end", date(2024, 12, 20), (date(2026, 1, 5), {})),  # capped at the end
        ("annual_leap", date(2024, 2, 29), (date(2025, 1, 29), {})),  # anniversary 28 February
        ("annual_dk", date(2024, 6, 15), (date(2025, 6, 15), {"income_from_any_source": 8})),
        ("annual_conflict", date(2024, 6, 15), (date(2025, 6, 1), {"income_from_any_source": 1})),
    ):
        enrollment = await e(label, "es", entry=entry)
        if stage5 is not None:
            await fx.income(enrollment, 5, stage5[0], **stage5[1])
    # not due: in for less than a year
    await e("annual_not_due", "es", entry=date(2025, 1, 10))
    # Q6c income at exit
    await e("inc_exit_none", "es", exit=date(2025, 6, 1), income_exit=False)
    exit_misdated = await e("inc_exit_misdated", "es", exit=date(2025, 6, 1), income_exit=False)
    await fx.income(exit_misdated, 3, date(2025, 5, 31))
    await e("inc_exit_dk", "es", exit=date(2025, 6, 1), income_exit={"income_from_any_source": 9})
    await e("inc_exit_conflict", "es", exit=date(2025, 6, 1), income_exit={"earned": 1})
    # the latest-enrollment rule: a defect on the earlier enrollment counts for nothing
    moved = await fx.client()
    await e(
        "latest_earlier",
        "th",
        client=moved,
        entry=date(2025, 2, 1),
        exit=date(2025, 3, 1),
        disabling_condition=8,
    )
    await e("latest_clean", "es", client=moved, entry=date(2025, 4, 1))
    mover = await fx.client()
    await e(
        "latest_earlier_clean", "es", client=mover, entry=date(2025, 2, 1), exit=date(2025, 3, 1)
    )
    await e("latest_defect", "th", client=mover, entry=date(2025, 4, 1), disabling_condition=9)
    # Q6d chronic homelessness
    await e("es_street", "es", date_to_street_essh=None)
    await e("es_times", "es", times_homeless_past_three_years=99)
    await e("es_months", "es", months_homeless_past_three_years=None)
    await e(
        "es_before_2016",
        "es",
        entry=date(2016, 9, 30),
        exit=date(2025, 6, 1),
        date_to_street_essh=None,
    )
    await e(
        "th_institution_los",
        "th",
        living_situation=215,
        length_of_stay=99,
        date_to_street_essh=None,
    )
    await e("th_housing_los", "th", living_situation=410, length_of_stay=None)
    await e("th_homeless_street", "th", living_situation=116, date_to_street_essh=None)
    await e(
        "th_institution_short_months",
        "th",
        living_situation=215,
        length_of_stay=10,
        previous_street_essh=1,
        months_homeless_past_three_years=None,
    )
    await e(
        "th_housing_short_times",
        "th",
        living_situation=410,
        length_of_stay=11,
        previous_street_essh=1,
        times_homeless_past_three_years=8,
    )
    # housing, short stay but not on the street before: E-G do not apply
    await e(
        "th_housing_short_not_street",
        "th",
        living_situation=410,
        length_of_stay=11,
        previous_street_essh=0,
        times_homeless_past_three_years=None,
    )
    # Q6e timeliness (days from the event to the record's creation)
    await e("created_before_entry", "es", entry=date(2025, 5, 1), created=-1)
    await e("created_2", "es", entry=date(2025, 5, 1), created=2)
    await e("created_5", "es", entry=date(2025, 5, 1), created=5)
    await e("created_10", "es", entry=date(2025, 5, 1), created=10)
    await e("created_11", "es", entry=date(2025, 5, 1), created=11)
    await e("exit_early", "es", entry=date(2025, 5, 1), exit=date(2025, 8, 1), exit_created=-3)
    await e("exit_4", "es", entry=date(2025, 5, 1), exit=date(2025, 8, 1), exit_created=4)
    await e("exit_30", "es", entry=date(2025, 5, 1), exit=date(2025, 8, 1), exit_created=30)
    # Q6f inactive records: open at the end, begun 90 days or more before it
    so_inactive = await e("so_inactive", "so", entry=date(2025, 5, 1))
    so_active = await e("so_active", "so", entry=date(2025, 5, 1))
    for enrollment, on in ((so_inactive, date(2025, 9, 1)), (so_active, date(2025, 12, 15))):
        await CurrentLivingSituation.create(
            enrollment=enrollment,
            information_date=on,
            current_living_situation=116,
            created_by_user=fx.writer,
            created_at=_at(on),
        )
    await e("so_not_engaged", "so", entry=date(2025, 5, 1), date_of_engagement=None)
    await e("so_engaged_after", "so", entry=date(2025, 5, 1), date_of_engagement=date(2026, 1, 10))
    await e("so_recent", "so", entry=date(2025, 11, 1))
    await e("path_inactive", "sso_path", entry=date(2025, 5, 1))
    await e("sso_not_path", "sso", entry=date(2025, 5, 1))
    nbn_inactive = await e("nbn_inactive", "nbn", entry=date(2025, 5, 1))
    nbn_active = await e("nbn_active", "nbn", entry=date(2025, 5, 1))
    for enrollment, on in ((nbn_inactive, date(2025, 8, 1)), (nbn_active, date(2025, 12, 1))):
        await Service.create(
            enrollment=enrollment,
            date_provided=on,
            record_type=200,
            type_provided=200,
            created_by_user=fx.writer,
            created_at=_at(on),
        )
    # outside the period: neither counted nor flagged
    await e(
        "exited_before",
        "es",
        entry=date(2024, 1, 1),
        exit=date(2024, 12, 31),
        disabling_condition=8,
    )
    await e("entered_after", "es", entry=date(2026, 1, 1), disabling_condition=8)


def _expected(key: str) -> set[str]:
    """A cell's expected members, totals and unions worked out from the columns."""
    section, row, column = ([*key.split("."), ""])[:3]
    if key == "Q6a.overall":
        return set().union(*(_expected(f"Q6a.{r}.total") for r in ("name", "ssn", "dob", "race")))
    if section in ("Q6a", "Q6b", "Q6c") and column == "total":
        return set().union(
            *(
                EXPECTED.get(f"{section}.{row}.{c}", set())
                for c in ("dk_pnta", "missing", "data_issues")
            )
        )
    if section == "Q6d" and column == "any":
        if row == "total":
            return set().union(
                *(_expected(f"Q6d.{r}.any") for r in ("es_sh_so", "th", "ph", "ce", "sso_day_hp"))
            )
        return set().union(*(EXPECTED.get(f"Q6d.{row}.{c}", set()) for c in Q6D_COLUMNS))
    if section == "Q6d" and row == "total":
        return set().union(
            *(
                EXPECTED.get(f"Q6d.{r}.{column}", set())
                for r in ("es_sh_so", "th", "ph", "ce", "sso_day_hp")
            )
        )
    return EXPECTED.get(key, set())


async def test_every_q6_cell_holds_exactly_the_enrollments_its_rule_names(fx: Fixture) -> None:
    await _people(fx)
    report = await compute_report([p.id for p in fx.projects.values()], START, END, START)
    checked = 0
    for spec in CELLS:
        if spec.key.startswith("Q1.") or spec.key.endswith((".count", ".records")):
            continue
        if spec.key.startswith("Q6e.") and spec.key.endswith((".d0", ".total")):
            continue
        members = await fx.members(spec.key)
        assert members == _expected(spec.key), spec.key
        assert report.count(spec.key) == len(members), spec.key
        checked += 1
    assert checked > 90
    # Q6e: every enrollment begun in the period is in one bucket
    starts = await fx.members("Q6e.start.total")
    assert "exited_before" not in starts
    assert "overlap_earlier" not in starts
    buckets = [
        await fx.members(f"Q6e.start.{b}")
        for b in ("lt0", "d0", "d1_3", "d4_6", "d7_10", "d11_plus")
    ]
    assert sum(len(b) for b in buckets) == len(starts)
    assert "clean" in buckets[1]
    assert report.count("Q6e.exit.total") == len(await fx.members("Q6e.exit.total"))
    # Q6f's records: who is owed contacts or bed nights
    assert await fx.members("Q6f.contact.records") == {"so_inactive", "so_active", "path_inactive"}
    assert await fx.members("Q6f.bed_night.records") == {"nbn_inactive", "nbn_active"}
    assert report["Q6f.contact.inactive"].rate == pytest.approx(2 / 3)
    # Q6d: entries before October 2016 are not counted; the ES row has no C or D column
    assert "es_before_2016" not in await fx.members("Q6d.es_sh_so.count")
    assert "Q6d.es_sh_so.institution_missing" not in report.cells
    th = await fx.members("Q6d.th.count")
    assert "th_housing_short_not_street" in th
    assert "overlap_later" in th
    assert report["Q6d.th.any"].denominator == len(th)


async def test_universe_denominators_and_the_latest_enrollment(fx: Fixture) -> None:
    await _people(fx)
    projects = [p.id for p in fx.projects.values()]
    report = await compute_report(projects, START, END, START)
    persons = await fx.members("Q1.persons")
    # one row per client, on their latest enrollment in the period
    assert {"latest_clean", "latest_defect", "overlap_later", "touch_later"} <= persons
    assert (
        not {"latest_earlier", "latest_earlier_clean", "overlap_earlier", "touch_earlier"} & persons
    )
    # outside the period, and Street Outreach not engaged by the end: not in the universe
    assert not {"exited_before", "entered_after", "so_not_engaged", "so_engaged_after"} & persons
    assert "so_inactive" in persons
    outside = {"exited_before", "entered_after", "so_not_engaged", "so_engaged_after"}
    earlier = {"latest_earlier", "latest_earlier_clean", "overlap_earlier", "touch_earlier"}
    assert persons == set(fx.labels.values()) - outside - earlier
    assert report.count("Q1.persons") == len(persons)
    # denominators
    assert report["Q6a.overall"].denominator == len(persons)
    assert report["Q6b.veteran.total"].denominator == report.count("Q1.adults") + report.count(
        "Q1.children"
    )
    assert report["Q6b.enrollment_coc.total"].denominator == report.count(
        "Q1.adult_hoh"
    ) + report.count("Q1.child_or_unknown_age_hoh")
    assert report["Q6c.destination.total"].denominator == report.count("Q1.leavers")
    assert report["Q6c.income_exit.total"].denominator == report.count("Q1.adult_and_hoh_leavers")
    # the seven heads in for a year or more (annual_*), not the one in for less
    assert report["Q6c.income_annual.total"].denominator == 7
    rates = dict((k, (n, d)) for k, n, d in report.rate_cells())
    assert rates["Q6a.overall"] == (report.count("Q6a.overall"), len(persons))
    assert all(d is not None for _, _, d in report.rate_cells())


async def test_q1_counts(fx: Fixture) -> None:
    await fx.project("es", 0)
    e = fx.enrol
    await e("adult_leaver_head", "es", exit=date(2025, 6, 1))
    await e("adult_stayer_long", "es", entry=date(2024, 6, 1))
    await e("veteran", "es", person={"veteran_status": 1})
    await e(
        "chronic",
        "es",
        disabling_condition=1,
        living_situation=116,
        date_to_street_essh=date(2023, 1, 1),
    )
    await e("unknown_age_head", "es", person={"dob": None, "dob_data_quality": 99})
    await e("child_head", "es", person={"dob": date(2009, 1, 1)})
    # a parenting youth: a 20-year-old head with a child
    await e("youth_head", "es", household="young", person={"dob": date(2004, 6, 1)})
    await e(
        "youth_child",
        "es",
        household="young",
        relationship_to_hoh=2,
        person={"dob": date(2023, 1, 1)},
    )
    # an adult member who left
    await e(
        "adult_member_leaver", "es", household="older", relationship_to_hoh=3, exit=date(2025, 5, 1)
    )
    await e("older_head", "es", household="older")
    report = await compute_report([fx.projects["es"].id], START, END, START)
    q1 = {k.removeprefix("Q1."): report.count(k) for k in report.cells if k.startswith("Q1.")}
    assert (
        q1
        == {
            "persons": 10,
            "adults": 7,  # leaver head, long stayer, veteran, chronic, youth head, member leaver, older head
            "children": 2,  # child head, youth child
            "unknown_age": 1,
            "leavers": 2,
            "adult_leavers": 2,
            "adult_and_hoh_leavers": 2,
            "stayers": 8,
            "adult_stayers": 5,
            "veterans": 1,
            "chronically_homeless": 1,
            "youth_under_25": 2,  # the 20-year-old head and the 16-year-old head (the baby is under 12)
            "parenting_youth": 1,
            "adult_hoh": 6,
            "child_or_unknown_age_hoh": 2,
            "stayers_365_days": 1,
        }
    )


async def test_age_is_taken_at_the_later_of_the_period_start_and_the_entry(fx: Fixture) -> None:
    await fx.project("es", 0)
    # 18 on 1 March 2025: a child at the period's start, an adult at an entry after it
    await fx.enrol(
        "entered_before", "es", entry=date(2024, 12, 1), person={"dob": date(2007, 3, 1)}
    )
    await fx.enrol("entered_after", "es", entry=date(2025, 3, 1), person={"dob": date(2007, 3, 1)})
    assert await fx.members("Q1.adults") == {"entered_after"}
    assert await fx.members("Q1.children") == {"entered_before"}


# --- who may ask, drill-down, bad input -------------------------------------------------------------


async def _sentinel(fx: Fixture) -> Enrollment:
    """Another agency's client (agency B) with every defect: never seen from agency A."""
    project_b = await fx.project("b", 0, agency=fx.world.b)
    del project_b
    client = await fx.client(agency=fx.world.b, name_data_quality=8, ssn="000000000")
    return await fx.enrol("sentinel_b", "b", client=client, disabling_condition=8)


async def test_scope_counts_only_the_scope_and_drill_down_shows_only_what_the_caller_sees(
    fx: Fixture,
) -> None:
    await fx.project("es", 0)
    await fx.enrol("a_dk", "es", person={"name_data_quality": 8})
    await _sentinel(fx)
    hdc = await make_role_user(fx.world, "HDC@A")
    caller = caller_of(await decisions_for(hdc))
    report = await data_quality_report(
        caller, scope=f"agency:{fx.world.a.id}", start=START, end=END
    )
    assert report.drill_down
    # Rosa (the world's client in A's shelter, entered 10 days before today) is not in 2025
    assert report.count("Q6a.name.dk_pnta") == 1
    page = await drill_down(
        caller,
        scope=f"agency:{fx.world.a.id}",
        start=START,
        end=END,
        key="Q6a.name.dk_pnta",
        first=10,
        after=None,
    )
    assert [fx.labels[e.id] for e in page.page.items] == ["a_dk"]
    assert page.page.total_count == 1
    assert all(c.created_by_agency_id == fx.world.a.id for c, _ in page.clients.values())
    # the Lead Agency statewide: counts both agencies, the sentinel included in the count only
    lead = await make_role_user(fx.world, "SYSADMIN")
    statewide = await data_quality_report(
        caller_of(await decisions_for(lead)), scope="all", start=START, end=END
    )
    assert statewide.count("Q6a.name.dk_pnta") == 2
    assert not statewide.drill_down
    with pytest.raises(Forbidden) as refused:
        await drill_down(
            caller_of(await decisions_for(lead)),
            scope="all",
            start=START,
            end=END,
            key="Q6a.name.dk_pnta",
            first=10,
            after=None,
        )
    assert refused.value.field == "key"


async def test_drill_down_pages_by_enrollment(fx: Fixture) -> None:
    await fx.project("es", 0)
    for n in range(5):
        await fx.enrol(f"dk{n}", "es", person={"name_data_quality": 9})
    caller = caller_of(await decisions_for(await make_role_user(fx.world, "FULL@A")))
    scope = f"project:{fx.projects['es'].id}"
    seen: list[str] = []
    after = None
    from services.pagination import encode_cursor

    while True:
        result = await drill_down(
            caller, scope=scope, start=START, end=END, key="Q6a.name.total", first=2, after=after
        )
        assert result.page.total_count == 5
        seen += [fx.labels[e.id] for e in result.page.items]
        if not result.page.has_next_page:
            break
        after = encode_cursor(result.page.items[-1].id)
    assert sorted(seen) == [f"dk{n}" for n in range(5)]


async def test_a_reporting_only_user_gets_counts_only(fx: Fixture) -> None:
    await fx.project("es", 0)
    await fx.enrol("a_dk", "es", person={"name_data_quality": 8})
    user = await make_role_user(fx.world, "REPORTING_ONLY@A")
    caller = caller_of(await decisions_for(user))
    scope = f"agency:{fx.world.a.id}"
    report = await data_quality_report(caller, scope=scope, start=START, end=END)
    assert report.count("Q6a.name.dk_pnta") == 1
    assert not report.drill_down
    with pytest.raises(Forbidden):
        await drill_down(
            caller, scope=scope, start=START, end=END, key="Q6a.name.dk_pnta", first=5, after=None
        )
    denied = await AuditEvent.filter(action=AuditAction.DENIED, entity_type="DataQualityReport")
    assert [d.fields_touched for d in denied] == [["dataQualityCell:Q6a.name.dk_pnta"]]


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("HDC@A", "agency:{b}"),
        ("HDC@A", "all"),
        ("FULL@A", "project:{project_b}"),
        ("REPORTING_ONLY@A", "coc:{coc}"),
        ("CAN_STAFF", "can:{south}"),
        ("SECURITY_OFFICER", "all"),
    ],
)
async def test_a_scope_the_caller_may_not_read_is_forbidden_and_audited(
    fx: Fixture, role: str, scope: str
) -> None:
    user = await make_role_user(fx.world, role)
    caller = caller_of(await decisions_for(user))
    text = scope.format(
        b=fx.world.b.id,
        project_b=fx.world.project_b.id,
        coc=fx.world.north.coc_id,
        south=fx.world.south.id,
    )
    with pytest.raises(Forbidden) as refused:
        await data_quality_report(caller, scope=text, start=START, end=END)
    assert refused.value.field == "scope"
    denied = await AuditEvent.get(action=AuditAction.DENIED, entity_type="DataQualityReport")
    assert denied.actor_id == user.id
    assert denied.entity_id == text


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("FULL@A", "agency:{a}"),
        ("VIEW_ONLY@A", "project:{project_a}"),
        ("REPORTING_ONLY@A", "agency:{a}"),
        ("HDC+REPORTING_ONLY@A", "agency:{a}"),
        ("CAN_STAFF", "can:{north}"),
        ("CAN_STAFF", "agency:{a}"),
        ("SYSADMIN", "all"),
    ],
)
async def test_who_may_read_which_scope(fx: Fixture, role: str, scope: str) -> None:
    user = await make_role_user(fx.world, role)
    text = scope.format(a=fx.world.a.id, project_a=fx.world.project_a.id, north=fx.world.north.id)
    report = await data_quality_report(
        caller_of(await decisions_for(user)), scope=text, start=START, end=END
    )
    assert report.scope == text


async def test_bad_input_is_refused(fx: Fixture) -> None:
    caller = caller_of(await decisions_for(await make_role_user(fx.world, "HDC@A")))
    scope = f"agency:{fx.world.a.id}"
    with pytest.raises(ValidationFailed) as backwards:
        await data_quality_report(caller, scope=scope, start=END, end=START)
    assert backwards.value.field == "endDate"
    with pytest.raises(ValidationFailed) as bad_scope:
        await data_quality_report(caller, scope="agency:42", start=START, end=END)
    assert bad_scope.value.field == "scope"
    with pytest.raises(ValidationFailed) as bad_key:
        await drill_down(caller, scope=scope, start=START, end=END, key="Q9.x", first=5, after=None)
    assert bad_key.value.field == "key"
    with pytest.raises(ValidationFailed) as bad_cursor:
        await drill_down(
            caller, scope=scope, start=START, end=END, key="Q1.persons", first=5, after="nope"
        )
    assert bad_cursor.value.field == "after"
    assert not await AuditEvent.filter(action=AuditAction.DENIED).exists()


# --- the command line --------------------------------------------------------------------------


async def _cli(runner: CliRunner, *args: str) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        return await asyncio.to_thread(runner.invoke, cli, list(args))


async def test_the_command_line_writes_the_cells_as_csv(
    fx: Fixture, runner: CliRunner, tmp_path: Path
) -> None:
    await fx.project("es", 0)
    await fx.enrol("a_dk", "es", person={"name_data_quality": 8})
    await fx.enrol("a_clean", "es")
    hdc = await make_role_user(fx.world, "HDC@A")
    out = tmp_path / "dq" / "report.csv"
    period = ("--start", START.isoformat(), "--end", END.isoformat())
    scope = ("--scope", f"agency:{fx.world.a.id}")
    result = await _cli(
        runner, "report", "data-quality", *scope, *period, "--user", hdc.username, "--csv", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == len(CELLS)
    by_key = {r["key"]: r for r in rows}
    assert by_key["Q6a.name.total"] == {
        "key": "Q6a.name.total",
        "count": "1",
        "denominator": "2",
        "rate": "0.5000",
    }
    assert by_key["Q1.persons"]["denominator"] == ""
    # standard output without --csv
    printed = await _cli(runner, "report", "data-quality", *scope, *period, "--user", hdc.username)
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.splitlines()[0] == "key,count,denominator,rate"
    # another agency's scope: FORBIDDEN; a period that ends before it starts: refused
    refused = await _cli(
        runner,
        "report",
        "data-quality",
        "--scope",
        f"agency:{fx.world.b.id}",
        *period,
        "--user",
        hdc.username,
    )
    assert refused.exit_code == 2
    assert json.loads(refused.stderr)["error"]["code"] == "FORBIDDEN"
    backwards = await _cli(
        runner,
        "report",
        "data-quality",
        *scope,
        "--start",
        "2025-02-01",
        "--end",
        "2025-01-31",
        "--user",
        hdc.username,
    )
    assert backwards.exit_code == 2


# --- the SSN validity flag: kept by every writer, filled for stored SSNs by `hearth migrate` ----


async def test_writers_keep_the_flag_and_migrate_fills_it_for_stored_ssns(fx: Fixture) -> None:
    caller = await _sealing_caller()
    written = await _sealing_client(caller, "123456789", ssn_data_quality=1)
    assert (await Client.get(id=written.id)).ssn_valid is False
    valid = await fx.client(ssn="401234567")
    invalid = await fx.client(ssn="900234567")
    none = await fx.client(ssn=None)
    conn = get_connection("default")
    ids = [valid.id, invalid.id, none.id]
    before = await conn.execute_query_dict(
        "SELECT id, ssn FROM client WHERE id = ANY($1::uuid[]) ORDER BY id", [ids]
    )
    # as migration 0028 leaves them: stored SSNs with no flag yet
    await conn.execute_query("UPDATE client SET ssn_valid = NULL")
    assert await seal_clear_ssns() == 0  # nothing needed sealing
    after = await conn.execute_query_dict(
        "SELECT id, ssn, ssn_valid FROM client WHERE id = ANY($1::uuid[]) ORDER BY id", [ids]
    )
    assert [r["ssn"] for r in after] == [r["ssn"] for r in before]  # sealed as they were
    flags = {r["id"]: r["ssn_valid"] for r in after}
    assert (flags[valid.id], flags[invalid.id], flags[none.id]) == (True, False, None)


async def test_counts_are_the_same_whoever_asks(fx: Fixture) -> None:
    # a substance use disorder row (42 CFR Part 2: never in the reporting lens) makes the
    # disabling condition a data issue; a reporting-only user counts it as the HDC does
    await fx.project("es", 0)
    enrollment = await fx.enrol("dc_substance", "es")
    await Disability.create(
        enrollment=enrollment,
        information_date=enrollment.entry_date,
        data_collection_stage=1,
        disability_type=10,
        disability_response=3,
        indefinite_and_impairs=1,
        created_by_user=fx.writer,
        created_at=_at(enrollment.entry_date),
    )
    scope = f"agency:{fx.world.a.id}"
    counts = []
    for role in ("HDC@A", "REPORTING_ONLY@A"):
        caller = caller_of(await decisions_for(await make_role_user(fx.world, role)))
        report = await data_quality_report(caller, scope=scope, start=START, end=END)
        counts.append(report.count("Q6b.disabling_condition.data_issues"))
    assert counts == [1, 1]
