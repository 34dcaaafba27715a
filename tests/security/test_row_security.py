"""The fourth wall (decision 97): PostgreSQL's row-level security shows each caller the rows the
client-data policy shows them, and nothing more when the application forgets to ask.

The sentinels of the security suite (agency A's clients under twelve sharing scenarios) are read
for every role of the suite in two ways: through the policies of migration 0013, as the API's
role with the caller's settings (``authz.clients.row_security.lens``) and no filter at all in the
statement; and through ``authz.clients`` (the application's walls), as the tables' owner. The
two must agree row for row on every client-data table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from tortoise.connection import get_connection
from tortoise.models import Model
from tortoise.transactions import in_transaction

import authz.clients.reads as reads
import services.audit as audit_service
from api.db import APP_ROLE, tortoise_config
from api.settings import Settings
from authz.clients import (
    ClientAccess,
    ClientScope,
    access_for,
    annotation_categories,
    client_scope,
    reporting_lens,
    row_security,
    sees,
    shows_annotation,
    shows_consent,
    shows_release,
    visible_by_id,
)
from authz.enforcer import Decisions, current_authorizer
from models.case_notes import CaseNote, CaseNoteDeletionRequest
from models.clients import Client, ClientAnnotation, ConsentToEnter
from models.coordinated_entry import (
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    CurrentLivingSituation,
    Event,
)
from models.enrollments import (
    Disability,
    EmploymentEducation,
    Enrollment,
    Exit,
    HealthAndDv,
    IncomeBenefits,
    Service,
    YouthEducationStatus,
)
from models.releases import Release, ReleaseRecipient
from services.principals import PRINCIPAL_STATEMENTS, load_principal
from tests.authz.client_world import TODAY, make_role_user
from tests.factories import Api
from tests.security.sentinels import ROLES, Sentinels, build_sentinels

pytestmark = pytest.mark.usefixtures("app")

ENROLLMENT_TABLES: tuple[type[Model], ...] = (
    Exit,
    Service,
    IncomeBenefits,
    HealthAndDv,
    Disability,
    EmploymentEducation,
    YouthEducationStatus,
    CurrentLivingSituation,
    Assessment,
    AssessmentQuestion,
    AssessmentResult,
    Event,
)


async def _scope(user_id: UUID) -> ClientScope:
    loaded = await load_principal(user_id)
    assert loaded is not None
    principal, _ = loaded
    return await client_scope(Decisions(current_authorizer(), principal), TODAY)


async def _ids(model: type[Model], **filters: Any) -> set[UUID]:
    query = model.filter(**filters) if filters else model.all()
    return {UUID(str(pk)) for pk in await query.values_list("id", flat=True)}


async def _through_row_security(scope: ClientScope) -> dict[str, set[UUID]]:
    """Every client-data table's rows, as the API's role under ``scope``'s settings."""
    with row_security.lens(scope):
        return {
            model.__name__: await _ids(model)
            for model in (
                Client,
                ConsentToEnter,
                Release,
                ReleaseRecipient,
                ClientAnnotation,
                Enrollment,
                CaseNote,
                CaseNoteDeletionRequest,
                *ENROLLMENT_TABLES,
            )
        }


def _kept(rows: list[Any], keep: Callable[[Any], bool]) -> set[UUID]:
    return {row.id for row in rows if keep(row)}


async def _through_the_policy(scope: ClientScope) -> dict[str, set[UUID]]:
    """The same, as ``authz.clients`` decides it (read as the owner: no policy binds)."""
    clients = await visible_by_id(scope, list(await _ids(Client)))
    access: dict[UUID, ClientAccess] = await access_for(scope, clients)

    def of(row: Any) -> ClientAccess | None:
        return access.get(row.client_id)

    enrollments = await Enrollment.all()
    by_enrollment = {e.id: e for e in enrollments}
    releases = await Release.all()
    shown_releases = _kept(releases, lambda r: (a := of(r)) is not None and shows_release(a, r))
    seen: dict[str, set[UUID]] = {
        "Client": {c.id for c in clients},
        "ConsentToEnter": _kept(
            await ConsentToEnter.all(), lambda r: (a := of(r)) is not None and shows_consent(a, r)
        ),
        "Release": shown_releases,
        "ReleaseRecipient": _kept(
            await ReleaseRecipient.all(), lambda r: r.release_id in shown_releases
        ),
        "ClientAnnotation": _kept(
            await ClientAnnotation.all(),
            lambda r: (a := of(r)) is not None and shows_annotation(a, r),
        ),
        "Enrollment": _kept(
            enrollments,
            lambda r: (a := of(r)) is not None and sees(Enrollment, r, r.agency_id, a),
        ),
        "CaseNote": _kept(
            await CaseNote.all(),
            lambda r: (a := of(r)) is not None and sees(CaseNote, r, r.agency_id, a),
        ),
        "CaseNoteDeletionRequest": _kept(
            await CaseNoteDeletionRequest.all(),
            lambda r: (a := of(r)) is not None and sees(CaseNote, r, r.agency_id, a),
        ),
    }
    for model in ENROLLMENT_TABLES:

        def shown(row: Any, model: type[Model] = model) -> bool:
            enrollment = by_enrollment[row.enrollment_id]
            a = access.get(enrollment.client_id)
            return a is not None and sees(model, row, enrollment.agency_id, a)

        seen[model.__name__] = _kept(await model.all(), shown)
    return seen


async def test_row_security_shows_every_role_what_the_client_data_policy_shows(api: Api) -> None:
    # given A's sentinels under every scenario, and B's own client with its records
    sentinels = await build_sentinels(api)
    await _own_client_of_b(api, sentinels)
    await _exits(api, sentinels, ("aa", "ac", "aj", "al"))
    await _coordinated_entry_and_education(sentinels)
    users = {role: await make_role_user(sentinels.world, role) for role in ROLES}
    await current_authorizer().reload()
    lenses = {role: await _scope(user.id) for role, user in users.items()}
    # the HUD export's reporting lens (no Part 2, not even its own agencies')
    lenses["reporting lens of A and B"] = await reporting_lens(
        frozenset({sentinels.world.a.id, sentinels.world.b.id}), TODAY
    )
    everything = await _through_the_policy(
        ClientScope(
            read_agencies=frozenset(),
            write_agencies=frozenset(),
            full_agencies=frozenset(),
            recipient_cans=frozenset(),
            backbone_cans=frozenset(),
            today=TODAY,
        )
    )
    assert not any(everything.values())  # a caller with no agency sees nothing either way
    total = {name: await _ids(model) for name, model in _MODELS.items()}
    assert all(total.values()), {name: len(ids) for name, ids in total.items() if not ids}
    for role, scope in lenses.items():
        # when the tables are read through row-level security with no filter, and through the
        # client-data policy, then the rows are the same, table by table
        rls = await _through_row_security(scope)
        policy = await _through_the_policy(scope)
        for table in policy:
            assert rls[table] == policy[table], (
                role,
                table,
                "RLS only:",
                len(rls[table] - policy[table]),
                "policy only:",
                len(policy[table] - rls[table]),
            )
    # and the roles tell rows apart: the comparison is not between empty sets
    assert len({frozenset(_flatten(await _through_row_security(s))) for s in lenses.values()}) > 5


async def test_one_session_serving_callers_in_turn_tests_each_callers_settings(api: Api) -> None:
    """Decision 205: the policies' functions are PL/pgSQL, whose plans a session keeps across
    statements and, after five calls, makes generic. The settings they test must still be read
    at every call: one session (a transaction pins it) alternating the roles' lenses, for more
    rounds than PL/pgSQL plans for the values it is given, shows each role its own rows."""
    sentinels = await build_sentinels(api)
    await _own_client_of_b(api, sentinels)
    users = {role: await make_role_user(sentinels.world, role) for role in ROLES}
    await current_authorizer().reload()
    lenses = {role: await _scope(user.id) for role, user in users.items()}
    expected = {role: await _through_the_policy(scope) for role, scope in lenses.items()}
    assert len({frozenset(_flatten(rows)) for rows in expected.values()}) >= 5
    async with in_transaction():
        for _ in range(7):
            for role, scope in lenses.items():
                assert await _through_row_security(scope) == expected[role], role


async def test_the_row_tests_are_plpgsql_functions_of_the_owner() -> None:
    # decision 205: PL/pgSQL keeps a function's plan for the session; a SQL function that is not
    # inlined (SECURITY DEFINER) was planned again by every statement calling it
    rows = await get_connection("default").execute_query_dict(
        "SELECT p.oid::regprocedure::text AS name, l.lanname AS language, p.prosecdef AS definer"
        " FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
        " WHERE p.proname IN ('hearth_sees_client', 'hearth_sees_row',"
        " 'hearth_sees_enrollment_row', 'hearth_sees_release')"
    )
    assert len(rows) == 5
    assert {(r["language"], r["definer"]) for r in rows} == {("plpgsql", True)}, rows


_MODELS: dict[str, type[Model]] = {
    "Client": Client,
    "ConsentToEnter": ConsentToEnter,
    "Release": Release,
    "ReleaseRecipient": ReleaseRecipient,
    "ClientAnnotation": ClientAnnotation,
    "Enrollment": Enrollment,
    "CaseNote": CaseNote,
    **{model.__name__: model for model in ENROLLMENT_TABLES},
}


# Tables with a client_id that are not client records: the audit trail (its own access rules),
# an incident's link to the clients it concerns (the Security Officer's), an OAuth client.
_NOT_CLIENT_RECORDS = ["audit_event", "security_incident_client", "service_account"]


def _flatten(tables: dict[str, set[UUID]]) -> set[tuple[str, UUID]]:
    return {(name, row) for name, rows in tables.items() for row in rows}


async def _coordinated_entry_and_education(sentinels: Sentinels) -> None:
    """A row of each record the API does not write yet, for every enrollment (as the owner)."""
    for e in await Enrollment.all():
        made = {"enrollment_id": e.id, "created_by_user_id": e.created_by_user_id}
        made |= {"created_at": e.created_at}
        stage = {"information_date": e.entry_date, "data_collection_stage": 1}
        await EmploymentEducation.create(**made, **stage, employed=1)
        await YouthEducationStatus.create(**made, **stage, current_school_attend=0)
        await CurrentLivingSituation.create(
            **made, information_date=e.entry_date, current_living_situation=116
        )
        assessment = await Assessment.create(
            **made, assessment_date=e.entry_date, assessment_type=1, assessment_level=1
        )
        await AssessmentQuestion.create(
            **made, assessment=assessment, assessment_question="Q1", assessment_answer="A"
        )
        await AssessmentResult.create(
            **made, assessment=assessment, assessment_result_type="score", assessment_result="7"
        )
        await Event.create(**made, event_date=e.entry_date, event=1)
    assert sentinels.ids


async def test_every_table_of_client_records_is_under_row_security() -> None:
    # a table that refers to a client or an enrollment holds client data: the fourth wall
    # guards each one (a new table of client records needs its policies)
    rows = await get_connection("default").execute_query_dict(
        "SELECT c.relname AS name, c.relrowsecurity AS guarded FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'"
        " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND (c.relname = ANY($1::text[]) OR EXISTS (SELECT 1"
        " FROM pg_attribute a WHERE a.attrelid = c.oid"
        " AND a.attname IN ('client_id', 'enrollment_id') AND NOT a.attisdropped))",
        [[model._meta.db_table for model in _MODELS.values()]],
    )
    tables = {r["name"]: r["guarded"] for r in rows}
    for model in _MODELS.values():
        assert tables.get(model._meta.db_table) is True, model
    unguarded = sorted(name for name, guarded in tables.items() if not guarded)
    # (the audit trail's month partitions are reached through audit_event alone: migration 0034)
    assert unguarded == _NOT_CLIENT_RECORDS, unguarded


async def _exits(api: Api, sentinels: Sentinels, codes: tuple[str, ...]) -> None:
    """Some sentinels' enrollments exited by A (the exit table has rows to tell apart)."""
    token = await sentinels.token(api, "FULL@A")
    for code in codes:
        await api.ok(
            "mutation($input: ExitEnrollmentInput!) { exitEnrollment(input: $input) { id } }",
            {
                "input": {
                    "enrollmentId": sentinels.ids[f"{code} enrollment"],
                    "exitDate": str(TODAY),
                    "destination": "PLACE_NOT_MEANT_FOR_HABITATION",
                }
            },
            token,
        )


async def _own_client_of_b(api: Api, sentinels: Sentinels) -> None:
    """B's own client, entered by B's FULL user: a row of another agency for A's roles."""
    token = await sentinels.token(api, "FULL@B")
    await api.ok(
        """mutation($input: CreateClientInput!) { createClient(input: $input) { id } }""",
        {
            "input": {
                "firstName": "Bea",
                "lastName": "Bowen",
                "nameDataQuality": "FULL_NAME_REPORTED",
                "ssnDataQuality": "DATA_NOT_COLLECTED",
                "dobDataQuality": "DATA_NOT_COLLECTED",
                "consent": {
                    "kind": "WRITTEN",
                    "takenOn": str(TODAY),
                    "evidenceReference": "B-1",
                },
            }
        },
        token,
    )


async def test_a_reader_that_forgets_the_visibility_filter_still_gets_no_foreign_client(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given A's sentinels, and the application's visibility filter replaced with nothing
    sentinels = await build_sentinels(api)
    unshared = sentinels.clients["aa"]  # no release: B may not know it exists
    token = await sentinels.token(api, "FULL@B")
    monkeypatch.setattr(reads, "visible_row_sql", lambda *_a, **_k: "true")
    b_user = await make_role_user(sentinels.world, "FULL@B")
    await current_authorizer().reload()
    scope = await _scope(b_user.id)
    # (the filter is gone: read as the owner, the broken reader returns A's client)
    assert [c.id for c in await visible_by_id(scope, [UUID(unshared)])] == [UUID(unshared)]
    # when B's user asks the API for it by id, and searches for it by name
    first = next(m.value for m in sentinels.markers if m.client == "aa" and m.what == "first")
    body = await api.gql(
        "query($id: ID!, $name: String!) { client(id: $id) { id firstName }"
        " clients(search: {name: $name}) { totalCount nodes { id } } }",
        {"id": unshared, "name": first},
        token,
    )
    # then row-level security returned no row: not found, and an empty search
    assert body["data"]["client"] is None, body
    assert body["data"]["clients"] == {"totalCount": 0, "nodes": []}, body
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    assert codes == {"NOT_FOUND"}, body
    assert unshared not in str(body), body
    assert first not in str(body).lower(), body


async def test_rows_of_a_client_are_not_read_without_a_caller_or_under_another_agency(
    api: Api,
) -> None:
    # given A's sentinel with no release, its case note and enrollment
    sentinels = await build_sentinels(api)
    client = UUID(sentinels.clients["aa"])
    b_user = await make_role_user(sentinels.world, "FULL@B")
    await current_authorizer().reload()
    b = await _scope(b_user.id)
    a = await _scope((await make_role_user(sentinels.world, "FULL@A")).id)
    assert await _ids(CaseNote, client_id=client)  # the owner sees them
    # when a reader with no filter at all reads them as B, then nothing comes back
    with row_security.lens(b):
        assert not await _ids(CaseNote, client_id=client)
        assert not await _ids(Enrollment, client_id=client)
        assert not await _ids(Client, id=client)
        # not even through the name search's lookup
        rows = await get_connection("default").execute_query_dict(
            "SELECT hearth_clients_named($1) AS id",
            [next(m.value for m in sentinels.markers if m.client == "aa" and m.what == "first")],
        )
        assert rows == []
    # and as A, its holder, they are there
    with row_security.lens(a):
        assert await _ids(CaseNote, client_id=client)
        assert await _ids(Client, id=client)
    # and a request's statements before the caller is known see nothing
    with row_security.request():
        assert not await _ids(Client)


async def test_the_annotation_categories_are_the_same_in_the_database() -> None:
    known = annotation_categories()
    rows = await get_connection("default").execute_query_dict(
        "SELECT f AS field, hearth_annotation_category(f) AS category FROM unnest($1::text[]) AS f",
        [[*known, "noSuchField"]],
    )
    in_database = {row["field"]: row["category"] for row in rows}
    assert in_database == {
        **{name: category.value for name, category in known.items()},
        "noSuchField": None,
    }


async def test_the_api_sessions_run_as_the_role_row_security_binds() -> None:
    rows = await get_connection("default").execute_query_dict(
        "SELECT current_user AS role, (SELECT rolsuper FROM pg_roles"
        " WHERE rolname = current_user) AS superuser"
    )
    assert rows == [{"role": APP_ROLE, "superuser": False}]


def test_row_security_is_on_unless_turned_off_and_never_off_in_production() -> None:
    url = "postgres://hearth@db.example/hearth"
    on = Settings(_env_file=None)  # type: ignore[call-arg]
    assert tortoise_config(url, on, app=True)["connections"]["default"]["credentials"]["role"] == (
        APP_ROLE
    )
    # the command line (migrations) runs as the owner
    assert tortoise_config(url, on)["connections"]["default"]["credentials"]["role"] is None
    off = Settings(_env_file=None, db_row_security=False)  # type: ignore[call-arg]
    assert (
        tortoise_config(url, off, app=True)["connections"]["default"]["credentials"]["role"] is None
    )
    with pytest.raises(ValueError, match="HEARTH_DB_ROW_SECURITY"):
        Settings(_env_file=None, env="production", db_row_security=False)  # type: ignore[call-arg]


async def test_every_client_data_policy_lets_the_system_through_before_any_function_call(
    app: object,
) -> None:
    """Migration 0030: in system mode (an administrative statement, such as a statewide report's
    counts) a policy costs one inlined setting test a row, not a SECURITY DEFINER call. Every
    read, update and delete policy of the app's role starts with that test; its row-by-row
    meaning is what the test above proves."""
    rows = await get_connection("default").execute_query_dict(
        "SELECT c.relname AS tab, p.polname AS name, pg_get_expr(p.polqual, p.polrelid) AS qual"
        " FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid"
        " WHERE p.polname IN ('hearth_read', 'hearth_update', 'hearth_delete')"
    )
    assert len({r["tab"] for r in rows}) >= 20  # every client-data table of 0013 and 0022
    late = [
        (r["tab"], r["name"])
        for r in rows
        if not " ".join(r["qual"].split()).startswith("(hearth_rls_on('hearth.system'::text) OR ")
    ]
    assert not late, late


async def test_the_principal_lookup_reads_only_tables_without_row_security() -> None:
    # decision 201: the principal is read under whatever settings the pooled session holds (a
    # previous caller's), which is only sound if no table it names has a policy
    names: set[str] = set()
    for sql in PRINCIPAL_STATEMENTS:
        names |= set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", sql))
    assert {"hearth_user", "session", "membership", "agency"} <= names
    rows = await get_connection("default").execute_query_dict(
        "SELECT relname AS name, relrowsecurity AS guarded FROM pg_class"
        " WHERE relkind = 'r' AND relname = ANY($1::text[])",
        [sorted(names)],
    )
    assert {r["name"] for r in rows} == names
    assert [r["name"] for r in rows if r["guarded"]] == []


async def test_the_read_audit_insert_writes_only_tables_without_row_security() -> None:
    # decision 209: the read audit of requests written together goes under whatever settings the
    # pooled session holds (the leading request's, or another caller's), sound only if the
    # tables it writes, the trail and its month partitions, have no policy
    names: set[str] = set()
    for sql in (audit_service._APPEND_SQL, audit_service._APPEND_ONE_REQUEST_SQL):
        names |= set(re.findall(r"\bINSERT INTO\s+([a-z_]+)", sql))
    assert names == {"audit_event"}
    rows = await get_connection("default").execute_query_dict(
        "SELECT c.relname AS name, c.relrowsecurity AS guarded FROM pg_class c"
        " WHERE c.relname = 'audit_event' OR c.oid IN (SELECT inhrelid FROM pg_inherits"
        " WHERE inhparent = 'audit_event'::regclass)"
    )
    assert len(rows) > 1  # the trail and its partitions
    assert [r["name"] for r in rows if r["guarded"]] == []


async def test_the_principal_lookup_sends_no_settings_of_its_own(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a request's first statement is the principal lookup: it no longer resets the pooled
    # session's settings to "nobody" first (the sessions hold the system's or none here, so
    # without the exemption a set_config would always go first)
    from bench.statement_log import log_statements
    from models.enums import AccessLevel
    from tests.factories import make_agency, make_user

    agency = await make_agency()
    user = await make_user(agencies={agency: AccessLevel.FULL})
    log = log_statements(monkeypatch, session_settings=True)
    with row_security.request():
        loaded, sent = await log.during(load_principal(user.id))
    assert loaded is not None
    assert len(sent) == 1, sent
    assert "set_config" not in sent[0]
