"""Aggregate reports (services/reports/aggregates.py) on hand-made fixtures: each dimension's
categories, who is counted (the period, the scope, each client once), another agency's
sentinel clients never counted in a scope that is not theirs, suppression applied, who may run
it over which scope, the audit, and bad input."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest

from authz.resources import Action, Resource
from models.audit import AuditEvent
from models.clients import Client
from models.enrollments import Enrollment, Exit
from models.enums import AuditAction, SystemRole
from models.governance import Project
from services.caller import Caller
from services.errors import Forbidden, ValidationFailed
from services.reports import aggregates
from services.reports.aggregates import Dimension, aggregate_report, count_clients
from services.reports.scope import ReportScope, ScopePlan, plan_scope
from tests.authz.client_world import NOW, World, add_client, build_world, make_role_user
from tests.factories import make_user
from tests.hudcsv.support import TZ, decisions_for

START, END = date(2026, 1, 1), date(2026, 3, 31)
_seq = itertools.count(1)


@pytest.fixture
async def world(app: object) -> World:
    return await build_world()


async def enrol(
    w: World,
    client: Client,
    project: Project,
    entry: date,
    *,
    household: str | None = None,
    relationship: int = 1,
    exit_on: date | None = None,
    destination: int = 410,
) -> Enrollment:
    enrollment = await Enrollment.create(
        client=client,
        project=project,
        agency_id=project.agency_id,  # type: ignore[attr-defined]
        entry_date=entry,
        household_id=household or f"hh{next(_seq)}",
        relationship_to_hoh=relationship,
        created_by_user=w.writer_a,
        created_at=NOW,
        updated_at=NOW,
    )
    if exit_on is not None:
        await Exit.create(
            enrollment=enrollment,
            exit_date=exit_on,
            destination=destination,
            created_by_user=w.writer_a,
            created_at=NOW,
        )
    return enrollment


async def person(w: World, project: Project | None = None, **values: Any) -> Client:
    """A client of A (or of the project's agency) served at ``project`` from 2026-02-01."""
    project = project or w.project_a
    agency = w.a if project.agency_id == w.a.id else w.b  # type: ignore[attr-defined]
    client = await add_client(agency, w.writer_a, **values)
    await enrol(w, client, project, date(2026, 2, 1))
    return client


async def plan_as_lead(scope: ReportScope) -> ScopePlan:
    lead = await make_user(roles=(SystemRole.LEAD_AGENCY,))
    return await plan_scope(
        await decisions_for(lead),
        scope,
        resource=Resource.AGGREGATE_REPORT,
        action=Action.READ,
        today=NOW.date(),
    )


async def counts(w: World, *dims: Dimension, scope: ReportScope | None = None) -> dict[Any, int]:
    plan = await plan_as_lead(scope or ReportScope("agency", w.a.id))
    found = await count_clients(plan, dims, start=START, end=END)
    return {k[0] if len(k) == 1 else k: n for k, n in found.items()}


def years_before(years: int, day: date = START) -> date:
    return day.replace(year=day.year - years)


# -- each dimension ----------------------------------------------------------------------------


async def test_age_bands_take_the_age_at_the_later_of_entry_and_the_periods_start(
    world: World,
) -> None:
    # Rosa (the world's client) has a DOB; clear it so that she is the one unknown age
    await Client.filter(id=world.rosa.id).update(dob=None)
    for age in (3, 10, 15, 20, 30, 40, 50, 60, 70):
        # entry 2026-02-01; the birthday on 2026-01-15 counts (later of entry and start)
        await person(world, dob=years_before(age, date(2026, 1, 15)))
    # 17 on the period's start, 18 by entry: 18-24
    await person(world, dob=date(2008, 1, 20))
    assert await counts(world, Dimension.AGE_BAND) == {
        "UNDER_5": 1,
        "5_12": 1,
        "13_17": 1,
        "18_24": 2,
        "25_34": 1,
        "35_44": 1,
        "45_54": 1,
        "55_64": 1,
        "65_PLUS": 1,
        "UNKNOWN": 1,
    }


async def test_household_types_come_from_the_members_ages_at_entry(world: World) -> None:
    await Enrollment.filter(id=world.rosa_enrollment.id).update(entry_date=date(2027, 1, 1))
    adult, child = date(1980, 1, 1), date(2015, 1, 1)
    households = {
        "mixed": [adult, child, child],
        "adults": [adult, adult],
        "children": [child],
        "unknown": [adult, None],
    }
    for name, dobs in households.items():
        for n, dob in enumerate(dobs):
            client = await add_client(world.a, world.writer_a, dob=dob)
            await enrol(
                world,
                client,
                world.project_a,
                date(2026, 2, 1),
                household=name,
                relationship=1 if n == 0 else 2,
            )
    assert await counts(world, Dimension.HOUSEHOLD_TYPE) == {
        "ADULTS_AND_CHILDREN": 3,
        "ADULTS_ONLY": 2,
        "CHILDREN_ONLY": 1,
        "UNKNOWN": 2,
    }


async def test_race_and_ethnicity_as_huds_apr_crosses_them(world: World) -> None:
    await Client.filter(id=world.rosa.id).update(
        **{f: 0 for f in ("am_ind_ak_native", "asian", "black_af_american", "white")},
        hispanic_latinao=0,
        mid_east_n_african=0,
        native_hi_pacific=0,
        race_none=99,
    )
    await person(world, asian=1)
    await person(world, white=1, hispanic_latinao=1)
    await person(world, hispanic_latinao=1)
    await person(world, black_af_american=1, white=1)
    await person(world, black_af_american=1, am_ind_ak_native=1, hispanic_latinao=1)
    await person(world, race_none=8)
    assert await counts(world, Dimension.RACE_ETHNICITY) == {
        "ASIAN": 1,
        "WHITE_AND_HISPANIC": 1,
        "HISPANIC_LATINAEO_ONLY": 1,
        "MULTIRACIAL": 1,
        "MULTIRACIAL_AND_HISPANIC": 1,
        "DOESNT_KNOW_OR_PREFERS_NOT": 1,
        "NOT_COLLECTED": 1,  # Rosa, now with nothing marked
    }


async def test_sex_and_veteran_status(world: World) -> None:
    await Client.filter(id=world.rosa.id).update(sex=99, veteran_status=99, dob=date(1960, 1, 1))
    await person(world, sex=0, veteran_status=1, dob=date(1970, 1, 1))
    await person(world, sex=1, veteran_status=0, dob=date(1970, 1, 1))
    await person(world, sex=9, veteran_status=8, dob=date(1970, 1, 1))
    await person(world, sex=1, veteran_status=99, dob=date(2015, 1, 1))  # a child
    assert await counts(world, Dimension.SEX) == {
        "FEMALE": 1,
        "MALE": 2,
        "DOESNT_KNOW_OR_PREFERS_NOT": 1,
        "NOT_COLLECTED": 1,
    }
    assert await counts(world, Dimension.VETERAN_STATUS) == {
        "YES": 1,
        "NO": 1,
        "DOESNT_KNOW_OR_PREFERS_NOT": 1,
        "NOT_COLLECTED": 1,
        "CHILD": 1,
    }


async def test_destination_counts_the_leavers_by_huds_groups(world: World) -> None:
    # Rosa stays (no exit): not a leaver
    for destination in (410, 435, 116, 204, 302, 24, 99):
        client = await add_client(world.a, world.writer_a)
        await enrol(
            world,
            client,
            world.project_a,
            date(2026, 1, 10),
            exit_on=date(2026, 2, 20),
            destination=destination,
        )
    # an exit after the period's end: a stayer in the period
    late = await add_client(world.a, world.writer_a)
    await enrol(world, late, world.project_a, date(2026, 1, 10), exit_on=date(2026, 4, 5))
    assert await counts(world, Dimension.DESTINATION) == {
        "PERMANENT": 2,
        "HOMELESS": 1,
        "INSTITUTIONAL": 1,
        "TEMPORARY": 1,
        "OTHER": 2,
    }


async def test_length_of_stay_runs_to_the_exit_or_the_periods_end(world: World) -> None:
    await Enrollment.filter(id=world.rosa_enrollment.id).update(entry_date=date(2027, 1, 1))
    short = await add_client(world.a, world.writer_a)
    await enrol(world, short, world.project_a, END - timedelta(days=5))  # stayer, 5 days
    leaver = await add_client(world.a, world.writer_a)
    await enrol(world, leaver, world.project_a, date(2026, 1, 1), exit_on=date(2026, 2, 10))
    long = await add_client(world.a, world.writer_a)
    await enrol(world, long, world.project_a, date(2019, 1, 1))  # more than five years
    assert await counts(world, Dimension.LENGTH_OF_STAY) == {
        "DAYS_0_7": 1,
        "DAYS_31_60": 1,
        "DAYS_1826_PLUS": 1,
    }


async def test_each_client_counts_once_on_the_latest_enrollment_and_only_in_the_period(
    world: World,
) -> None:
    second = await Project.create(
        agency=world.a,
        name="A Housing",
        project_type=3,
        operating_start_date=date(2020, 1, 1),
        coc_code="CT-503",
    )
    # Rosa (entered 2026-02-20 at the shelter) also entered the housing project earlier
    await enrol(world, world.rosa, second, date(2026, 1, 5))
    moved = await add_client(world.a, world.writer_a)
    await enrol(world, moved, world.project_a, date(2026, 1, 2), exit_on=date(2026, 1, 20))
    await enrol(world, moved, second, date(2026, 1, 21))  # latest: counted at A Housing
    gone = await add_client(world.a, world.writer_a)  # left before the period
    await enrol(world, gone, world.project_a, date(2025, 6, 1), exit_on=date(2025, 12, 31))
    future = await add_client(world.a, world.writer_a)  # enters after it
    await enrol(world, future, world.project_a, date(2026, 4, 1))
    assert await counts(world, Dimension.PROJECT) == {
        str(world.project_a.id): 1,
        str(second.id): 1,
    }


async def test_cross_tabs_count_pairs_of_categories(world: World) -> None:
    await Client.filter(id=world.rosa.id).update(sex=0, veteran_status=0, dob=date(1980, 1, 1))
    await person(world, sex=1, veteran_status=1, dob=date(1970, 1, 1))
    assert await counts(world, Dimension.SEX, Dimension.VETERAN_STATUS) == {
        ("FEMALE", "NO"): 1,
        ("MALE", "YES"): 1,
    }


# -- scopes: the sentinel, Part 2, who may run it ------------------------------------------------


async def test_another_agencys_sentinel_clients_are_never_counted_in_a_scope_not_theirs(
    world: World,
) -> None:
    # given B's sentinel clients at B's project, one of them also holding A's consent
    sentinel = await add_client(world.b, world.writer_b, holders=(world.a,), sex=1)
    await enrol(world, sentinel, world.project_b, date(2026, 2, 1))
    for _ in range(3):
        await person(world, world.project_b, sex=1)
    await Client.filter(id=world.rosa.id).update(sex=0)
    # then A's scopes count Rosa alone; B's its four; statewide all five
    assert await counts(world, Dimension.SEX) == {"FEMALE": 1}
    project_a = ReportScope("project", world.project_a.id)
    assert await counts(world, Dimension.SEX, scope=project_a) == {"FEMALE": 1}
    assert await counts(world, Dimension.SEX, scope=ReportScope("agency", world.b.id)) == {
        "MALE": 4
    }
    assert await counts(world, Dimension.SEX, scope=ReportScope("all")) == {
        "FEMALE": 1,
        "MALE": 4,
    }


async def test_no_dimension_reads_part_2_data_and_the_lens_of_a_non_reader_shows_none(
    world: World,
) -> None:
    # Rosa has a substance use disorder record (42 CFR Part 2); no statement reads disabilities
    plan = await plan_as_lead(ReportScope("agency", world.a.id))
    assert not plan.reads
    assert plan.lens.part2 is False
    for dims in itertools.permutations(Dimension, 2):
        statement = aggregates._statement(plan.lens, dims)
        assert "disability" not in statement
        assert "health_and_dv" not in statement


async def test_a_reporting_only_user_runs_it_for_their_agency_and_not_another(
    world: World,
) -> None:
    user = await make_role_user(world, "REPORTING_ONLY@A")
    caller = Caller(await decisions_for(user), NOW, TZ)
    report = await aggregate_report(
        caller, scope=f"agency:{world.a.id}", start=START, end=END, dimensions=[Dimension.SEX]
    )
    assert report.total.suppressed  # one client: hidden
    assert report.total.count is None
    with pytest.raises(Forbidden) as refused:
        await aggregate_report(
            caller, scope=f"agency:{world.b.id}", start=START, end=END, dimensions=[Dimension.SEX]
        )
    assert refused.value.field == "scope"
    with pytest.raises(Forbidden):
        await aggregate_report(
            caller, scope="all", start=START, end=END, dimensions=[Dimension.SEX]
        )
    # audited: who ran which report over which scope (no client), and the refusals
    rows = await AuditEvent.filter(entity_type="AggregateReport").order_by("seq")
    assert [(r.action, r.actor_id, r.client_id) for r in rows] == [
        (AuditAction.VIEW, user.id, None),
        (AuditAction.DENIED, user.id, None),
        (AuditAction.DENIED, user.id, None),
    ]
    assert sorted(rows[0].fields_touched) == [
        "dimensions:SEX",
        "period:2026-01-01..2026-03-31",
        f"scope:agency:{world.a.id}",
    ]


async def test_the_report_suppresses_small_cells(world: World) -> None:
    await Client.filter(id=world.rosa.id).update(sex=1)
    for _ in range(14):
        await person(world, sex=0)
    for _ in range(12):
        await person(world, sex=1)
    await person(world, sex=8)
    user = await make_role_user(world, "HDC@A")
    report = await aggregate_report(
        Caller(await decisions_for(user), NOW, TZ),
        scope=f"agency:{world.a.id}",
        start=START,
        end=END,
        dimensions=[Dimension.SEX],
    )
    shown = {c.values[0][1]: (c.count, c.suppressed) for c in report.cells}
    # 1 hidden; alone it would be the total minus the rest: the next smallest (13) goes too
    assert shown == {
        "FEMALE": (14, False),
        "MALE": (None, True),
        "DOESNT_KNOW_OR_PREFERS_NOT": (None, True),
        "NOT_COLLECTED": (0, False),
    }
    assert (report.total.count, report.total.suppressed) == (28, False)
    assert "1 to 10" in report.rule


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dims", "start", "end", "field"),
    [
        ([Dimension.SEX], END, START, "endDate"),
        ([], START, END, "dimensions"),
        ([Dimension.SEX, Dimension.SEX], START, END, "dimensions"),
        ([Dimension.SEX, Dimension.AGE_BAND, Dimension.PROJECT], START, END, "dimensions"),
        (["GENDER"], START, END, "dimensions"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_audited(
    world: World, dims: list[Any], start: date, end: date, field: str
) -> None:
    user = await make_role_user(world, "HDC@A")
    with pytest.raises(ValidationFailed) as refused:
        await aggregate_report(
            Caller(await decisions_for(user), NOW, TZ),
            scope=f"agency:{world.a.id}",
            start=start,
            end=end,
            dimensions=dims,
        )
    assert refused.value.field == field
    assert not await AuditEvent.filter(entity_type="AggregateReport").exists()


async def test_a_malformed_scope_is_refused(world: World) -> None:
    user = await make_role_user(world, "HDC@A")
    with pytest.raises(ValidationFailed) as refused:
        await aggregate_report(
            Caller(await decisions_for(user), NOW, TZ),
            scope="agency:nope",
            start=START,
            end=END,
            dimensions=[Dimension.SEX],
        )
    assert refused.value.field == "scope"


async def test_the_figures_are_the_same_whoever_asks(world: World) -> None:
    # given a client created under CAN North by C (C's consent only) and served at A's project:
    # North's backbone staff see them through the API, A does not hold them
    other = await add_client(world.c, world.writer_a, sex=1)
    await enrol(world, other, world.project_a, date(2026, 2, 1))
    await Client.filter(id=world.rosa.id).update(sex=0)
    scope = ReportScope("agency", world.a.id)
    found = []
    for role in ("CAN_STAFF", "HDC@A", "REPORTING_ONLY@A"):
        user = await make_role_user(world, role)
        plan = await plan_scope(
            await decisions_for(user),
            scope,
            resource=Resource.AGGREGATE_REPORT,
            action=Action.READ,
            today=NOW.date(),
        )
        found.append(await count_clients(plan, [Dimension.SEX], start=START, end=END))
    found.append(
        await count_clients(await plan_as_lead(scope), [Dimension.SEX], start=START, end=END)
    )
    # then every caller gets what A holds: Rosa alone
    assert found == [{("FEMALE",): 1}] * 4
