"""SQL statements per request stay constant as pages grow: relations use DataLoaders (no N+1).

Every statement is counted on the wire with asyncpg's query logger, installed on each connection
the pool hands out while a request runs (and removed before the connection goes back).
"""

from __future__ import annotations

import pytest

from bench.statement_log import StatementLog, log_statements
from models.enums import AccessLevel, Duty, SystemRole
from models.governance import Agency, Can, ContinuumOfCare
from models.users import Membership, SystemRoleGrant, User, UserDuty
from tests.factories import Api, make_agency, make_user

USERS = """
query($first: Int!) {
  users(first: $first) {
    nodes { memberships { accessLevel agency { name } } duties { duty } systemRoles }
  }
}"""
AGENCIES = """
query($first: Int!) {
  agencies(first: $first) {
    nodes {
      continuumOfCare { code } coordinatedAccessNetwork { name } duties { duty user { username } }
    }
  }
}"""
SIZES = (1, 10, 50)


@pytest.fixture
async def statements(app: object, monkeypatch: pytest.MonkeyPatch) -> StatementLog:
    return log_statements(monkeypatch)


async def listed_user(n: int, agency: Agency, duty: Duty | None = None) -> User:
    """A user who is only listed, never signs in: rows only (no password hashing, no reload)."""
    user = await User.create(
        username=f"listed{n}", email=f"listed{n}@x.org", email_normalized=f"listed{n}@x.org"
    )
    await Membership.create(user=user, agency=agency, access_level=AccessLevel.FULL)
    if duty is not None:
        await UserDuty.create(user=user, agency=agency, duty=duty)
    await SystemRoleGrant.create(user=user, role=SystemRole.DSB_MEMBER)
    return user


async def _statement_counts(
    api: Api, statements: StatementLog, query: str, token: str
) -> dict[int, int]:
    counts = {}
    for first in SIZES:
        _, seen = await statements.during(api.ok(query, {"first": first}, token))
        counts[first] = len(seen)
    return counts


async def test_the_statement_log_sees_every_statement(api: Api, statements: StatementLog) -> None:
    # A query with no relations still costs the session with the principal, and the page.
    token = await api.sign_in(await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,)))

    _, seen = await statements.during(
        api.ok("query { users(first: 5) { totalCount nodes { username } } }", {}, token)
    )

    assert any("hearth_user" in sql for sql in seen)
    assert len(seen) >= 3


async def test_listing_users_with_their_holdings_costs_the_same_for_any_page_size(
    api: Api, statements: StatementLog
) -> None:
    # given 60 users, each with a membership, a duty and a system role, in five agencies
    agencies = [await make_agency(f"Agency {i}") for i in range(5)]
    for i in range(60):
        await listed_user(i, agencies[i % 5], Duty.AGENCY_SECURITY_COORDINATOR if i < 5 else None)
    admin = await make_user(roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    # the administrator is listed too, and may come first by id: a membership like everyone's, so
    # that a page of one always has an agency to load (a page without one sends one statement less)
    await Membership.create(user=admin, agency=agencies[0], access_level=AccessLevel.VIEW_ONLY)
    token = await api.sign_in(admin)

    # when the administrator lists 1, 10 and 50 users with memberships, agencies, duties, roles
    counts = await _statement_counts(api, statements, USERS, token)

    # then every page costs the same number of statements
    assert len(set(counts.values())) == 1, counts


async def test_listing_agencies_with_their_relations_costs_the_same_for_any_page_size(
    api: Api, statements: StatementLog
) -> None:
    # given 60 agencies, each in a CAN and with an HDC
    coc = await ContinuumOfCare.get(code="CT-503")
    cans = [await Can.create(name=f"CAN {i}", coc=coc) for i in range(4)]
    for i in range(60):
        agency = await make_agency(f"Agency {i:02}", can=cans[i % 4])
        await listed_user(i, agency, Duty.HMIS_DATA_COORDINATOR)
    token = await api.sign_in(await make_user(roles=(SystemRole.LEAD_AGENCY,)))

    # when Lead Agency staff list 1, 10 and 50 agencies with CoC, CAN and duty holders
    counts = await _statement_counts(api, statements, AGENCIES, token)

    # then every page costs the same number of statements
    assert len(set(counts.values())) == 1, counts


SYNC_USERS = """
mutation($input: [SyncUserInput!]!) {
  syncUsers(input: $input) { externalId created changedFields error { code } user { id } }
}"""


async def test_a_sync_batch_costs_the_same_for_any_batch_size(
    api: Api, statements: StatementLog
) -> None:
    # given the vendor
    vendor = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))

    def batch(size: int, tag: str, status: str = "ACTIVE") -> list[dict[str, str]]:
        return [
            {
                "externalId": f"v-{size}-{i}",
                "username": f"u{size}.{i}",
                "email": f"u{size}.{i}.{tag}@x.org",
                "mfaContact": f"m{size}.{i}@x.org",
                "status": status,
            }
            for i in range(size)
        ]

    async def count(items: list[dict[str, str]]) -> int:
        body, seen = await statements.during(api.ok(SYNC_USERS, {"input": items}, vendor))
        assert all(r["error"] is None for r in body["syncUsers"])
        return len(seen)

    # when it creates batches of 1, 10 and 100 users, then changes every one's address, then
    # deactivates them all (which ends their sessions too)
    created = {size: await count(batch(size, "a")) for size in (1, 10, 100)}
    changed = {size: await count(batch(size, "b")) for size in (1, 10, 100)}
    deactivated = {size: await count(batch(size, "b", "INACTIVE")) for size in (1, 10, 100)}

    # then each kind of batch costs the same number of statements whatever its size
    assert len(set(created.values())) == 1, created
    assert len(set(changed.values())) == 1, changed
    assert len(set(deactivated.values())) == 1, deactivated


async def test_a_mixed_sync_batch_sends_a_fixed_number_of_statements(
    api: Api, statements: StatementLog
) -> None:
    # given the vendor, and stored users for each batch to change, deactivate or leave alone
    vendor = await api.sign_in(await make_user(roles=(SystemRole.VENDOR_SYNC,)))
    sizes = (1, 6, 24)  # of each kind of item: batches of 5, 25 and 97 items

    def user(size: int, kind: str, i: int, **fields: str) -> dict[str, str]:
        return {
            "externalId": f"m-{size}-{kind}-{i}",
            "username": f"m{size}.{kind}.{i}",
            "email": f"m{size}.{kind}.{i}@x.org",
            **fields,
        }

    for size in sizes:
        stored = [user(size, kind, i) for kind in ("chg", "off", "same") for i in range(size)]
        body = await api.ok(SYNC_USERS, {"input": stored}, vendor)
        assert all(r["created"] for r in body["syncUsers"])

    async def count(size: int) -> tuple[int, list[str]]:
        items = [
            *(user(size, "new", i, mfaContact=f"m{size}.new.{i}@y.org") for i in range(size)),
            *(user(size, "chg", i, email=f"m{size}.chg.{i}@y.org") for i in range(size)),
            *(user(size, "off", i, status="INACTIVE") for i in range(size)),
            *(user(size, "same", i) for i in range(size)),
            {"externalId": f"m-{size}-bad", "username": "x", "email": "not an address"},
        ]
        body, seen = await statements.during(api.ok(SYNC_USERS, {"input": items}, vendor))
        outcomes = [(r["created"], r["changedFields"], r["error"]) for r in body["syncUsers"]]
        assert outcomes == [
            *[(True, [], None)] * size,
            *[(False, ["email"], None)] * size,
            *[(False, ["status"], None)] * size,
            *[(False, [], None)] * size,
            (False, [], {"code": "VALIDATION"}),
        ]
        return len(seen), [" ".join(sql.split()[:2]) for sql in seen]

    # when one batch of each size creates, changes, deactivates, leaves alone and refuses
    counts = {size: await count(size) for size in sizes}

    # then every batch sends the same statements, whatever its size: the caller's session, the
    # transaction with the locks, two reads and one write per table, then the permission reload
    # notice and the shared-contact check (13 in all when this test was written)
    assert counts[1] == counts[6] == counts[24], counts
    assert counts[1][0] <= 13, counts[1]
