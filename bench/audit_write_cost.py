"""PostgreSQL's CPU for a request's read audit: the INSERT of its rows and their sealing, per
request, for the rows a search page of 50 clients with their enrollments wrote before
decision 189 (a VIEW row per record) and writes now (a VIEW row per client listing its records).

The backend's own CPU time (``/proc/<pid>/stat``) is read around ``--requests`` INSERTs (each
its own transaction, as a request's is) and around sealing them: a figure that other load on the
machine moves far less than throughput. Needs PostgreSQL on this machine and a scratch database
migrated to this schema (it writes audit rows there)::

    PYTHONPATH=$PWD python -m bench.audit_write_cost postgres://.../hearth_bench_x
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.context import TortoiseContext

from api.db import tortoise_config
from api.settings import Settings
from models.enums import AuditAction
from services.audit import AuditRow, append, seal

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _page(shape: str, enrollments: int = 76, clients: int = 50) -> list[AuditRow]:
    """One search page's rows: ``clients`` clients, ``enrollments`` enrollments among them."""
    now = datetime.now(UTC)
    common: dict[str, Any] = {
        "occurred_at": now,
        "actor_id": uuid.uuid4(),
        "request_id": uuid.uuid4().hex,
        "operation": "clients",
        "client_ip": "127.0.0.1",
        "agency_id": uuid.uuid4(),
    }
    ids = [uuid.uuid4() for _ in range(clients)]
    held = {c: [] for c in ids}
    for n in range(enrollments):
        held[ids[n % clients]].append(str(uuid.uuid4()))
    client_fields = ("dob", "enrollments", "firstName", "lastName", "ssn")
    enrollment_fields = ("entryDate", "exitDate", "projectId")
    rows = []
    for c in ids:
        if shape == "per record":
            rows.append(
                AuditRow(
                    action=AuditAction.VIEW,
                    entity_type="Client",
                    entity_id=str(c),
                    client_id=c,
                    fields=client_fields,
                    **common,
                )
            )
            rows += [
                AuditRow(
                    action=AuditAction.VIEW,
                    entity_type="Enrollment",
                    entity_id=e,
                    client_id=c,
                    fields=enrollment_fields,
                    **common,
                )
                for e in held[c]
            ]
        else:
            rows.append(
                AuditRow(
                    action=AuditAction.VIEW,
                    entity_type="Client",
                    entity_id=str(c),
                    client_id=c,
                    fields=client_fields,
                    reads=tuple(("Enrollment", e, enrollment_fields) for e in held[c]),
                    **common,
                )
            )
    rows.append(
        AuditRow(action=AuditAction.SEARCH, entity_type="ClientSearch", fields=("name",), **common)
    )
    return rows


def _cpu_ms(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) * TICK_MS


async def main(url: str, requests: int) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url, Settings(env="test", db_pool_max=1)))
        from tortoise.connection import get_connection

        conn = get_connection("default")
        pid = (await conn.execute_query_dict("SELECT pg_backend_pid() AS pid"))[0]["pid"]
        await seal()
        for shape in ("per record", "per client", "per record", "per client"):
            pages = [_page(shape) for _ in range(requests)]
            before = _cpu_ms(pid)
            for rows in pages:
                await append(rows)
            written = _cpu_ms(pid)
            await seal()
            await seal()
            sealed = _cpu_ms(pid)
            print(
                f"{shape}: {len(pages[0])} rows per page; PostgreSQL CPU per page: INSERT "
                f"{(written - before) / requests:.2f} ms, sealing {(sealed - written) / requests:.2f} ms",
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.requests))
