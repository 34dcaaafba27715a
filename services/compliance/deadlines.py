"""The deadlines: enforcement on the due date, and the view of the cases a caller may see."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from authz.enforcer import Decisions, notify_change
from authz.resources import Action, Resource
from models.compliance import CaseKind, CaseStatus, ComplianceCase
from models.enums import DeactivationReason, UserStatus
from models.users import Membership
from services import governance_log
from services.compliance.cases import SweepCounts, _close, _findings_of
from services.compliance.contacts import _resolve_unshared
from services.compliance.notices import _case_notices
from services.compliance.retraining import _local_date, _resolve_trained
from services.compliance.rules import _POLICY
from services.errors import Forbidden
from services.notifications import Notice, queue
from services.users import deactivate_account

__all__ = ["cases_visible_to", "enforce_deadlines"]


async def enforce_deadlines(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """Close cases whose user complied; on and after the due date, deactivate (109, 202) or
    make inactive (211) the accounts of those who did not, ending their sessions; remind of and
    escalate overdue DSA extract destructions (405)."""
    counts = SweepCounts()
    today = _local_date(now, tz)
    async with in_transaction():
        await _resolve_unshared(now=now, counts=counts)
        await _resolve_trained(now=now, tz=tz, counts=counts)
        # an agency's case has no account to act on: it stays open until the agency complies
        due = await ComplianceCase.filter(
            status=CaseStatus.OPEN, due_on__lte=today, user_id__isnull=False
        ).select_related("user")
        notices: list[Notice] = []
        for case in due:
            user = case.user
            if user is None:  # (filtered out above)
                continue
            kind = CaseKind(case.kind)
            findings = await _findings_of(case)
            reason = (
                f"Policy {_POLICY[kind]}: "
                + (
                    "shared e-mail address or MFA contact not replaced"
                    if kind == CaseKind.SHARED_CONTACT
                    else "retraining not completed"
                )
                + f" by {case.due_on.isoformat()} (case {case.id})"
            )
            if user.status == UserStatus.ACTIVE:
                code = (
                    DeactivationReason.SHARED_CONTACT
                    if kind == CaseKind.SHARED_CONTACT
                    else DeactivationReason.TRAINING_OVERDUE
                )
                before = await deactivate_account(user, reason, now, code)
                await user.save()
                await governance_log.record(
                    None,
                    "user.deactivate",
                    entity_type="User",
                    entity_id=user.id,
                    now=now,
                    before=before,
                    after={"status": UserStatus.INACTIVE, "deactivationCode": code},
                    reason=reason,
                )
            await _close(case, CaseStatus.ENFORCED, reason, now)
            counts.enforced += 1
            notices += await _case_notices(case, user, "enforced", findings)
        counts.messages += await queue(notices, now=now)
    # policy 405: a DSA extract's destruction (no account to act on: reminders, then the
    # requestor and the Lead Agency told every 30 days while overdue)
    from services.data_releases.destruction import sweep as sweep_destruction

    destruction = await sweep_destruction(now=now, tz=tz)
    counts.messages += destruction.messages
    if counts.enforced:
        await notify_change()
    return counts


def cases_visible_to(
    decisions: Decisions,
    *,
    status: CaseStatus | None,
    agency_id: UUID | None,
    kind: CaseKind | None,
) -> QuerySet[ComplianceCase]:
    """System Administrator and Security Officer: every case; an HDC: cases of users of the
    agencies they coordinate. Asking for another agency is FORBIDDEN."""
    cases = ComplianceCase.all()
    if not decisions.system_wide(Resource.COMPLIANCE_CASE, Action.READ):
        mine = decisions.agencies(Resource.COMPLIANCE_CASE, Action.READ)
        if not mine or (agency_id is not None and agency_id not in mine):
            raise Forbidden("You may see the compliance cases of your own agency's users only.")
        scope = [agency_id] if agency_id is not None else list(mine)
        cases = cases.filter(
            Q(user_id__in=Subquery(Membership.filter(agency_id__in=scope).values("user_id")))
            | Q(agency_id__in=scope)
        )
    elif agency_id is not None:
        cases = cases.filter(
            Q(user_id__in=Subquery(Membership.filter(agency_id=agency_id).values("user_id")))
            | Q(agency_id=agency_id)
        )
    if status is not None:
        cases = cases.filter(status=status)
    if kind is not None:
        cases = cases.filter(kind=kind)
    return cases
