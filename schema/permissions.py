"""Permissions declared on every root field: ``Public``, ``Authenticated`` or ``Requires``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from authz.resources import Action, Resource
from schema.context import ResolverInfo
from services.errors import Forbidden

__all__ = ["Authenticated", "HearthPermission", "Public", "Requires", "guard"]


class HearthPermission(BasePermission):
    """Base of Hearth's permissions; the schema test finds every root field's one through it."""

    def describe(self) -> str:
        raise NotImplementedError


class Public(HearthPermission):
    """No sign-in needed (the sign-in operations themselves)."""

    def has_permission(self, source: Any, info: ResolverInfo, **kwargs: Any) -> bool:
        return True

    def describe(self) -> str:
        return "Public."


class Authenticated(HearthPermission):
    """Any signed-in caller. ``allow_expired_mfa`` lets a stale session re-authenticate."""

    def __init__(self, *, allow_expired_mfa: bool = False) -> None:
        self.allow_expired_mfa = allow_expired_mfa

    def has_permission(self, source: Any, info: ResolverInfo, **kwargs: Any) -> bool:
        info.context.require_principal(allow_expired_mfa=self.allow_expired_mfa)
        return True

    def describe(self) -> str:
        return "Any signed-in user."


class Requires(HearthPermission):
    """The casbin check: the caller holds ``action`` (or one of ``alternatives``) on
    ``resource`` in some domain; the service then decides which of them the input needs.

    Also policy 110 (no use before the required training), policy 401 (no use before signing the
    End User Agreement) and policy 101 (no acting for an agency without a signed MOU, which the
    enforcer's role assignments already leave out).
    """

    def __init__(self, resource: Resource, action: Action, *alternatives: Action) -> None:
        self.resource = resource
        self.action = action
        self.alternatives = alternatives

    def has_permission(self, source: Any, info: ResolverInfo, **kwargs: Any) -> bool:
        context = info.context
        principal = context.require_principal()
        if principal.missing_training:
            raise Forbidden(
                "Complete the required HMIS training first (policy 110): "
                + ", ".join(principal.missing_training)
                + ".",
                missing_training=list(principal.missing_training),
            )
        if principal.missing_agreement is not None:
            raise Forbidden(
                "Sign the End User Agreement first (policy 401): version "
                + principal.missing_agreement
                + ", with signEndUserAgreement.",
                missing_agreement=principal.missing_agreement,
            )
        decisions = context.decisions
        if not any(
            decisions.anywhere(self.resource, action)
            for action in (self.action, *self.alternatives)
        ):
            reasons = sorted(set(principal.blocked_agencies.values()))
            raise Forbidden(
                " ".join(["You may not do this.", *reasons]),
                resource=self.resource.value,
                action=self.action.value,
            )
        return True

    def describe(self) -> str:
        pairs = [f"{self.resource.value}:{a.value}" for a in (self.action, *self.alternatives)]
        return f"Requires {' or '.join(pairs)}."


def guard(permission: HearthPermission) -> list[FieldExtension]:
    """The field extensions that enforce ``permission``."""
    return [PermissionExtension(permissions=[permission], use_directives=False)]
