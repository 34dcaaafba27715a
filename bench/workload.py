"""What the benchmark asks, and the SQL Hearth sends for it (captured on the wire).

The queries are a search page of 50 clients with one nested relation
(enrollments), one client record with enrollments, releases and notes, and ``syncUsers``
batches of 100. :func:`capture` runs each query once through an in-process Hearth with an
asyncpg query logger on every pooled connection, and returns the statements in order with their
arguments: the count of statements per request, the plan the bare stack replays (the
data statements only) and the plan the raw asyncpg ceiling replays (every read statement).
The statements include the row-security settings Hearth's connections send when the caller
changes (``SELECT set_config('hearth.…', …)``, decision 97): round trips of the request, and
what the replayed name search needs to find the caller's clients.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp

__all__ = [
    "RECORD",
    "SEARCH",
    "SEARCH_EXACT",
    "SYNC",
    "Captured",
    "Statement",
    "capture",
    "record_body",
    "search_body",
    "sign_in",
    "sync_body",
]

# The search page asks how many match as a UI shows it: "more than 100" past 100 (decision 185).
# SEARCH_EXACT is the same page asking the exact total, as the benchmark did before.
SEARCH = """query Search($name: String!, $first: Int!) {
  clients(search: {name: $name}, first: $first) {
    totalCountAtLeast
    totalCountIsExact
    nodes {
      id firstName lastName dob ssnLastFour veteranStatus nameDataQuality version
      enrollments { id entryDate relationshipToHoH disablingCondition householdId }
    }
  }
}"""

SEARCH_EXACT = SEARCH.replace("totalCountAtLeast\n    totalCountIsExact", "totalCount")

RECORD = """query Record($id: ID!) {
  client(id: $id) {
    id firstName middleName lastName dob ssnLastFour veteranStatus phone city state zipCode version
    enrollments { id entryDate relationshipToHoH disablingCondition householdId }
    releases { id scope startsOn expiresOn kind recordedAt }
    caseNotes { id createdAt text }
  }
}"""

SYNC = """mutation Sync($input: [SyncUserInput!]!) {
  syncUsers(input: $input) { externalId created changedFields error { code } }
}"""

LOGIN = """mutation Login($u: String!, $p: String!) {
  login(input: {username: $u, password: $p}) { challengeToken }
}"""
VERIFY = """mutation Verify($t: String!, $c: String!) {
  verifyMfa(input: {challengeToken: $t, code: $c}) { accessToken }
}"""

# Tables whose rows the GraphQL answer is made of; the other statements are the walls
# (session and principal, casbin scope, consent and releases, the audit insert).
DATA_TABLES = ("client", "enrollment", "release_of_information", "case_note")
_MAIN_TABLE = re.compile(
    r'^\s*(?:WITH\b.*?)?SELECT\b.*?\bFROM\s+"?([a-z_]+)"?', re.IGNORECASE | re.DOTALL
)
_PARENTHESES = re.compile(r"\([^()]*\)")
# api.pgclient.HearthConnection's statement telling the session who the caller is
_SETTINGS = "set_config('hearth."


def _top_level(sql: str) -> str:
    """The statement without its parenthesised parts (subqueries in the select list or WHERE)."""
    while True:
        stripped = _PARENTHESES.sub("", sql)
        if stripped == sql:
            return sql
        sql = stripped


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def search_body(name: str, first: int = 50, *, exact: bool = False) -> bytes:
    query = SEARCH_EXACT if exact else SEARCH
    return _json({"query": query, "variables": {"name": name, "first": first}})


def record_body(client_id: str) -> bytes:
    return _json({"query": RECORD, "variables": {"id": client_id}})


def sync_body(batch: int, size: int = 100, tag: str = "") -> bytes:
    """Batch ``batch`` of new vendor users (distinct per batch and per run ``tag``)."""
    items = [
        {
            "externalId": f"bench-{tag}-{batch}-{i}",
            "username": f"bench.{tag}.{batch}.{i}".lower(),
            "email": f"bench.{tag}.{batch}.{i}@vendor.example.org".lower(),
            "firstName": "Bench",
            "lastName": f"User{i}",
        }
        for i in range(size)
    ]
    return _json({"query": SYNC, "variables": {"input": items}})


async def sign_in(http: httpx.AsyncClient, username: str, password: str, totp_secret: str) -> str:
    """Password, then a TOTP code of the current time step; waits for the next step if this
    one was used already (a code is accepted once)."""
    for _ in range(2):
        response = await http.post(
            "/graphql", json={"query": LOGIN, "variables": {"u": username, "p": password}}
        )
        challenge = response.json()["data"]["login"]["challengeToken"]
        code = pyotp.TOTP(totp_secret).now()
        response = await http.post(
            "/graphql", json={"query": VERIFY, "variables": {"t": challenge, "c": code}}
        )
        body = response.json()
        if not body.get("errors"):
            return body["data"]["verifyMfa"]["accessToken"]
        await asyncio.sleep(31 - (int(time.time()) % 30))
    raise RuntimeError(f"cannot sign in as {username}: {body['errors']}")


async def service_token(http: httpx.AsyncClient, client_id: str, client_secret: str) -> str:
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    args: tuple[Any, ...]

    @property
    def table(self) -> str | None:
        match = _MAIN_TABLE.match(_top_level(self.sql))
        return match.group(1) if match else None

    @property
    def is_read(self) -> bool:
        return self.sql.lstrip().upper().startswith(("SELECT", "WITH"))

    @property
    def is_data(self) -> bool:
        return self.is_read and self.table in DATA_TABLES

    @property
    def is_settings(self) -> bool:
        """The row-security settings of the caller (a read to PostgreSQL: a SELECT)."""
        return self.is_read and _SETTINGS in self.sql


@dataclass
class Captured:
    """One request's statements, in the order sent."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reads(self) -> list[Statement]:
        return [s for s in self.statements if s.is_read]

    def data(self) -> list[Statement]:
        return [s for s in self.statements if s.is_data]

    def settings(self) -> list[Statement]:
        return [s for s in self.statements if s.is_settings]

    def settings_at(self, table: str) -> Statement | None:
        """The row-security settings the session held when the first statement on ``table``
        ran (the last sent before it), if any were captured."""
        held = None
        for s in self.statements:
            if s.is_settings:
                held = s
            elif s.table == table:
                break
        return held


async def capture(app: Any, token: str, body: bytes, warm: bytes | None = None) -> Captured:
    """Send ``body`` once through the in-process ``app`` and capture its SQL with the statement
    log, the row-security settings the pool sends included (after one warm-up request, ``warm``
    or the same body, so that the driver's first-use introspection is not counted; a sync batch
    warms up with another batch, or the captured one would change nothing)."""
    import pytest

    from bench.statement_log import log_statements

    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    patch = pytest.MonkeyPatch()
    try:
        log = log_statements(patch, session_settings=True)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as http:
            first = await http.post("/graphql", content=warm or body, headers=headers)
            if first.status_code != 200 or first.json().get("errors"):
                raise RuntimeError(f"benchmark query failed: {first.text[:500]}")
            await log.during(http.post("/graphql", content=body, headers=headers))
    finally:
        patch.undo()
    return Captured([Statement(sql, args) for sql, args in log.application_records()])
