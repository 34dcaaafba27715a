"""The users list's asOf against a writer whose change is not yet committed: the first page of a
walk waits for it (services/user_pages.py, migration 0021), so the change is either in the page
or stamped at or after asOf, never lost between two walks."""

from __future__ import annotations

import asyncio

import asyncpg

from models.users import User
from services.user_pages import users_page
from tests.factories import make_user

WAITING = """
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
"""


async def _until_a_reader_waits(conn: asyncpg.Connection) -> None:
    for _ in range(1000):
        if await conn.fetchval(WAITING):
            return
        await asyncio.sleep(0.01)  # polling a database condition, bounded; not a timing assumption
    raise AssertionError("the first page never waited for the writer")


async def test_the_first_page_waits_for_a_change_not_yet_committed(
    app: object, database_url: str
) -> None:
    ann = await make_user("ann", first_name="Before")
    writer = await asyncpg.connect(database_url, timeout=10)
    try:
        # given a writer that changed ann in a transaction not yet committed
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("UPDATE hearth_user SET first_name = 'After' WHERE id = $1", ann.id)
        # when a sync job asks for the first page meanwhile
        reader = asyncio.create_task(
            users_page(User.all(), first=50, after=None, updated_since=None)
        )
        await _until_a_reader_waits(writer)
        assert not reader.done()
        await transaction.commit()
        page = await reader
    finally:
        await writer.close()
    # then the page shows the change, stamped before asOf (the next walk need not see it again)
    (row,) = [u for u in page.items if u.id == ann.id]
    assert row.first_name == "After"
    assert row.updated_at < page.as_of


async def test_a_change_stamped_after_as_of_is_in_the_next_walk(app: object) -> None:
    ann = await make_user("ann")
    first = await users_page(User.all(), first=50, after=None, updated_since=None)
    await User.filter(id=ann.id).update(
        first_name="Later"
    )  # no updated_at given: the database stamps
    changed = await users_page(User.all(), first=50, after=None, updated_since=first.as_of)
    assert [(u.id, u.first_name) for u in changed.items] == [(ann.id, "Later")]
    assert changed.items[0].updated_at >= first.as_of


async def test_a_sign_in_is_not_a_change(app: object) -> None:
    ann = await make_user("ann")
    first = await users_page(User.all(), first=50, after=None, updated_since=None)
    await User.filter(id=ann.id).update(last_login_at=first.as_of, totp_last_step=7)
    later = await users_page(User.all(), first=50, after=None, updated_since=first.as_of)
    assert later.items == []
