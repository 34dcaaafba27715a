"""Policies 109 and 202: the shared-contact sweep opens a case per user due in 14 days, tells the
user and their HDC, closes by itself when the contact becomes unique, and on the due date
deactivates the accounts still sharing and ends their sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.compliance import CaseKind, CaseRule, CaseStatus, ComplianceCase, ComplianceFinding
from models.enums import AccessLevel, Duty, SystemRole, UserStatus
from models.outbox import OutboxMessage
from models.sessions import Session
from models.users import User
from services import compliance
from services.auth import AuthPolicy, create_session
from services.user_sync import UserData, sync_user
from tests.factories import make_agency, make_user
from tests.services.support import caller_of, decisions_for

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)  # the quarterly run


async def _world() -> dict:
    agency = await make_agency(
        "Harbor House",
        executive_director_name="Dana Director",
        executive_director_email="director@harbor.example.org",
    )
    hdc = await make_user("hdc", duties={agency: Duty.HMIS_DATA_COORDINATOR})
    return {"agency": agency, "hdc": hdc}


async def _pair(agency, *, a: dict, b: dict) -> tuple[User, User]:
    first = await make_user("ann", agencies={agency: AccessLevel.FULL}, **a)
    second = await make_user("bob", agencies={agency: AccessLevel.FULL}, **b)
    return first, second


def _email(value: str) -> dict:
    return {"email": value, "email_normalized": value.strip().casefold()}


async def _open_cases() -> dict[str, ComplianceCase]:
    cases = await ComplianceCase.filter(status=CaseStatus.OPEN).select_related("user")
    return {c.user.username: c for c in cases}


async def test_users_sharing_an_email_in_any_case_get_a_case_due_in_14_days(app: object) -> None:
    # given: A@x.org and a@X.org are one address
    w = await _world()
    await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@X.org"))
    # when
    counts = await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # then
    cases = await _open_cases()
    assert set(cases) == {"ann", "bob"}
    assert counts.opened == 2
    for case in cases.values():
        assert case.kind == CaseKind.SHARED_CONTACT
        assert case.due_on == date(2026, 4, 15)
    finding = await ComplianceFinding.get(case=cases["ann"])
    assert finding.rule == CaseRule.SHARED_EMAIL
    assert finding.evidence == {"field": "email", "sharedWith": ["bob"]}


async def test_phone_numbers_in_different_formats_are_one_mfa_contact(app: object) -> None:
    # given
    w = await _world()
    await _pair(
        w["agency"],
        a={"mfa_contact": "(860) 555-0100", "mfa_contact_normalized": "8605550100"},
        b={"mfa_contact": "860.555.0100", "mfa_contact_normalized": "legacy-value"},
    )
    # when
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # then: the sweep normalises the stored contact itself, whatever another system stored
    cases = await _open_cases()
    assert set(cases) == {"ann", "bob"}
    rules = await ComplianceFinding.all().values_list("rule", flat=True)
    assert set(rules) == {CaseRule.SHARED_MFA_CONTACT}


async def test_an_mfa_contact_that_is_another_users_email_is_shared(app: object) -> None:
    # given
    w = await _world()
    await _pair(
        w["agency"],
        a=_email("ann@x.org"),
        b={"mfa_contact": "ANN@x.org", "mfa_contact_normalized": "ann@x.org"},
    )
    # when
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # then
    assert set(await _open_cases()) == {"ann", "bob"}


async def test_unique_contacts_and_inactive_accounts_open_nothing(app: object) -> None:
    # given: distinct contacts, and a shared address whose other holder is inactive
    w = await _world()
    await make_user(
        "carl",
        agencies={w["agency"]: AccessLevel.FULL},
        mfa_contact="8605550101",
        mfa_contact_normalized="8605550101",
    )
    await make_user(
        "dina",
        agencies={w["agency"]: AccessLevel.FULL},
        mfa_contact="8605550102",
        mfa_contact_normalized="8605550102",
    )
    await make_user("erin", agencies={w["agency"]: AccessLevel.FULL}, **_email("team@x.org"))
    await make_user(
        "fred",
        agencies={w["agency"]: AccessLevel.FULL},
        status=UserStatus.INACTIVE,
        **_email("Team@x.org"),
    )
    # when
    counts = await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # then
    assert await ComplianceCase.all().count() == 0
    assert counts.opened == 0
    assert await OutboxMessage.all().count() == 0


async def test_the_user_and_their_hdc_are_told_with_the_policy_and_deadline(app: object) -> None:
    # given
    w = await _world()
    ann, _ = await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    # when
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # then: one message each to ann, bob, and the HDC about each of them; not the director
    messages = await OutboxMessage.all().order_by("subject")
    assert {(m.recipient_id, m.to_address) for m in messages} >= {
        (ann.id, None),
        (w["hdc"].id, None),
    }
    assert len(messages) == 4
    assert all(m.to_address is None for m in messages)
    to_ann = next(m for m in messages if m.recipient_id == ann.id)
    assert "April 15, 2026" in to_ann.subject
    assert "109" in to_ann.subject
    assert "deactivated" in to_ann.body
    assert "policy 109 and 202" in to_ann.body
    to_hdc = [m for m in messages if m.recipient_id == w["hdc"].id]
    assert {"ann" in m.body for m in to_hdc} == {True, False}


async def test_running_the_sweep_twice_opens_and_sends_nothing_more(app: object) -> None:
    # given
    w = await _world()
    await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    before = (
        await ComplianceCase.all().count(),
        await ComplianceFinding.all().count(),
        await OutboxMessage.all().count(),
    )
    # when: again the same day, and the next day
    again = await compliance.sweep_shared_contacts(now=NOW + timedelta(hours=1), tz=TZ)
    await compliance.sweep_shared_contacts(now=NOW + timedelta(days=1), tz=TZ)
    # then
    after = (
        await ComplianceCase.all().count(),
        await ComplianceFinding.all().count(),
        await OutboxMessage.all().count(),
    )
    assert after == before == (2, 2, 4)
    assert again.opened == 0
    assert again.messages == 0


async def test_a_case_closes_by_itself_when_the_vendor_gives_a_unique_address(app: object) -> None:
    # given
    w = await _world()
    admin = await make_user("root", roles=(SystemRole.SYSTEM_ADMINISTRATOR,))
    ann, bob = await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    await User.filter(id=bob.id).update(external_id="v-bob")
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # when: the vendor syncs bob with an address of his own
    await sync_user(
        caller=caller_of(await decisions_for(admin), now=NOW + timedelta(days=3)),
        data=UserData(external_id="v-bob", username="bob", email="bob@x.org"),
    )
    # then: both cases close (the address is no longer shared) and both are told
    cases = await ComplianceCase.all()
    assert {c.status for c in cases} == {CaseStatus.RESOLVED}
    assert await OutboxMessage.filter(
        kind="compliance.shared_contact.resolved", recipient_id=ann.id
    ).exists()


async def test_on_the_due_date_accounts_still_sharing_are_deactivated_and_signed_out(
    app: object,
) -> None:
    # given
    w = await _world()
    ann, bob = await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    await make_user("cleo", agencies={w["agency"]: AccessLevel.FULL}, **_email("cleo@x.org"))
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    session, _ = await create_session(user=ann, now=NOW, policy=AuthPolicy())
    # when: day 13 changes nothing
    early = await compliance.enforce_deadlines(now=NOW + timedelta(days=13), tz=TZ)
    assert early.enforced == 0
    assert (await User.get(id=ann.id)).status == UserStatus.ACTIVE
    # when: the due date
    counts = await compliance.enforce_deadlines(now=NOW + timedelta(days=14), tz=TZ)
    # then
    assert counts.enforced == 2
    for user in (ann, bob):
        fresh = await User.get(id=user.id)
        assert fresh.status == UserStatus.INACTIVE
        assert "Policy 109 and 202" in fresh.deactivation_reason
        assert "2026-04-15" in fresh.deactivation_reason
    assert (await User.get(username="cleo")).status == UserStatus.ACTIVE
    assert (await Session.get(id=session.id)).revoked_at is not None
    assert {c.status for c in await ComplianceCase.all()} == {CaseStatus.ENFORCED}
    enforced = await OutboxMessage.filter(kind="compliance.shared_contact.enforced")
    assert {m.recipient_id for m in enforced} == {ann.id, bob.id, w["hdc"].id}
    # and a second run the same day does nothing more
    assert (
        await compliance.enforce_deadlines(now=NOW + timedelta(days=14, hours=2), tz=TZ)
    ).enforced == 0


async def test_a_contact_made_unique_before_the_due_date_spares_the_account(app: object) -> None:
    # given
    w = await _world()
    ann, bob = await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    # when: bob's address changes by another path (no sync hook); the deadlines job rechecks
    await User.filter(id=bob.id).update(email="bob@x.org", email_normalized="bob@x.org")
    counts = await compliance.enforce_deadlines(now=NOW + timedelta(days=14), tz=TZ)
    # then
    assert counts.enforced == 0
    assert counts.resolved == 2
    assert {u.status for u in await User.filter(id__in=[ann.id, bob.id])} == {UserStatus.ACTIVE}


async def test_sharing_again_after_a_resolved_case_opens_a_new_case(app: object) -> None:
    # given: a resolved case
    w = await _world()
    _ann, bob = await _pair(w["agency"], a=_email("A@x.org"), b=_email("a@x.org"))
    await compliance.sweep_shared_contacts(now=NOW, tz=TZ)
    await User.filter(id=bob.id).update(email="bob@x.org", email_normalized="bob@x.org")
    await compliance.sweep_shared_contacts(now=NOW + timedelta(days=2), tz=TZ)
    assert await ComplianceCase.filter(status=CaseStatus.OPEN).count() == 0
    # when: next quarter they share again
    await User.filter(id=bob.id).update(email="A@X.ORG", email_normalized="a@x.org")
    await compliance.sweep_shared_contacts(now=NOW + timedelta(days=91), tz=TZ)
    # then
    assert await ComplianceCase.filter(status=CaseStatus.OPEN).count() == 2
    assert await ComplianceCase.all().count() == 4
