"""The Dockerfile and compose.yaml agree with the code: what they copy exists and covers every
package, their commands are real `hearth` commands, every HEARTH_ variable they set is a setting,
and the health checks ask /readyz. (Building and running them: scripts/container-smoke.sh, where
a container engine exists.)"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import typer
import yaml

from api.cli import app as cli
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SETTINGS = {f"HEARTH_{name.upper()}" for name in Settings.model_fields}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _is_command(words: list[str]) -> bool:
    """Whether ``words`` (after ``hearth``) name a command of the CLI (then its arguments)."""
    command: Any = typer.main.get_command(cli)
    for word in words:
        if not hasattr(command, "commands"):
            break  # the rest are the command's arguments
        if word not in command.commands:
            return False
        command = command.commands[word]
    return not hasattr(command, "commands")  # a group needs a command


def test_the_command_check_knows_real_commands_from_others() -> None:
    assert _is_command(["serve"])
    assert _is_command(["audit", "verify"])
    assert not _is_command(["audit"])
    assert not _is_command(["serve-forever"])


def test_what_the_dockerfile_copies_exists_and_covers_every_package() -> None:
    ignored = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    copied: set[str] = set()
    for instruction, arguments in _instructions():
        if instruction != "COPY" or "--from=" in arguments:
            continue
        *sources, _destination = shlex.split(arguments)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
            assert not any(fnmatch.fnmatch(source, p) for p in ignored), f"{source} ignored"
            copied.add(source)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.removesuffix("*") for p in patterns}
    assert packages <= copied, f"packages not copied into the image: {packages - copied}"
    # authz reads the permission matrix from the source tree's root (authz.enforcer.POLICY_PATH)
    assert "policies.csv" in copied
    assert "pyproject.toml" in copied


def test_the_images_command_is_hearth_serve_as_a_user_other_than_root() -> None:
    commands = [json.loads(a) for i, a in _instructions() if i == "CMD"]
    assert commands[-1] == ["hearth", "serve"]
    assert _is_command(commands[-1][1:])
    users = [a for i, a in _instructions() if i == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    stages = [a for i, a in _instructions() if i == "FROM"]
    assert len(stages) >= 2  # a build stage, and the runtime stage that copies from it
    assert not any("make" in shlex.split(a) for i, a in _instructions() if i == "RUN")


def test_every_hearth_variable_the_image_and_compose_set_is_a_setting() -> None:
    names: set[str] = set()
    for instruction, arguments in _instructions():
        if instruction in ("ENV", "ARG"):
            names |= set(re.findall(r"\b(HEARTH_[A-Z0-9_]+)=", arguments))
    for service in COMPOSE["services"].values():
        names |= {n for n in service.get("environment") or {} if n.startswith("HEARTH_")}
    names.discard("HEARTH_PORT_PUBLISHED")  # compose's own: the port published on the host
    assert names
    assert names <= SETTINGS, f"not settings: {names - SETTINGS}"
    assert "HEARTH_PORT_PUBLISHED" not in SETTINGS


def test_compose_runs_real_commands_and_checks_readiness() -> None:
    services = COMPOSE["services"]
    assert {"db", "migrate", "hearth"} <= set(services)
    for name in ("migrate", "hearth"):
        command = services[name]["command"]
        assert command[0] == "hearth"
        assert _is_command(command[1:]), command
    assert services["hearth"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(services["hearth"]["healthcheck"]["test"])
    assert any(i == "HEALTHCHECK" and "/readyz" in a for i, a in _instructions())
    environment = services["hearth"]["environment"]
    # the secrets come from the environment, never written in the file
    for secret in ("HEARTH_SIGNING_KEY", "HEARTH_SSN_KEYS", "HEARTH_SSN_HASH_KEY"):
        assert environment[secret].startswith("${"), secret
    assert environment["HEARTH_ENV"] == "production"
    assert set(Settings(env="production").missing_production_secrets()) <= set(environment)


def test_the_smoke_script_builds_waits_for_readiness_queries_and_stops() -> None:
    script = (ROOT / "scripts" / "container-smoke.sh").read_text()
    for step in (" build ", "up --detach", "/readyz", "/graphql", "down --volumes"):
        assert step in script, step
