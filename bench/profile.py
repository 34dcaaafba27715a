"""CPU per request, in process: Hearth and the bare stack answering the benchmark's queries one at
a time, without a server, a load generator or a second worker sharing the machine.

``make bench`` measures throughput, which on a 2-core machine mixes Hearth's CPU with
PostgreSQL's, the load generator's and the machine's noise. This measures what Hearth can
change: the Python CPU time (``time.process_time``) each request costs this process, for Hearth
and for the bare stack over the same data, requests alternating between the two (the VM's speed
drifts by tens of percent from one minute to the next; alternating makes the drift hit both
alike). ``--versus stock-executor`` (or ``audit-off``) alternates with another build of Hearth's
schema instead. ``--cprofile FILE`` also writes a profile of Hearth's requests
(``python -m pstats FILE``), ``--pyinstrument FILE`` a pyinstrument one (not a dependency:
``pip install pyinstrument`` into the virtualenv first). Uses the benchmark database of
``make bench`` (seeded by its first run)::

    .venv/bin/python -m bench.profile --query search --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import os
import pickle
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from api.identity.tokens import load_signing_key
from api.settings import Settings
from bench import workload
from bench.measure import plans
from bench.seed import bench_server, ensure_seeded, hearth_data_dir
from bench.servers import in_process_hearth

BODIES = {
    "search": lambda summary: workload.search_body(summary["search_name"], 50),
    "record": lambda summary: workload.record_body(summary["record_id"]),
}


class Target(NamedTuple):
    name: str
    http: httpx.AsyncClient
    headers: dict[str, str]
    before: Any = None  # called before each of its requests (swaps the schema for --versus)


async def _interleaved(
    targets: list[Target], body: bytes, requests: int, profiler: Any = None
) -> list[list[float]]:
    """CPU per request of each target, alternating request by request in one process, so that the
    machine's drift (tens of percent from one minute to the next on a shared VM) hits all alike.
    The profiler, if any, sees the first target's requests only."""
    samples: list[list[float]] = [[] for _ in targets]
    warm_up = max(10, requests // 10)
    for i in range(warm_up + requests):
        for n, target in enumerate(targets):
            if target.before is not None:
                target.before()
            if i == warm_up and n == 0:
                gc.collect()
            if profiler is not None and i >= warm_up and n == 0:
                profiler.start()
            started = time.process_time()
            response = await target.http.post("/graphql", content=body, headers=target.headers)
            spent = (time.process_time() - started) * 1000
            if profiler is not None and i >= warm_up and n == 0:
                profiler.stop()
            if response.status_code != 200 or response.json().get("errors"):
                raise RuntimeError(f"{target.name}: query failed: {response.text[:300]}")
            if i >= warm_up:
                samples[n].append(spent)
    return samples


def _without_audit() -> Any:
    """The schema with the read audit switched off, as ``bench.hearth_app`` serves it."""
    import schema as schema_package
    from bench.hearth_app import _no_audit

    audit_reads = schema_package.audit_reads
    schema_package.audit_reads = _no_audit  # type: ignore[attr-defined]  # while building only
    try:
        return schema_package.build_schema()
    finally:
        schema_package.audit_reads = audit_reads  # type: ignore[attr-defined]


def _build(**options: Any) -> Any:
    import schema as schema_package

    return lambda: schema_package.build_schema(**options)


# Other builds of the schema to measure against the served one, request by request (--versus):
# graphql-core's stock executor (which reports no reads: the read audit writes only its search and
# denial rows), the served schema with the read audit off, and without the compiled path.
VERSUS = {
    "stock-executor": _build(execution_context_class=None),
    "audit-off": _without_audit,
    "ordinary": _build(compiled=False),  # without the compiled path (decision 208)
}


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


async def main(args: argparse.Namespace) -> None:
    settings = Settings()
    state = Path(args.state).resolve()  # noqa: ASYNC240 (a harness, not a server)
    with bench_server(settings) as url:
        summary = await ensure_seeded(url, args.clients, args.seed, False, state)
        manager = summary["users"]["case_manager"]
        data_dir = hearth_data_dir(state)
        load_signing_key(None, data_dir)
        os.environ.update(
            {
                "HEARTH_DATABASE_URL": url,
                "HEARTH_DATA_DIR": str(data_dir),
                "HEARTH_ENV": "development",
            }
        )
        body = BODIES[args.query](summary)
        async with contextlib.AsyncExitStack() as stack:
            app = await stack.enter_async_context(
                in_process_hearth(Settings(audit_seal_seconds=0, scheduler_enabled=False), url)
            )
            http = await stack.enter_async_context(_client(app))
            token = await workload.sign_in(
                http, manager["username"], manager["password"], manager["totp_secret"]
            )
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            targets = [Target("hearth", http, headers)]
            if args.versus:
                from starlette.routing import Route

                view = next(
                    r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql"
                )
                served, other = view.schema, VERSUS[args.versus]()
                targets = [
                    Target("hearth", http, headers, lambda: setattr(view, "schema", served)),
                    Target(args.versus, http, headers, lambda: setattr(view, "schema", other)),
                ]
            elif args.bare:
                replayed = plans(
                    await workload.capture(
                        app, token, workload.search_body(summary["search_name"], 50)
                    ),
                    await workload.capture(app, token, workload.record_body(summary["record_id"])),
                )
                plan_file = Path(
                    tempfile.mkstemp(prefix="hearth-profile-plan-", suffix=".pickle")[1]
                )
                stack.callback(plan_file.unlink)
                plan_file.write_bytes(pickle.dumps(replayed))  # noqa: ASYNC240
                os.environ.update(
                    {"HEARTH_BENCH_PLAN": str(plan_file), "HEARTH_BENCH_DATABASE_URL": url}
                )
                from bench.bare import make_app

                bare_app = make_app()
                await stack.enter_async_context(bare_app.router.lifespan_context(bare_app))
                bare_http = await stack.enter_async_context(_client(bare_app))
                targets.append(Target("bare", bare_http, {"content-type": "application/json"}))
            profiler: Any = None
            if args.pyinstrument:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled", interval=0.0005)
            elif args.cprofile:
                profiler = cProfile.Profile()
                profiler.start, profiler.stop = profiler.enable, profiler.disable
            samples = await _interleaved(targets, body, args.requests, profiler)
    for target, measured in zip(targets, samples, strict=True):
        print(
            f"{target.name:>15}: median {statistics.median(measured):6.2f} ms CPU, mean {statistics.fmean(measured):6.2f} ms ({len(measured)} requests)"
        )
    if len(targets) > 1:
        print(
            f"{targets[0].name} / {targets[1].name}, CPU per request: {statistics.median(samples[0]) / statistics.median(samples[1]):.3f}"
        )
    if args.pyinstrument:
        Path(args.pyinstrument).write_text(profiler.output_text(unicode=False, show_all=False))  # noqa: ASYNC240
        print(f"profile written to {args.pyinstrument}")
    elif args.cprofile:
        profiler.dump_stats(args.cprofile)
        print(f"profile written to {args.cprofile} (python -m pstats {args.cprofile})")


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--query", choices=sorted(BODIES), default="search")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-bare", dest="bare", action="store_false", help="measure Hearth alone")
    parser.add_argument(
        "--pyinstrument", metavar="FILE", help="write a pyinstrument profile of Hearth's requests"
    )
    parser.add_argument(
        "--cprofile",
        metavar="FILE",
        help="write a cProfile profile of Hearth's requests (CPU, no waits)",
    )
    parser.add_argument(
        "--versus",
        choices=sorted(VERSUS),
        help="alternate with another build of Hearth's schema instead of the bare stack",
    )
    parser.add_argument(
        "--clients", type=int, default=int(os.environ.get("HEARTH_BENCH_CLIENTS", 100_000))
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("HEARTH_BENCH_SEED", 1)))
    parser.add_argument("--state", default=os.environ.get("HEARTH_BENCH_STATE", ".hearth/bench"))
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
