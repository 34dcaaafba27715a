"""Every participating agency names one HMIS Data Coordinator and one Agency Security Coordinator
(policies 106, 107, 108, 210): the sweep opens a case for an agency that lacks either (and tells
the System Administrators and the Security Officers), adds what goes missing later, and closes
the case once both are named. Nothing is enforced against the agency's users."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.compliance import CaseKind, CaseRule, CaseStatus, ComplianceCase, ComplianceFinding
from models.enums import AgencyStatus, Duty, SystemRole, UserStatus
from models.governance import Agency
from models.users import SystemRoleGrant, UserDuty
from services.compliance.cases import SweepCounts, _close
from services.compliance.rules import COORDINATOR_DAYS, describe_finding
from services.notifications import Notice, queue

__all__ = ["sweep_agency_coordinators"]

_RULES = {
    Duty.HMIS_DATA_COORDINATOR: CaseRule.NO_HDC,
    Duty.AGENCY_SECURITY_COORDINATOR: CaseRule.NO_SECURITY_COORDINATOR,
}


async def sweep_agency_coordinators(*, now: datetime, tz: ZoneInfo) -> SweepCounts:
    """Open, extend or close each participating agency's AGENCY_COORDINATORS case."""
    counts = SweepCounts()
    today = now.astimezone(tz).date()
    async with in_transaction():
        agencies = await Agency.filter(status=AgencyStatus.ACTIVE, mou_signed_on__isnull=False)
        held: dict[object, set[Duty]] = {}
        for row in await UserDuty.filter(agency_id__in=[a.id for a in agencies]).values(
            "agency_id", "duty"
        ):
            held.setdefault(row["agency_id"], set()).add(Duty(row["duty"]))
        open_cases = {
            c.agency_id: c
            for c in await ComplianceCase.filter(
                kind=CaseKind.AGENCY_COORDINATORS, status=CaseStatus.OPEN
            )
        }
        found = {
            (r["case_id"], CaseRule(r["rule"]))
            for r in await ComplianceFinding.filter(
                case_id__in=[c.id for c in open_cases.values()]
            ).values("case_id", "rule")
        }
        watchers = await SystemRoleGrant.filter(
            role__in=[SystemRole.SYSTEM_ADMINISTRATOR, SystemRole.SECURITY_OFFICER],
            user__status=UserStatus.ACTIVE,
        ).values_list("user_id", flat=True)
        notices: list[Notice] = []
        for agency in agencies:
            counts.users_checked += 1
            missing = [duty for duty in Duty if duty not in held.get(agency.id, set())]
            case = open_cases.get(agency.id)
            if not missing:
                if case is not None:
                    await _close(case, CaseStatus.RESOLVED, "Both coordinators are named.", now)
                    counts.resolved += 1
                continue
            if case is None:
                case = await ComplianceCase.create(
                    agency_id=agency.id,
                    kind=CaseKind.AGENCY_COORDINATORS,
                    opened_at=now,
                    due_on=today + timedelta(days=COORDINATOR_DAYS),
                )
                counts.opened += 1
            new = [_RULES[d] for d in missing if (case.id, _RULES[d]) not in found]
            evidence = {"agency": agency.name, "agencyId": str(agency.id)}
            for rule in new:
                await ComplianceFinding.create(
                    case_id=case.id,
                    rule=rule,
                    key=f"{agency.id}:{rule.value}",
                    evidence=evidence,
                    found_at=now,
                )
                counts.findings += 1
            if new:
                lines = "; ".join(describe_finding(rule, evidence) for rule in new)
                notices += [
                    Notice(
                        kind="compliance.agency_coordinators",
                        subject=f"{agency.name}: coordinators to name by {case.due_on:%Y-%m-%d}",
                        body=(
                            f"{lines}. Every participating agency names one HMIS Data "
                            "Coordinator and one Agency Security Coordinator (policies 106, 107, "
                            f"108, 210). Compliance case {case.id}."
                        ),
                        dedupe_key=f"agency-coordinators:{case.id}:{','.join(sorted(new))}:{w}",
                        recipient_id=w,  # type: ignore[arg-type]  # values_list(flat) yields ids
                        agency_id=agency.id,
                    )
                    for w in watchers
                ]
        counts.messages += await queue(notices, now=now)
    return counts
