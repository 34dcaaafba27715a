"""Shared set-up for the client-write tests: agencies, users, clients, and a row-count check that
a refused write left nothing behind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tortoise.connection import get_connection

from models.enums import AccessLevel
from models.governance import Agency, Project
from models.users import User
from tests.factories import Api, make_agency, make_user

__all__ = [
    "CLIENT_TABLES",
    "CREATE_CLIENT",
    "RECORD_RELEASE",
    "create_client",
    "expect_refused",
    "make_project",
    "release_to",
    "row_counts",
    "today",
    "two_agencies",
    "worker",
]

# Every table a client write may touch.
CLIENT_TABLES = (
    "client",
    "consent_to_enter",
    "release_of_information",
    "release_recipient",
    "enrollment",
    "enrollment_exit",
    "service",
    "income_benefits",
    "disability",
    "health_and_dv",
    "client_annotation",
    "case_note",
)

CREATE_CLIENT = """
mutation($input: CreateClientInput!) {
  createClient(input: $input) {
    id version firstName lastName ssn ssnLastFour ssnDataQuality
    access { canEdit holdsConsent }
    createdByAgency { id }
    consents { kind firstContactByPhone takenOn agency { id } }
  }
}"""
RECORD_RELEASE = """
mutation($input: RecordReleaseInput!) {
  recordRelease(input: $input) { id inForce categories scope expiresOn revokedAt }
}"""


async def row_counts() -> dict[str, int]:
    """Rows in every client table, in one statement."""
    # table names are the constants above, never input
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in CLIENT_TABLES)  # noqa: S608
    rows = await get_connection("default").execute_query_dict(sql)
    return {row["t"]: row["n"] for row in rows}


async def expect_refused(
    api: Api,
    document: str,
    variables: dict[str, Any],
    token: str,
    *,
    code: str,
    field: str | None = None,
) -> dict[str, Any]:
    """The write fails with this typed error (and field), and no client table changed."""
    before = await row_counts()
    error = await api.error(document, variables, token)
    assert error["code"] == code, (variables, error)
    if field is not None:
        assert error.get("field") == field, (variables, error)
    assert await row_counts() == before, ("a refused write left rows behind", variables)
    return error


def today(api: Api) -> date:
    """The date in Connecticut now (the frozen clock is mid-morning there)."""
    return api.clock.now().date()


async def worker(agencies: dict[Agency, AccessLevel]) -> User:
    return await make_user(agencies=agencies)


async def make_project(agency: Agency, name: str = "Shelter", **fields: Any) -> Project:
    values: dict[str, Any] = {
        "project_type": 0,
        "operating_start_date": date(2020, 1, 1),
        "coc_code": "CT-503",
        **fields,
    }
    return await Project.create(agency=agency, name=name, **values)


async def create_client(api: Api, token: str, **fields: Any) -> dict[str, Any]:
    """A client entered under written consent taken today."""
    values = {
        "firstName": "Rosa",
        "lastName": "Parks",
        "nameDataQuality": "FULL_NAME_REPORTED",
        **fields,
    }
    values.setdefault("consent", {"kind": "WRITTEN", "takenOn": str(today(api))})
    return (await api.ok(CREATE_CLIENT, {"input": values}, token))["createClient"]


async def release_to(
    api: Api,
    token: str,
    client_id: str,
    agency: Agency,
    categories: tuple[str, ...] = ("IDENTIFYING",),
) -> dict[str, Any]:
    """A release in force for 30 days sharing these categories with one agency."""
    return (
        await api.ok(
            RECORD_RELEASE,
            {
                "input": {
                    "clientId": client_id,
                    "scope": "AGENCIES",
                    "agencyIds": [str(agency.id)],
                    "categories": list(categories),
                    "startsOn": str(today(api)),
                    "expiresOn": str(today(api) + timedelta(days=30)),
                    "kind": "WRITTEN",
                }
            },
            token,
        )
    )["recordRelease"]


async def two_agencies() -> tuple[Agency, Agency]:
    return await make_agency("Agency A"), await make_agency("Agency B")
