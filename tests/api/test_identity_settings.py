"""Choosing the identity mode: local by default; oidc only with everything it needs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.settings import Settings

OIDC = {
    "identity": "oidc",
    "oidc_issuer": "https://idp.example.org",
    "oidc_client_id": "hearth",
    "oidc_client_secret": "secret",
    "oidc_audience": "https://hearth.example.org/api",
    "session_secret": "a-long-random-session-secret",
}


def test_local_accounts_are_the_default() -> None:
    assert Settings(_env_file=None).identity == "local"  # type: ignore[call-arg]


def test_oidc_mode_reads_its_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OIDC.items():
        monkeypatch.setenv(f"HEARTH_{name.upper()}", value)
    monkeypatch.setenv("HEARTH_OIDC_ALGORITHMS", '["ES256"]')
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.identity == "oidc"
    assert settings.oidc_algorithms == ["ES256"]
    assert settings.oidc_client_secret is not None
    assert "secret" not in repr(settings.oidc_client_secret)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"oidc_issuer": None}, "HEARTH_OIDC_ISSUER"),
        ({"oidc_client_secret": None, "session_secret": None}, "HEARTH_SESSION_SECRET"),
        ({"oidc_audience": "hearth"}, "must differ"),
        ({"oidc_algorithms": ["RS256", "HS256"]}, "asymmetric only"),
        ({"oidc_algorithms": ["none"]}, "asymmetric only"),
        ({"oidc_leeway_seconds": 61}, "less than or equal to 60"),
        ({"env": "production", "oidc_issuer": "http://idp.example.org"}, "https"),
    ],
    ids=["no issuer", "no secrets", "audience is the client id", "HS256", "none", "leeway", "http"],
)
def test_an_incomplete_or_unsafe_oidc_configuration_is_refused(
    changes: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(_env_file=None, **{**OIDC, **changes})  # type: ignore[arg-type]
