"""A caller allowed nowhere gets querysets that match no row: empty lists, never an error."""

from __future__ import annotations

from authz import visibility
from services.service_accounts import visible_service_accounts
from tests.factories import make_agency, make_user
from tests.services.support import decisions_for


async def test_a_caller_allowed_nowhere_sees_nothing(app: object) -> None:
    await make_agency()
    decisions = await decisions_for(await make_user())
    assert await visibility.agencies(decisions) == []
    assert await visibility.projects(decisions) == []
    assert await visibility.cans(decisions) == []
    assert await visible_service_accounts(decisions, include_revoked=True) == []
