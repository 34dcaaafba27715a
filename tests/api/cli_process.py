"""Running ``hearth`` as its own process, as an operator or cron would: with its output piped, or
with standard error on a terminal (a pseudo-terminal)."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEARTH = [str(Path(sys.executable).with_name("hearth"))]  # the installed console script
# Variables of the test run's own environment that would change what the command prints.
_DROPPED = ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "HEARTH_DEBUG", "COLUMNS")


@dataclass(slots=True)
class Ran:
    code: int
    stdout: str
    stderr: str


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """The parent's environment without Hearth's settings, with these."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HEARTH_") and k not in _DROPPED and not k.startswith("PYTEST")
    }
    env |= {"HEARTH_ENV": "test", "HEARTH_DATA_DIR": str(data_dir), **settings}
    return env


def hearth(*args: str, env: dict[str, str], stdin: str = "", timeout: float = 120) -> Ran:
    """Run ``hearth ARGS`` with standard output and standard error piped."""
    done = subprocess.run(  # noqa: S603 (our own command line)
        [*HEARTH, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def hearth_on_terminal(*args: str, env: dict[str, str], timeout: float = 300) -> Ran:
    """Run ``hearth ARGS`` with standard error on a pseudo-terminal (standard output piped);
    ``stderr`` is what the terminal was sent."""
    master, slave = pty.openpty()
    received: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the command ended and closed the terminal
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    with subprocess.Popen(  # noqa: S603 (our own command line)
        [*HEARTH, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env | {"COLUMNS": "160"},
        cwd=ROOT,
    ) as process:
        os.close(slave)
        out, _ = process.communicate(timeout=timeout)
    reader.join(timeout=10)
    os.close(master)
    return Ran(process.returncode, out.decode(), b"".join(received).decode(errors="replace"))


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
