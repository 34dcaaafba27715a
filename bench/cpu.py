"""CPU time per request, by process: the server under test, PostgreSQL and the load generator.

On a 2-core machine the server, PostgreSQL and the load generator share the cores, so requests per
second measure all three at once, and the VM's speed drifts by tens of percent from one minute to
the next (docs/decisions.md 74). The CPU time each request costs each process moves much less with
that drift, and it says where the time goes. It is read from ``/proc`` (Linux) before and after a
run that drives one target alone: the target's process group (uvicorn and its workers), every
process named ``postgres`` (given the benchmark's database: the server's own processes and the
backends of that database, not other databases' sessions on a shared machine), and this process.
Elsewhere nothing is measured (``None``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuCost", "Snapshot", "cost", "snapshot"]

_PROC = Path("/proc")
# a client backend's process title names its client: "host(port)" or "[local]"
_CLIENT = re.compile(r"^(?:\S+\(\d+\)|\[local\])$")


@dataclass(frozen=True, slots=True)
class Snapshot:
    groups: dict[int, float]  # process group -> CPU ms of its live processes
    postgres: float  # CPU ms of PostgreSQL's processes
    own: float  # CPU ms of this process (the load generator)


@dataclass(frozen=True, slots=True)
class CpuCost:
    """CPU milliseconds per request."""

    server: float | None
    database: float
    load: float


def snapshot(groups: Iterable[int] = (), database: str | None = None) -> Snapshot | None:
    """CPU used so far by the processes of ``groups``, by PostgreSQL (with ``database``: its
    backends and the server's own processes only) and by this process."""
    if not (_PROC / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    wanted = set(groups)
    by_group = dict.fromkeys(wanted, 0.0)
    postgres = 0.0
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) * 1000 / tick  # utime + stime
        group = int(fields[2])
        if group in wanted:
            by_group[group] += used
        if name == "postgres" and _serves(entry, database):
            postgres += used
    times = os.times()
    return Snapshot(by_group, postgres, (times.user + times.system) * 1000)


def _serves(process: Path, database: str | None) -> bool:
    """Whether a PostgreSQL process works for ``database``: a backend connected to it, or one of
    the server's own processes (checkpointer, WAL writer, ...), not another database's backend."""
    if database is None:
        return True
    try:
        title = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # the process ended meanwhile
        return False
    words = title.split()  # a backend's: "postgres: [cluster:] user database client activity"
    client = next((i for i, word in enumerate(words) if _CLIENT.match(word)), None)
    return client is None or words[client - 1] == database


def cost(
    before: Snapshot | None, after: Snapshot | None, requests: int, group: int | None = None
) -> CpuCost | None:
    """CPU per request between two snapshots (``group``: the server's process group). A
    process that ended between them takes its time with it: the servers run for the whole
    benchmark, PostgreSQL's backends for as long as their pooled connections."""
    if before is None or after is None or not requests:
        return None
    server = None
    if group is not None:
        server = round((after.groups.get(group, 0.0) - before.groups.get(group, 0.0)) / requests, 2)
    return CpuCost(
        server=server,
        database=round((after.postgres - before.postgres) / requests, 2),
        load=round((after.own - before.own) / requests, 2),
    )
