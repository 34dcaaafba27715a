"""Syncs of one user at once, on the pool's connections, all return that user: the sync locks
the external ids, usernames and contact points it writes before it reads (services/user_sync.py)."""

from __future__ import annotations

import asyncio

from models.enums import SystemRole
from models.users import User
from services.errors import ValidationFailed
from services.user_sync import UserData, sync_user, sync_users
from tests.factories import make_user
from tests.services.support import caller_of, decisions_for


async def test_concurrent_syncs_of_one_user_return_that_user(app: object) -> None:
    vendor = await make_user(roles=(SystemRole.VENDOR_SYNC,))
    caller = caller_of(await decisions_for(vendor))
    data = UserData(external_id="V-1", username="ann.lee", email="ann@hartford.example.org")
    # when many syncs of the same new user run at once, on the pool's connections
    outcomes = await asyncio.gather(
        *(sync_user(caller=caller, data=data) for _ in range(40)), return_exceptions=True
    )
    # then every one returns the same user, and exactly one created it
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert not refused, refused
    results = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len({r.user.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await User.filter(external_id="V-1").count() == 1


async def test_concurrent_batches_naming_one_user_agree_on_it(app: object) -> None:
    vendor = await make_user(roles=(SystemRole.VENDOR_SYNC,))
    caller = caller_of(await decisions_for(vendor))
    # two batches that share one new user, each with one of its own
    shared = UserData(external_id="V-0", username="shared", email="shared@x.example.org")
    batches = [
        [
            shared,
            UserData(external_id=f"V-{n}", username=f"member{n}", email=f"member{n}@x.example.org"),
        ]
        for n in range(1, 21)
    ]
    outcomes = await asyncio.gather(*(sync_users(caller=caller, items=b) for b in batches))
    assert not [o for batch in outcomes for o in batch if isinstance(o, ValidationFailed)]
    assert len({batch[0].user.id for batch in outcomes}) == 1  # type: ignore[union-attr]
    assert await User.filter(external_id__startswith="V-").count() == 21
