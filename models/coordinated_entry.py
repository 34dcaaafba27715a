"""Coordinated entry and street contacts recorded within an enrollment: current living
situation (4.12), assessments with their questions and results (4.19), and events (4.20)
(HUD CurrentLivingSituation, Assessment, AssessmentQuestions, AssessmentResults and Event)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields

from models.enums import ReleaseCategory
from models.hud import codes
from models.hud.elements import coded, day, element, number, text
from models.provenance import Provenance

if TYPE_CHECKING:
    from models.enrollments import Enrollment

__all__ = [
    "Assessment",
    "AssessmentQuestion",
    "AssessmentResult",
    "CurrentLivingSituation",
    "Event",
]

_ID = ReleaseCategory.IDENTIFYING
_HEALTH = ReleaseCategory.HEALTH


def _enrollment(related: str) -> fields.ForeignKeyRelation[Enrollment]:
    return fields.ForeignKeyField(
        "hearth.Enrollment", related_name=related, on_delete=fields.RESTRICT
    )


class CurrentLivingSituation(Provenance):
    """Where the client is living at a contact (4.12)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = _enrollment("current_living_situations")
    enrollment_id: uuid.UUID
    information_date = element(
        fields.DateField(), "4.12", "InformationDate", "the date of the contact."
    )
    current_living_situation = element(
        fields.SmallIntField(), "4.12", "CurrentLivingSituation", codes=codes.hud_list("4.12")
    )
    cls_subsidy_type = coded("4.12", "CLSSubsidyType", "3.12.A", graphql_name="clsSubsidyType")
    verified_by = text("4.12", "VerifiedBy", 200)
    leave_situation14_days = coded(
        "4.12", "LeaveSituation14Days", "1.8", graphql_name="leaveSituation14Days"
    )
    subsequent_residence = coded("4.12", "SubsequentResidence", "1.8")
    resources_to_obtain = coded("4.12", "ResourcesToObtain", "1.8")
    lease_own60_day = coded("4.12", "LeaseOwn60Day", "1.8", graphql_name="leaseOwn60Day")
    moved_two_or_more = coded("4.12", "MovedTwoOrMore", "1.8")
    # where the client was met: it can find the person (decision 136)
    location_details = text("4.12", "LocationDetails", 250, category=_ID)

    class Meta:
        table = "current_living_situation"
        unique_together = (("enrollment", "source_system", "source_id"),)


class Assessment(Provenance):
    """A coordinated entry assessment (4.19)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = _enrollment("assessments")
    enrollment_id: uuid.UUID
    assessment_date = element(fields.DateField(), "4.19", "AssessmentDate")
    assessment_location = text("4.19", "AssessmentLocation", 250)
    assessment_type = coded("4.19", "AssessmentType", "4.19.3")
    assessment_level = coded("4.19", "AssessmentLevel", "4.19.4")
    prioritization_status = coded("4.19", "PrioritizationStatus", "4.19.7")

    class Meta:
        table = "assessment"
        unique_together = (("enrollment", "source_system", "source_id"),)


class AssessmentQuestion(Provenance):
    """One question of an assessment and the client's answer (HUD AssessmentQuestions)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    assessment: fields.ForeignKeyRelation[Assessment] = fields.ForeignKeyField(
        "hearth.Assessment", related_name="questions", on_delete=fields.RESTRICT
    )
    assessment_id: uuid.UUID
    # the assessment's enrollment, denormalised as HUD's file has it (row visibility uses it)
    enrollment: fields.ForeignKeyRelation[Enrollment] = _enrollment("assessment_questions")
    enrollment_id: uuid.UUID
    assessment_question_group = text("4.19", "AssessmentQuestionGroup", 250)
    assessment_question_order = number("4.19", "AssessmentQuestionOrder")
    assessment_question = element(fields.CharField(max_length=250), "4.19", "AssessmentQuestion")
    # an instrument's answers tell of health, disabilities, violence (decision 136)
    assessment_answer = text("4.19", "AssessmentAnswer", 250, category=_HEALTH)

    class Meta:
        table = "assessment_question"
        unique_together = (("enrollment", "source_system", "source_id"),)


class AssessmentResult(Provenance):
    """One result of an assessment (a score, a priority; HUD AssessmentResults)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    assessment: fields.ForeignKeyRelation[Assessment] = fields.ForeignKeyField(
        "hearth.Assessment", related_name="results", on_delete=fields.RESTRICT
    )
    assessment_id: uuid.UUID
    enrollment: fields.ForeignKeyRelation[Enrollment] = _enrollment("assessment_results")
    enrollment_id: uuid.UUID
    assessment_result_type = element(
        fields.CharField(max_length=250), "4.19", "AssessmentResultType"
    )
    assessment_result = text("4.19", "AssessmentResult", 250)

    class Meta:
        table = "assessment_result"
        unique_together = (("enrollment", "source_system", "source_id"),)


class Event(Provenance):
    """A coordinated entry event: a referral, a diversion, a placement (4.20)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    enrollment: fields.ForeignKeyRelation[Enrollment] = _enrollment("events")
    enrollment_id: uuid.UUID
    event_date = element(fields.DateField(), "4.20", "EventDate")
    event = element(fields.SmallIntField(), "4.20", "Event", codes=codes.hud_list("4.20.2"))
    prob_sol_div_rr_result = coded(
        "4.20", "ProbSolDivRRResult", "1.7", graphql_name="probSolDivRRResult"
    )
    referral_case_manage_after = coded("4.20", "ReferralCaseManageAfter", "1.7")
    location_crisis_or_ph_housing = text(
        "4.20",
        "LocationCrisisOrPHHousing",
        250,
        "the project or housing referred to.",
        graphql_name="locationCrisisOrPHHousing",
    )
    referral_result = coded("4.20", "ReferralResult", "4.20.D")
    result_date = day("4.20", "ResultDate")

    class Meta:
        table = "ce_event"
        unique_together = (("enrollment", "source_system", "source_id"),)
