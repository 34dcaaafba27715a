"""LMS training courses and completions (policy 110)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.users import User

__all__ = ["TrainingCompletion", "TrainingCourse"]


class TrainingCourse(Model):
    """A mandatory LMS course; ``required_for`` lists access levels and duties that need it."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    code = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=200)
    required_for: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_course"


class TrainingCompletion(Model):
    """A user's completion of a course, as the LMS reports it."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "hearth.User", related_name="training", on_delete=fields.CASCADE
    )
    user_id: uuid.UUID
    course: fields.ForeignKeyRelation[TrainingCourse] = fields.ForeignKeyField(
        "hearth.TrainingCourse", related_name="completions", on_delete=fields.RESTRICT
    )
    course_id: uuid.UUID
    completed_on = fields.DateField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "training_completion"
        unique_together = (("user", "course"),)
