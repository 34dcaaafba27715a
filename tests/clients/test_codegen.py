"""graphql-codegen, configured as clients/codegen/codegen.ts documents it, generates types for the
example operations from the checked-in schema, and TypeScript's compiler accepts the example
that uses them (scalars mapped, connections walked, nodes narrowed).

``npm ci`` runs there first when its ``node_modules`` is missing (once, under an inter-process
lock, as tests/oidc does). Without npm the test fails: it is part of ``make test``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import exclusive

CODEGEN_DIR = Path(__file__).resolve().parents[2] / "clients" / "codegen"


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed commands)
        list(command),
        cwd=CODEGEN_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: it installs clients/codegen's pinned graphql-codegen.")
    return npm


def _npm_ci(shared: Path) -> None:
    with exclusive(shared / "npm-ci-codegen.lock"):  # pytest-xdist's workers: one installs
        if (CODEGEN_DIR / "node_modules" / ".bin" / "graphql-codegen").exists():
            return
        done = _run(_npm(), "ci", "--no-audit", "--no-fund")
        if done.returncode != 0:
            pytest.fail(f"npm ci in {CODEGEN_DIR} failed:\n{done.stdout}\n{done.stderr}")


@pytest.mark.slow
def test_codegen_types_the_example_operations_and_tsc_accepts_them(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _npm_ci(tmp_path_factory.getbasetemp().parent)
    bin_dir = CODEGEN_DIR / "node_modules" / ".bin"
    with exclusive(tmp_path_factory.getbasetemp().parent / "codegen-run.lock"):
        generated = _run(str(bin_dir / "graphql-codegen"), "--config", "codegen.ts")
        assert generated.returncode == 0, generated.stdout + generated.stderr
        output = (CODEGEN_DIR / "generated" / "graphql.ts").read_text()
        checked = _run(str(bin_dir / "tsc"), "--noEmit", "-p", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the scalar mapping is applied: Decimal is a string, JSON unknown, never any
    assert "totalMonthlyIncome: string | null" in output
    assert "clientRecordExport: unknown" in output
    assert ": any" not in output
