"""The visibility rule stated a second way, for the tests only: as set-based Tortoise filters.

Production states it once, as SQL testing one client row (``authz.clients.visibility``). The
tests compare that statement with this independent one, for every kind of caller and release.
"""

from __future__ import annotations

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from authz.clients import ClientScope
from models.clients import Client, ConsentToEnter
from models.enums import ReleaseCategory, ReleaseScope
from models.releases import Release, ReleaseRecipient

__all__ = ["identifying_clients", "releases_in_force", "visible_clients"]


def releases_in_force(scope: ClientScope) -> QuerySet[Release]:
    """Releases in force today that cover one of the caller's agencies."""
    if not scope.read_agencies:
        return Release.filter(id=None)  # backbone staff alone: releases are not addressed to them
    covering = Q(scope=ReleaseScope.STATEWIDE)
    if scope.recipient_cans:
        covering |= Q(scope=ReleaseScope.CAN, scope_can_id__in=list(scope.recipient_cans))
    named = ReleaseRecipient.filter(agency_id__in=list(scope.read_agencies)).values("release_id")
    covering |= Q(scope=ReleaseScope.AGENCIES, id__in=Subquery(named))
    return Release.filter(
        covering,
        revoked_at__isnull=True,
        starts_on__lte=scope.today,
        expires_on__gte=scope.today,
    )


def _holders(scope: ClientScope) -> Q:
    held = ConsentToEnter.filter(agency_id__in=list(scope.read_agencies))
    return Q(id__in=Subquery(held.values("client_id")))


def _visible(scope: ClientScope, releases: QuerySet[Release]) -> QuerySet[Client]:
    if scope.empty:
        return Client.filter(id=None)
    visible = (
        Q(created_under_can_id__in=list(scope.backbone_cans)) if scope.backbone_cans else Q(id=None)
    )
    if scope.read_agencies:
        visible |= _holders(scope) | Q(id__in=Subquery(releases.values("client_id")))
    return Client.filter(visible)


def visible_clients(scope: ClientScope) -> QuerySet[Client]:
    """Clients the caller may see at all."""
    return _visible(scope, releases_in_force(scope))


def identifying_clients(scope: ClientScope) -> QuerySet[Client]:
    """Clients whose identifying data the caller may see."""
    identifying = releases_in_force(scope).filter(
        categories__contains=[ReleaseCategory.IDENTIFYING.value]
    )
    return _visible(scope, identifying)
