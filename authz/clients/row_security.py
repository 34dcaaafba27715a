"""The fourth wall: what PostgreSQL's row-level security is told about the caller (decision 97).

Every client-data table has policies (migration 0013) that ask the same questions as this
package, in SQL, of settings on the session: ``hearth.read_agencies``, ``hearth.recipient_cans``,
``hearth.backbone_cans`` (``uuid[]`` literals), ``hearth.today``, ``hearth.part2`` and
``hearth.system``. The API's connections run as the role ``hearth_app``, which the policies
bind; migrations and the command line run as the tables' owner, which they do not.

Which settings a statement runs under is decided here, per asyncio task, by a context variable:

- every HTTP request starts with :func:`request` (the API's outermost middleware): a fresh
  :class:`Caller` that shows nothing until the caller's client scope is worked out
  (:func:`fill`, called by ``services.caller.Caller.client_scope``), so a statement sent before
  it, or by a reader that never asked the policy, sees no client row;
- :func:`lens` narrows or changes the scope for a block (the HUD export's reporting lens);
- :func:`system` is the explicit way past the wall for an administrative act on rows the caller
  does not read (the System Administrator deciding a case note deletion request, policy 404);
- outside any request (jobs, the command line, tests' fixtures) there is no caller: the system.

``api.pgclient.HearthConnection`` applies :func:`desired` to its session before each statement
whenever it differs from what the session holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from authz.clients.scope import ClientScope

__all__ = [
    "DENY",
    "SETTINGS",
    "SYSTEM",
    "Caller",
    "desired",
    "fill",
    "lens",
    "request",
    "settings_for",
    "system",
    "unguarded_tables",
]

# The session settings the policies read, in the order of a settings tuple.
SETTINGS = (
    "hearth.read_agencies",
    "hearth.recipient_cans",
    "hearth.backbone_cans",
    "hearth.today",
    "hearth.part2",
    "hearth.system",
)

Settings = tuple[str, str, str, str, str, str]

DENY: Settings = ("{}", "{}", "{}", "", "off", "off")
SYSTEM: Settings = ("{}", "{}", "{}", "", "off", "on")


def _ids(ids: frozenset[UUID]) -> str:
    """A ``uuid[]`` literal (each id re-parsed: nothing else reaches the setting)."""
    return "{" + ",".join(str(UUID(str(i))) for i in sorted(ids, key=str)) + "}"


def settings_for(scope: ClientScope) -> Settings:
    """The session settings that tell the policies what ``scope`` tells the application."""
    return (
        _ids(scope.read_agencies),
        _ids(scope.recipient_cans),
        _ids(scope.backbone_cans),
        scope.today.isoformat(),
        "on" if scope.part2 else "off",
        "off",
    )


@dataclass(slots=True)
class Caller:
    """One request's settings: DENY until the caller's scope is known."""

    settings: Settings = DENY


_current: ContextVar[Caller | None] = ContextVar("hearth_row_security", default=None)


def desired() -> Settings | None:
    """The settings the current task's statements run under; None inside
    :func:`unguarded_tables`, where any settings the session holds will do."""
    if _unguarded.get():
        return None
    caller = _current.get()
    return SYSTEM if caller is None else caller.settings


# Set inside unguarded_tables(): the block's statements read no table with row security.
_unguarded: ContextVar[bool] = ContextVar("hearth_row_security_unguarded", default=False)


@contextmanager
def unguarded_tables() -> Iterator[None]:
    """Statements of the block read only tables that have no row security (the caller's own
    session, account, memberships and agencies, read to learn who the caller is), so they run
    under whatever settings the session already holds: the round trip that would first reset a
    previous caller's settings is spared (issue 20 goal 1; decision 201).
    ``tests/security/test_row_security.py`` proves that every table such a statement names has
    no policy, so no row can depend on the settings."""
    token = _unguarded.set(True)
    try:
        yield
    finally:
        _unguarded.reset(token)


@contextmanager
def request() -> Iterator[Caller]:
    """A request's caller, for the block: nothing is visible until :func:`fill`."""
    caller = Caller()
    token = _current.set(caller)
    try:
        yield caller
    finally:
        _current.reset(token)


def fill(scope: ClientScope) -> None:
    """The request's caller is now known: its statements run under ``scope``. Outside a request
    (no caller) nothing changes. Tasks the request started share its caller, so they see it."""
    caller = _current.get()
    if caller is not None and caller.settings[-1] != "on":
        caller.settings = settings_for(scope)


@contextmanager
def _as(settings: Settings) -> Iterator[None]:
    token = _current.set(Caller(settings))
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def lens(scope: ClientScope) -> Iterator[None]:
    """Statements of the block run under ``scope`` (a lens other than the caller's own). Outside
    a request too: an export run from the command line sees what its lens sees."""
    with _as(settings_for(scope)):
        yield


@contextmanager
def system() -> Iterator[None]:
    """Statements of the block pass the wall. Only for an administrative act whose permission
    has been checked and that reads no client data for the caller."""
    with _as(SYSTEM):
        yield
