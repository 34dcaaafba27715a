"""The synthetic data generator: structure, determinism, defect rates, users
who really sign in and see clients through consent, a valid audit chain, and the CLI."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import pyotp
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from authz import enforcer
from authz.enforcer import current_authorizer
from devdata import CLIENT_DEFECTS, DEFECT_RATES, SeedSummary, SeedUser, generate
from models.clients import Client, ssn_columns
from services.audit import seal, verify_chain
from services.errors import Conflict
from tests.conftest import START
from tests.factories import LOGIN, VERIFY, Api, truncation

pytestmark = pytest.mark.slow  # the generator at size

ANCHOR = START.date()
CLIENT = "query($id: ID!) { client(id: $id) { id firstName } }"


@pytest.fixture
async def conn(app: object, database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url, timeout=10)
    yield connection
    await connection.close()


async def _seed(
    conn: asyncpg.Connection, clients: int = 200, seed: int = 11, **options: object
) -> SeedSummary:
    summary = await generate(conn, clients=clients, seed=seed, anchor=ANCHOR, **options)  # type: ignore[arg-type]
    await current_authorizer().reload()
    return summary


async def _count(conn: asyncpg.Connection, sql: str, *args: object) -> int:
    return int(await conn.fetchval(sql, *args))


async def test_structure_counts_and_the_victim_service_provider(conn: asyncpg.Connection) -> None:
    summary = await _seed(conn)
    # Affiliations come only with a services-only RRH project, which 200 clients may not draw.
    assert {t for t, rows in summary.counts.items() if rows == 0} <= {"affiliation"}
    for table, rows in summary.counts.items():
        assert await _count(conn, f"SELECT count(*) FROM {table}") == rows, table  # noqa: S608
    assert summary.counts["client"] == 200
    assert (
        await _count(
            conn,
            "SELECT count(DISTINCT code) FROM continuum_of_care c JOIN can ON can.coc_id = c.id",
        )
        == 2
    )
    assert (
        await _count(conn, "SELECT count(*) FROM continuum_of_care") == 2
    )  # reused, not duplicated
    # The victim service provider has users and a project but no client data.
    vsp = summary.vsp_agency_id
    assert await _count(conn, "SELECT count(*) FROM agency WHERE victim_service_provider") == 1
    for sql in (
        "SELECT count(*) FROM client WHERE created_by_agency_id = $1",
        "SELECT count(*) FROM consent_to_enter WHERE agency_id = $1",
        "SELECT count(*) FROM enrollment WHERE agency_id = $1",
        "SELECT count(*) FROM release_of_information WHERE releasing_agency_id = $1",
        "SELECT count(*) FROM release_recipient WHERE agency_id = $1",
        "SELECT count(*) FROM case_note WHERE agency_id = $1",
    ):
        assert await _count(conn, sql, vsp) == 0, sql
    assert await _count(conn, "SELECT count(*) FROM project WHERE agency_id = $1", vsp) == 1
    # Every client: consent from the creating agency, at least one enrollment, a head per stay.
    assert (
        await _count(
            conn,
            """SELECT count(*) FROM client c WHERE NOT EXISTS (SELECT 1 FROM consent_to_enter t
                                 WHERE t.client_id = c.id AND t.agency_id = c.created_by_agency_id)""",
        )
        == 0
    )
    assert (
        await _count(
            conn,
            "SELECT count(*) FROM client c WHERE NOT EXISTS (SELECT 1 FROM enrollment e WHERE e.client_id = c.id)",
        )
        == 0
    )
    # Nothing happens after the anchor (the data set's "now" is noon on the anchor date).
    for table, column in (
        ("client", "created_at"),
        ("enrollment", "created_at"),
        ("enrollment_exit", "created_at"),
        ("case_note", "deleted_at"),
        ("audit_event", "occurred_at"),
        ("service", "created_at"),
        ("release_of_information", "revoked_at"),
        ("case_note_deletion_request", "decided_at"),
    ):
        latest = await conn.fetchval(f"SELECT max({column}) FROM {table}")  # noqa: S608
        assert latest is None or latest < START.replace(hour=12), table
    # A client's last activity is its latest change (the audit trail's newest non-VIEW row).
    assert (
        await _count(
            conn,
            """SELECT count(*) FROM client c WHERE c.last_activity_at IS DISTINCT FROM
        (SELECT max(occurred_at) FROM audit_event a WHERE a.client_id = c.id AND a.action <> 'VIEW')""",
        )
        == 0
    )
    # Releases in every state: in force, expired, revoked, and Part 2 (SUBSTANCE_USE) in force.
    states = {
        "in force": "revoked_at IS NULL AND starts_on <= $1::date AND expires_on >= $1::date",
        "expired": "revoked_at IS NULL AND expires_on < $1",
        "revoked": "revoked_at IS NOT NULL",
        "part 2": "revoked_at IS NULL AND expires_on >= $1 AND categories ? 'SUBSTANCE_USE'",
    }
    for state, where in states.items():
        assert (
            await _count(
                conn,
                f"SELECT count(*) FROM release_of_information WHERE {where} AND $1::date IS NOT NULL",  # noqa: S608
                ANCHOR,
            )
            > 0
        ), state
    assert {
        r["scope"] for r in await conn.fetch("SELECT DISTINCT scope FROM release_of_information")
    } == {"AGENCIES", "CAN", "STATEWIDE"}
    # Project types of the recipe, exits, household sizes above one, ES-NbN bed nights.
    types = {
        r["project_type"] for r in await conn.fetch("SELECT DISTINCT project_type FROM project")
    }
    assert types == {0, 1, 2, 3, 4, 6, 11, 12, 13, 14}
    assert (
        await _count(
            conn,
            "SELECT count(*) FROM (SELECT household_id FROM enrollment GROUP BY 1 HAVING count(*) > 1) h",
        )
        > 0
    )
    assert await _count(conn, "SELECT count(*) FROM service WHERE record_type = 200") > 0
    assert (
        await _count(
            conn,
            "SELECT count(*) FROM enrollment_exit x JOIN enrollment e ON e.id = x.enrollment_id WHERE x.exit_date < e.entry_date",
        )
        == 0
    )
    # Well-known users exist with the roles they are named for.
    assert set(summary.users) >= {
        "case_manager",
        "case_manager_other_can",
        "hdc",
        "asc",
        "view_only",
        "reporting_only",
        "can_backbone",
        "lead_agency",
        "system_admin",
        "security_officer",
        "dsb_member",
        "vsp_hdc",
    }
    assert (
        await _count(
            conn,
            "SELECT count(*) FROM user_duty WHERE user_id = $1 AND duty = 'HMIS_DATA_COORDINATOR'",
            summary.users["hdc"].user_id,
        )
        == 1
    )
    assert (
        await _count(
            conn,
            "SELECT count(*) FROM can_staff WHERE user_id = $1",
            summary.users["can_backbone"].user_id,
        )
        == 1
    )


_DEFECT_SQL = {
    "name_dq_partial": "SELECT count(*) FROM client WHERE name_data_quality = 2",
    "name_dq_dk_refused": "SELECT count(*) FROM client WHERE name_data_quality IN (8, 9) AND first_name IS NULL",
    "name_dq_missing": "SELECT count(*) FROM client WHERE name_data_quality = 99 AND first_name IS NULL",
    "ssn_dq_dk_refused": "SELECT count(*) FROM client WHERE ssn_data_quality IN (8, 9) AND ssn IS NULL",
    "ssn_dq_missing": "SELECT count(*) FROM client WHERE ssn_data_quality = 99 AND ssn IS NULL",
    # sealed: the SSNs are opened and checked in Python (_invalid_ssns)
    "ssn_invalid": "SELECT ssn FROM client WHERE ssn_data_quality = 1 AND ssn IS NOT NULL",
    "dob_bad": """SELECT count(*) FROM client c WHERE c.dob < '1915-01-01'
                  OR c.dob > (SELECT min(entry_date) FROM enrollment e WHERE e.client_id = c.id)""",
    "child_veteran": """SELECT count(*) FROM client c WHERE veteran_status = 1
                        AND age((SELECT min(entry_date) FROM enrollment e WHERE e.client_id = c.id), dob) < interval '18 years'""",
    "special_characters": "SELECT count(*) FROM client WHERE first_name ~ '[^A-Za-z]'",
    "household_hoh": """SELECT count(*) FROM (SELECT household_id FROM enrollment GROUP BY 1
                        HAVING count(*) FILTER (WHERE relationship_to_hoh = 1) <> 1) h""",
    "overlapping_enrollment": """SELECT count(DISTINCT a.client_id) FROM enrollment a JOIN enrollment b
                        ON b.client_id = a.client_id AND b.project_id = a.project_id AND b.id <> a.id
                       LEFT JOIN enrollment_exit x ON x.enrollment_id = a.id
                       WHERE b.entry_date >= a.entry_date AND b.entry_date < coalesce(x.exit_date, 'infinity'::date)
                         AND (b.entry_date > a.entry_date OR b.id > a.id)""",
    "null_enrollment_coc": "SELECT count(*) FROM enrollment WHERE relationship_to_hoh = 1 AND enrollment_coc IS NULL",
    "disabling_condition_mismatch": """SELECT count(*) FROM enrollment e WHERE disabling_condition = 0 AND EXISTS
                        (SELECT 1 FROM disability d WHERE d.enrollment_id = e.id AND d.data_collection_stage = 1
                          AND d.indefinite_and_impairs = 1)""",
    "income_any_no_sources": """SELECT count(*) FROM income_benefits WHERE data_collection_stage = 1
                        AND income_from_any_source = 1 AND 1 NOT IN (earned, unemployment, ssi, ssdi,
                          va_disability_service, va_disability_non_service, private_disability,
                          workers_comp, tanf, ga, soc_sec_retirement, pension, child_support,
                          alimony, other_income_source)""",
    "missing_entry_income": """SELECT count(*) FROM enrollment e
                        WHERE EXISTS (SELECT 1 FROM disability d WHERE d.enrollment_id = e.id AND d.data_collection_stage = 1)
                          AND NOT EXISTS (SELECT 1 FROM income_benefits i WHERE i.enrollment_id = e.id AND i.data_collection_stage = 1)""",
    "destination_missing": "SELECT count(*) FROM enrollment_exit WHERE destination IN (30, 99)",
    "missing_times_months_homeless": """SELECT count(*) FROM enrollment e WHERE times_homeless_past_three_years IS NULL
                        AND months_homeless_past_three_years IS NULL
                        AND EXISTS (SELECT 1 FROM disability d WHERE d.enrollment_id = e.id AND d.data_collection_stage = 1)""",
}


async def _invalid_ssns(conn: asyncpg.Connection, sql: str) -> int:
    field = Client._meta.fields_map["ssn"]
    ssns = [field.to_python_value(r["ssn"]) for r in await conn.fetch(sql)]
    return sum(s.startswith(("000", "666", "9")) or s in ("123456789", "111111111") for s in ssns)


async def test_defects_are_injected_at_the_documented_rates(conn: asyncpg.Connection) -> None:
    n = 600
    summary = await _seed(conn, clients=n, seed=3)
    assert set(_DEFECT_SQL) == set(DEFECT_RATES)
    for defect, sql in _DEFECT_SQL.items():
        found = await (_invalid_ssns if defect == "ssn_invalid" else _count)(conn, sql)
        # What a DQ query finds is exactly what was injected ...
        assert found == summary.defects[defect], defect
        population = summary.populations[defect]
        rate = DEFECT_RATES[defect]
        if defect in (*CLIENT_DEFECTS, "household_hoh"):
            # ... client- and household-level defects hit exactly round(rate * population) ...
            assert found == round(rate * population), defect
        else:
            # ... row-level ones are within four standard deviations of the documented rate.
            tolerance = 4 * math.sqrt(rate * (1 - rate) / population) + 1 / population
            assert abs(found / population - rate) <= tolerance, (defect, found, population)
    # Defects are implausible values the API would still store (a DOB from 1900 to today).
    assert (
        await _count(
            conn, "SELECT count(*) FROM client WHERE dob < '1900-01-01' OR dob > $1", ANCHOR
        )
        == 0
    )


async def _restore_reference(
    conn: asyncpg.Connection, saved: dict[str, list[asyncpg.Record]]
) -> None:
    """Empty every table and put the reference rows back with their ids (like the test harness,
    which would otherwise give the CoCs and courses new random ids)."""
    tables = [
        r["tablename"]
        for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
        )
    ]
    await conn.execute(truncation(tables))
    for table, rows in saved.items():
        if not rows:
            continue
        await conn.copy_records_to_table(
            table, records=[tuple(r.values()) for r in rows], columns=list(rows[0].keys())
        )


async def _checksum(conn: asyncpg.Connection) -> dict[str, str]:
    tables = [
        r["tablename"]
        for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations' ORDER BY 1"
        )
    ]
    # A sealed SSN differs on every sealing (a fresh nonce): its lookup hash stands for it.
    row = {t: "(to_jsonb(t) - 'ssn')" if t == "client" else "t" for t in tables}
    return {
        t: await conn.fetchval(
            f"SELECT md5(coalesce(string_agg(md5({row[t]}::text), '' ORDER BY md5({row[t]}::text)), '')) FROM {t} t"  # noqa: S608
        )
        for t in tables
    }


async def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(
    conn: asyncpg.Connection,
) -> None:
    saved = {
        t: list(await conn.fetch(f"SELECT * FROM {t}"))  # noqa: S608
        for t in (
            "continuum_of_care",
            "training_course",
            "end_user_agreement",
            "certification_item",
            # the key probes the app recorded at start-up (not seeded data: kept as they were)
            "sealing_key",
        )
    }
    first = await _seed(conn, clients=150, seed=21)
    once = await _checksum(conn)
    await _restore_reference(conn, saved)
    second = await _seed(conn, clients=150, seed=21)
    assert await _checksum(conn) == once  # every table, ids, hashes and audit chain included
    assert first.users == second.users
    assert first.counts == second.counts
    await _restore_reference(conn, saved)
    await _seed(conn, clients=150, seed=22)
    other = await _checksum(conn)
    assert other["client"] != once["client"]
    assert other["enrollment"] != once["enrollment"]
    assert other["continuum_of_care"] == once["continuum_of_care"]


async def test_seeded_ssns_are_sealed_with_their_last_four_and_hash_beside_them(
    conn: asyncpg.Connection,
) -> None:
    await _seed(conn, clients=60)
    field = Client._meta.fields_map["ssn"]
    copied = bytearray()

    async def append(chunk: bytes) -> None:
        copied.extend(chunk)

    await conn.copy_from_table("client", output=append)
    rows = await conn.fetch("SELECT ssn, ssn_last_four, ssn_hash FROM client WHERE ssn IS NOT NULL")
    assert len(rows) > 40
    for row in rows:
        ssn = field.to_python_value(row["ssn"])
        assert ssn.encode() not in row["ssn"]
        assert ssn.encode() not in copied
        assert ssn.encode().hex().encode() not in copied
        assert ssn[-4:] == row["ssn_last_four"]
        assert row["ssn_hash"] == ssn_columns(ssn)["ssn_hash"]


async def test_the_audit_chain_verifies_after_seeding(conn: asyncpg.Connection) -> None:
    summary = await _seed(conn, clients=120)
    await seal()
    checked, broken, _ = await verify_chain()
    assert broken is None
    assert checked == summary.counts["audit_event"] > 120 * 3
    actions = {r["action"] for r in await conn.fetch("SELECT DISTINCT action FROM audit_event")}
    assert {"CREATE", "UPDATE", "VIEW"} <= actions


async def _sign_in(api: Api, user: SeedUser) -> str:
    challenge = (await api.ok(LOGIN, {"u": user.username, "p": user.password}))["login"]
    assert challenge["enrollmentRequired"] is False
    code = pyotp.TOTP(user.totp_secret).at(api.clock.now())
    token = (await api.ok(VERIFY, {"t": challenge["challengeToken"], "c": code}))["verifyMfa"][
        "accessToken"
    ]
    api.clock.advance(timedelta(seconds=30))
    return token


async def test_generated_users_sign_in_and_see_clients_through_consent(
    conn: asyncpg.Connection, api: Api
) -> None:
    summary = await _seed(conn, clients=250, seed=5)
    big = summary.agencies["a01"]
    other = summary.users["case_manager_other_can"]
    # A client held only by the big agency, with no release in force covering the other agency.
    hidden = await conn.fetchval(
        """SELECT c.id FROM client c WHERE c.created_by_agency_id = $1
             AND NOT EXISTS (SELECT 1 FROM consent_to_enter t WHERE t.client_id = c.id AND t.agency_id <> $1)
             AND NOT EXISTS (SELECT 1 FROM release_of_information r WHERE r.client_id = c.id)
           ORDER BY c.id LIMIT 1""",
        big,
    )
    shared = await conn.fetchval(
        """SELECT c.id FROM client c JOIN release_of_information r ON r.client_id = c.id
            WHERE c.created_by_agency_id = $1 AND r.scope = 'STATEWIDE' AND r.revoked_at IS NULL
              AND r.starts_on <= $2 AND r.expires_on >= $2 AND r.categories ? 'IDENTIFYING'
              AND NOT EXISTS (SELECT 1 FROM consent_to_enter t WHERE t.client_id = c.id AND t.agency_id = $3)
            ORDER BY c.id LIMIT 1""",
        big,
        ANCHOR,
        other.agency_id,
    )
    assert hidden
    assert shared
    manager = await _sign_in(api, summary.users["case_manager"])
    seen = (await api.ok(CLIENT, {"id": str(hidden)}, manager))["client"]
    assert seen["id"] == str(hidden)
    assert seen["firstName"] == await conn.fetchval(
        "SELECT first_name FROM client WHERE id = $1", hidden
    )
    outsider = await _sign_in(api, other)
    assert (await api.error(CLIENT, {"id": str(hidden)}, outsider))["code"] == "NOT_FOUND"
    assert (await api.ok(CLIENT, {"id": str(shared)}, outsider))["client"]["id"] == str(shared)
    # CAN backbone staff see the clients created under their CAN; the VSP's HDC sees none of them.
    backbone = await _sign_in(api, summary.users["can_backbone"])
    assert (await api.ok(CLIENT, {"id": str(hidden)}, backbone))["client"]["id"] == str(hidden)
    vsp = await _sign_in(api, summary.users["vsp_hdc"])
    assert (await api.error(CLIENT, {"id": str(hidden)}, vsp))["code"] == "NOT_FOUND"


async def test_a_database_with_data_is_refused_unless_appending(conn: asyncpg.Connection) -> None:
    await _seed(conn, clients=40, seed=1)
    with pytest.raises(Conflict):
        await _seed(conn, clients=40, seed=2)
    appended = await _seed(conn, clients=40, seed=2, append=True)
    assert appended.users["case_manager"].username == "a01.cm1-s2"
    assert await _count(conn, "SELECT count(*) FROM client") == 80
    with pytest.raises(Conflict):
        await _seed(conn, clients=40, seed=2, append=True)
    with pytest.raises(Conflict) as refused:  # the first data set's seed, appended: its ids again
        await _seed(conn, clients=40, seed=1, append=True)
    assert refused.value.field == "seed"
    assert await _count(conn, "SELECT count(*) FROM client") == 80
    await seal()
    checked, broken, _ = await verify_chain()
    assert broken is None
    assert checked == await _count(conn, "SELECT count(*) FROM audit_event")


async def _cli(runner: CliRunner, *args: str) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(enforcer, "_current", None)
        result = await asyncio.to_thread(runner.invoke, cli, ["seed", *args])
    return result.exit_code, result.output


async def test_the_seed_command_prints_sign_in_details_and_refuses_to_seed_twice(
    conn: asyncpg.Connection, runner: CliRunner
) -> None:
    code, out = await _cli(runner, "--clients", "30", "--seed", "4", "--anchor", ANCHOR.isoformat())
    assert code == 0, out
    assert "hearth-seed-4-" in out
    assert "a01.cm1" in out
    # output that is not a terminal gets the result alone: no bar, no control characters
    assert "30/30" not in out
    assert "\x1b" not in out
    secret = await conn.fetchval("SELECT totp_secret FROM hearth_user WHERE username = 'a01.cm1'")
    assert secret in out
    assert await _count(conn, "SELECT count(*) FROM client") == 30
    code, out = await _cli(runner, "--clients", "30", "--seed", "5")
    assert code == 2
    assert "CONFLICT" in out
    code, out = await _cli(runner, "--demo")  # make serve: only on a database without data
    assert code == 0
    assert "nothing added" in out
    assert await _count(conn, "SELECT count(*) FROM client") == 30
    code, out = await _cli(runner, "--clients", "10", "--anchor", "not-a-date")
    assert code == 2


async def test_demo_data_fills_an_empty_database(
    conn: asyncpg.Connection, runner: CliRunner
) -> None:
    code, out = await _cli(runner, "--demo", "--anchor", date(2026, 3, 2).isoformat())
    assert code == 0, out
    assert await _count(conn, "SELECT count(*) FROM client") == 200
    assert "sysadmin" in out
