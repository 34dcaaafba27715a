"""Where Hearth reaches into libraries' internals, fenced in one place.

Each module here overrides or reads something a library does not document as an extension point,
because the documented way costs too much on the hot path (docs/decisions.md names the
measurements): graphql-core's and strawberry's execution (:mod:`compat.graphql`), asyncpg's pool
(:mod:`compat.asyncpg`), Tortoise's row loading (:mod:`compat.tortoise`) and its migration
executor (:mod:`compat.tortoise_migrations`), email-validator's domain check
(:mod:`compat.email_validator`). They were written against the versions in
:data:`WRITTEN_FOR`; importing this package checks the installed ones and refuses to start on any
other, rather than misbehave quietly. A new version is adopted by reading its changes to the
overridden code, running ``tests/compat`` and the equality tests named in each module, and adding
it here.
"""

from __future__ import annotations

from importlib.metadata import version

__all__ = ["WRITTEN_FOR", "IncompatibleLibrary", "check_versions"]

# Distribution -> the release series (major.minor) the overrides were written and tested for.
WRITTEN_FOR: dict[str, tuple[str, ...]] = {
    "graphql-core": ("3.3",),
    "strawberry-graphql": ("0.341",),
    "asyncpg": ("0.30", "0.31", "0.32"),
    "tortoise-orm": ("1.1",),
    "email-validator": ("2.4",),
}


class IncompatibleLibrary(RuntimeError):
    """An installed library is not a version the overrides in ``compat`` were written for."""


def _series(installed: str) -> str:
    return ".".join(installed.split(".")[:2])


def check_versions(installed: dict[str, str] | None = None) -> None:
    """Refuse to run with a library version the overrides were not written for."""
    found = installed or {name: version(name) for name in WRITTEN_FOR}
    wrong = {
        name: found[name]
        for name, series in WRITTEN_FOR.items()
        if _series(found[name]) not in series
    }
    if wrong:
        detail = ", ".join(
            f"{name} {have} (written for {' or '.join(WRITTEN_FOR[name])})"
            for name, have in sorted(wrong.items())
        )
        raise IncompatibleLibrary(
            f"Hearth's overrides of library internals (the compat package) do not support {detail}. "
            "Install the versions pyproject.toml pins, or port compat/ to the new version first."
        )


check_versions()
