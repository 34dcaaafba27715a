"""How a long job tells whoever runs it how far it has come.

A service that may run for minutes (an export, an import, the audit chain's verification, a
re-seal) takes an optional ``progress`` callback and calls it as it goes: the step it is at (a
few words, e.g. ``"enrollments"``), how many items of that step are done, and how many there are
when that is known. The command line draws a bar from it (``api/cli_progress.py``); the API passes
none. A new step name starts a new count.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress", "tell"]


class Progress(Protocol):
    def __call__(self, step: str, done: int, total: int | None = None) -> None: ...


def tell(progress: Progress | None, step: str, done: int, total: int | None = None) -> None:
    """Report to ``progress``, if there is one."""
    if progress is not None:
        progress(step, done, total)
