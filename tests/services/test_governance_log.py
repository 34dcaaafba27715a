"""The governance log: administrative writes kept append-only, read newest first by the Security
Officer and the System Administrator, filtered and paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError, OperationalError

from authz.principal import Principal
from models.enums import AccessLevel, SystemRole, UserStatus
from models.governance_log import GovernanceEvent
from services import governance_log
from tests.authz.client_world import NOW
from tests.factories import Api, make_agency, make_user

pytestmark = pytest.mark.usefixtures("app")

LOG = """query($filter: GovernanceLogFilter, $first: Int!, $after: String) {
  governanceLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { seq at actorId actorKind agencyId action entityType entityId before after reason }
  }
}"""


async def _three_writes() -> tuple[Principal, list[GovernanceEvent]]:
    agency = await make_agency("Agency A")
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    actor = Principal(user_id=admin.id, username=admin.username)
    rows = [
        await governance_log.record(
            actor,
            "user.deactivate",
            entity_type="User",
            entity_id=admin.id,
            now=NOW,
            agency_id=agency.id,
            before={"status": UserStatus.ACTIVE},
            after={"status": UserStatus.INACTIVE},
            reason="Left the agency.",
        ),
        await governance_log.record(
            None,
            "access.expire",
            entity_type="Membership",
            entity_id="m-1",
            now=NOW + timedelta(minutes=1),
            before={"level": AccessLevel.FULL},
        ),
        await governance_log.record(
            actor,
            "mou.record",
            entity_type="Agency",
            entity_id=agency.id,
            now=NOW + timedelta(minutes=2),
            agency_id=agency.id,
            after={"signedOn": NOW.date()},
        ),
    ]
    return actor, rows


@pytest.mark.parametrize("role", [SystemRole.SECURITY_OFFICER, SystemRole.SYSTEM_ADMINISTRATOR])
async def test_the_log_is_read_newest_first_filtered_and_paged(api: Api, role: SystemRole) -> None:
    # given three administrative writes, one by Hearth itself
    actor, _ = await _three_writes()
    token = await api.sign_in(await make_user(roles=(role,)))
    # when the officer reads the log two at a time
    first = (await api.ok(LOG, {"first": 2}, token))["governanceLog"]
    # then the newest come first, with who, what, before, after and why
    assert [n["action"] for n in first["nodes"]] == ["mou.record", "access.expire"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    system = first["nodes"][1]
    assert (system["actorId"], system["actorKind"]) == (None, "system")
    assert system["before"] == {"level": "FULL"}
    rest = (await api.ok(LOG, {"first": 2, "after": first["pageInfo"]["endCursor"]}, token))[
        "governanceLog"
    ]
    oldest = rest["nodes"][0]
    assert [n["action"] for n in rest["nodes"]] == ["user.deactivate"]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert oldest["before"] == {"status": "ACTIVE"}
    assert oldest["after"] == {"status": "INACTIVE"}
    assert oldest["reason"] == "Left the agency."
    assert oldest["actorId"] == str(actor.user_id)
    # and a filter keeps only the matching rows
    by_type = (await api.ok(LOG, {"first": 10, "filter": {"entityType": "Agency"}}, token))[
        "governanceLog"
    ]
    assert [n["action"] for n in by_type["nodes"]] == ["mou.record"]
    by_actor = (await api.ok(LOG, {"first": 10, "filter": {"actorId": str(actor.user_id)}}, token))[
        "governanceLog"
    ]
    assert by_actor["totalCount"] == 2


async def test_others_may_not_read_it_and_bad_filters_are_typed(api: Api) -> None:
    agency = await make_agency("Agency A")
    hdc_like = await make_user(agencies={agency: AccessLevel.FULL})
    token = await api.sign_in(hdc_like)
    assert (await api.error(LOG, {"first": 5}, token))["code"] == "FORBIDDEN"
    officer = await api.sign_in(await make_user(roles=(SystemRole.SECURITY_OFFICER,)))
    bad_id = await api.error(LOG, {"first": 5, "filter": {"actorId": "nope"}}, officer)
    assert (bad_id["code"], bad_id["field"]) == ("VALIDATION", "filter.actorId")
    too_long = await api.error(LOG, {"first": 5, "filter": {"action": "x" * 65}}, officer)
    assert (too_long["code"], too_long["field"]) == ("VALIDATION", "filter.action")
    bad_cursor = await api.error(LOG, {"first": 5, "after": "junk"}, officer)
    assert (bad_cursor["code"], bad_cursor["field"]) == ("VALIDATION", "after")
    too_many = await api.error(LOG, {"first": 101}, officer)
    assert (too_many["code"], too_many["field"]) == ("VALIDATION", "first")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE governance_event SET reason = 'nothing happened'",
        "DELETE FROM governance_event",
        "TRUNCATE governance_event",
    ],
)
async def test_the_log_is_append_only(statement: str) -> None:
    await _three_writes()
    conn = get_connection("default")
    # as the app's role (no privilege) and as the owner (the triggers)
    with pytest.raises((IntegrityError, OperationalError), match=r"append-only|permission denied"):
        await conn.execute_script(statement)
    with pytest.raises((IntegrityError, OperationalError), match="append-only"):
        await conn.execute_script(f"BEGIN; SET LOCAL ROLE NONE; {statement}; COMMIT")
    assert await GovernanceEvent.all().count() == 3
