"""The Licensed End User Agreement (policy 401): its versions, and each user's signature, which
Hearth requires before any use, like the training (policy 110) that comes first.

The latest published version is the one in force. A user signs it in Hearth
(``signEndUserAgreement``) or in the LMS, whose feed records it; until then every operation but
the session's own answers FORBIDDEN naming the version (schema.permissions.Requires).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from authz.enforcer import notify_change
from authz.resources import Action, Resource
from models.governance_rules import AgreementSignature, EndUserAgreement
from services import governance_log
from services.caller import Caller
from services.errors import Conflict, Forbidden, ValidationFailed
from services.users import get_user
from services.values import check_text, max_length

__all__ = [
    "current_agreement",
    "publish_agreement",
    "record_signature",
    "sign_agreement",
    "signature_of",
]


async def current_agreement() -> EndUserAgreement | None:
    """The version in force: the latest published."""
    return await EndUserAgreement.all().order_by("-published_at", "-version").first()


async def signature_of(user_id: UUID, agreement: EndUserAgreement) -> AgreementSignature | None:
    return await AgreementSignature.get_or_none(user_id=user_id, agreement_id=agreement.id)


def _text(value: str, column: str, field: str) -> str:
    value = check_text(value, field).strip()
    limit = max_length(EndUserAgreement, column)
    if not 1 <= len(value) <= limit:
        raise ValidationFailed(f"{field} must be 1 to {limit} characters.", field=field)
    return value


async def _version(value: str) -> EndUserAgreement:
    version = _text(value, "version", "version")
    agreement = await EndUserAgreement.get_or_none(version=version)
    if agreement is None:
        raise ValidationFailed("No such version of the End User Agreement.", field="version")
    return agreement


async def publish_agreement(*, caller: Caller, version: str, title: str) -> EndUserAgreement:
    """A new version, in force at once: every user signs it before their next operation."""
    if not caller.decisions.system_wide(Resource.TRAINING, Action.MANAGE):
        raise Forbidden("Only the System Administrator publishes the End User Agreement.")
    version = _text(version, "version", "version")
    title = _text(title, "title", "title")
    try:
        async with in_transaction():
            previous = await current_agreement()
            agreement = await EndUserAgreement.create(
                version=version,
                title=title,
                published_at=caller.now,
                published_by_id=caller.principal.user_id,
            )
            await governance_log.record(
                caller.principal,
                "agreement.publish",
                entity_type="EndUserAgreement",
                entity_id=agreement.id,
                now=caller.now,
                before={"version": previous.version} if previous else None,
                after={"version": version, "title": title},
            )
    except IntegrityError:
        raise Conflict("That version has been published already.", field="version") from None
    await notify_change()
    return agreement


async def sign_agreement(*, caller: Caller, version: str) -> AgreementSignature:
    """The caller signs the version in force, once their required training is complete (the
    manual: "upon successful completion of CT HMIS training")."""
    principal = caller.principal
    if principal.kind != "user":
        raise Forbidden("Only a person signs the End User Agreement.")
    if principal.missing_training:
        raise Forbidden(
            "Complete the required HMIS training before signing (policies 110, 401): "
            + ", ".join(principal.missing_training)
            + ".",
            missing_training=list(principal.missing_training),
        )
    agreement = await _version(version)
    current = await current_agreement()
    if current is None or current.id != agreement.id:
        raise Conflict("A later version is in force; sign that one.", field="version")
    return await _sign(caller, principal.user_id, agreement, caller.today, "agreement.sign")


async def record_signature(
    *,
    caller: Caller,
    user_id: UUID | None,
    external_id: str | None,
    version: str,
    signed_on: date,
) -> AgreementSignature:
    """The LMS feed reports a signature made there; idempotent per user and version."""
    if not caller.decisions.system_wide(Resource.TRAINING, Action.RECORD):
        raise Forbidden("Only the System Administrator or the LMS feed records signatures.")
    if signed_on > caller.today:
        raise ValidationFailed("An agreement cannot be signed in the future.", field="signedOn")
    agreement = await _version(version)
    user = await get_user(user_id=user_id, external_id=external_id)
    return await _sign(caller, user.id, agreement, signed_on, "agreement.record")


async def _sign(
    caller: Caller, user_id: UUID, agreement: EndUserAgreement, signed_on: date, action: str
) -> AgreementSignature:
    async with in_transaction():
        signature, created = await AgreementSignature.get_or_create(
            user_id=user_id,
            agreement_id=agreement.id,
            defaults={
                "signed_on": signed_on,
                "recorded_at": caller.now,
                "recorded_by_id": caller.principal.user_id,
            },
        )
        if created:
            await governance_log.record(
                caller.principal,
                action,
                entity_type="AgreementSignature",
                entity_id=signature.id,
                now=caller.now,
                after={"userId": user_id, "version": agreement.version, "signedOn": signed_on},
            )
    return signature
