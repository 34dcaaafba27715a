"""Process settings, read from the environment with the ``HEARTH_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "report_thresholds"]


class Settings(BaseSettings):
    """Every knob of a Hearth deployment. Defaults suit a developer's machine."""

    model_config = SettingsConfigDict(env_prefix="HEARTH_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str | None = Field(
        default=None,
        description="postgres://user:pass@host:port/db. Unset: an embedded PostgreSQL in data_dir.",
    )
    data_dir: Path = Path(".hearth")
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_acquire_timeout: float = 10.0

    timezone: str = Field(
        default="America/New_York",
        description="Where 'today' is for dates in policy (release expiry, case note dates).",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    # Identity
    identity: Literal["local"] = "local"
    signing_key: str | None = Field(
        default=None, description="Ed25519 private key as a JWK (JSON). Unset: kept in data_dir."
    )
    token_issuer: str = "hearth"  # noqa: S105 (an issuer name, not a secret)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    challenge_ttl_seconds: int = 5 * 60
    invite_ttl_seconds: int = 72 * 3600
    mfa_max_age_days: int = 7
    login_max_failures: int = 5
    login_failure_window_seconds: int = 15 * 60
    login_lockout_seconds: int = 15 * 60
    totp_issuer: str = "CT HMIS (Hearth)"

    # GraphQL hardening
    max_body_bytes: int = 256 * 1024
    max_query_depth: int = 12
    max_query_tokens: int = 4000
    max_aliases: int = 30
    max_page_size: int = 100
    parser_cache_size: int = 256
    validation_cache_size: int = 256

    # The User Access Report's thresholds (policy 212 "What to look for"); see README.
    access_report_increase_factor: float = 2.0
    access_report_previous_quarters: int = 4
    access_report_increase_min_records: int = 20
    access_report_unenrolled_views: int = 10
    access_report_denied_attempts: int = 5
    access_report_views_per_hour: int = 50
    access_report_views_of_one_client: int = 20

    @property
    def production(self) -> bool:
        return self.env == "production"


def report_thresholds(settings: Settings) -> Any:
    """The User Access Report thresholds these settings configure."""
    from services.access_reports import Thresholds

    return Thresholds(
        increase_factor=settings.access_report_increase_factor,
        previous_quarters=settings.access_report_previous_quarters,
        increase_min_records=settings.access_report_increase_min_records,
        unenrolled_views=settings.access_report_unenrolled_views,
        denied_attempts=settings.access_report_denied_attempts,
        views_per_hour=settings.access_report_views_per_hour,
        views_of_one_client=settings.access_report_views_of_one_client,
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
