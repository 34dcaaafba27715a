"""The compat package refuses library versions its overrides were not written for."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from compat import WRITTEN_FOR, IncompatibleLibrary, check_versions


def test_the_installed_libraries_are_the_ones_the_overrides_were_written_for() -> None:
    check_versions()  # as at import
    for name, series in WRITTEN_FOR.items():
        assert ".".join(version(name).split(".")[:2]) in series, name


@pytest.mark.parametrize("library", sorted(WRITTEN_FOR))
def test_another_version_of_any_overridden_library_is_refused(library: str) -> None:
    installed = {name: f"{series[0]}.0" for name, series in WRITTEN_FOR.items()}
    installed[library] = "99.0.0"
    with pytest.raises(IncompatibleLibrary, match=f"{library} 99.0.0"):
        check_versions(installed)
