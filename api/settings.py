"""Process settings, read from the environment with the ``HEARTH_`` prefix."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    db_pool_max: int | None = Field(
        default=None,
        ge=1,
        description="Connections per worker. Unset: 20 shared among the workers, at least 5 each.",
    )
    db_acquire_timeout: float = 10.0
    db_row_security: bool = Field(
        default=True,
        description=(
            "The API's sessions run as the role hearth_app, bound by PostgreSQL's row-level"
            " security on client data (decision 97). Off only to measure what it costs;"
            " production refuses to start without it."
        ),
    )

    replica_url: str | None = Field(
        default=None,
        description=(
            "A PostgreSQL streaming replica (postgres://...) for read-only heavy work: the"
            " reports, the HUD CSV export, the User Access Report. Unset: all on the primary;"
            " a replica that does not answer: the primary (docs/scaling.md)."
        ),
    )
    replica_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        description="After the replica failed, reads stay on the primary this long before trying it again.",
    )
    replica_max_lag_seconds: float = Field(
        default=60.0,
        ge=0,
        description=(
            "Work goes to the primary while the replica is further behind than this (measured at"
            " most every 5 s: the age of its last replayed transaction when it has WAL left to"
            " replay). 0: not checked."
        ),
    )

    timezone: str = Field(
        default="America/New_York",
        description="Where 'today' is for dates in policy (release expiry, case note dates).",
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int | None = Field(
        default=None, ge=1, description="uvicorn worker processes. Unset: one per core."
    )
    proxy_headers: bool = Field(
        default=True,
        description="Take the client's address and scheme from X-Forwarded-For/-Proto, only when "
        "sent by an address in HEARTH_FORWARDED_ALLOW_IPS (the audit and the throttles use it).",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies trusted for X-Forwarded-*: comma-separated addresses or networks, or "
        "'*'. Unset: uvicorn's FORWARDED_ALLOW_IPS, else 127.0.0.1.",
    )

    # Logs, health and metrics (docs/operations.md)
    log_format: Literal["json", "console"] | None = Field(
        default=None,
        description="json: one JSON object per line; console: readable lines. Unset: console in "
        "development, json otherwise.",
    )
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"],
        BeforeValidator(lambda value: value.upper() if isinstance(value, str) else value),
    ] = Field(default="INFO", description="Hearth's and uvicorn's loggers; libraries: WARNING.")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a scraper sends to GET /metrics. Unset: /metrics is not served.",
    )
    ready_timeout_seconds: float = Field(
        default=3.0, gt=0, description="Time /readyz gives the database to answer."
    )

    # Identity
    identity: Literal["local", "oidc"] = Field(
        default="local", description="local: Hearth's own accounts; oidc: an external provider."
    )
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

    # OpenID Connect (identity = "oidc"); see docs/identity.md
    oidc_issuer: str | None = Field(default=None, description="The provider's exact issuer.")
    oidc_discovery_url: str | None = Field(
        default=None, description="Unset: <issuer>/.well-known/openid-configuration."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_audience: str | None = Field(
        default=None,
        description="Hearth's resource indicator: provider access tokens must name it in aud.",
    )
    oidc_scopes: str = "openid email profile"
    oidc_redirect_uri: str | None = Field(
        default=None, description="Unset: this server's /auth/oidc/callback as requested."
    )
    oidc_post_login_redirect: str | None = Field(
        default=None,
        description="Front end URL the callback sends tokens (or the error) to in the fragment; "
        "unset: the callback answers JSON.",
    )
    oidc_post_logout_redirect_uri: str | None = None
    oidc_algorithms: list[str] = Field(
        default_factory=lambda: ["RS256", "PS256", "ES256"],
        description="Signature algorithms accepted from the provider (never none or HS*).",
    )
    oidc_require_at_jwt: bool = Field(
        default=True, description="Access tokens must carry the RFC 9068 header typ at+jwt."
    )
    oidc_user_match: Literal["external_id", "email"] = Field(
        default="external_id",
        description="external_id: a claim holds the vendor's externalId; email: verified e-mail.",
    )
    oidc_external_id_claim: str = "sub"
    oidc_mfa_amr_values: list[str] = Field(
        default_factory=lambda: ["mfa", "otp", "hwk", "sms", "tel", "sc", "swk", "fido"],
        description="amr values (RFC 8176) that show a second factor (policy 202).",
    )
    oidc_mfa_acr_values: list[str] = Field(
        default_factory=list, description="acr values that show a second factor (policy 202)."
    )
    oidc_step_up_acr: str | None = Field(
        default=None, description="acr_values to ask for when a sign-in lacked a second factor."
    )
    oidc_allow_local_login: bool = Field(
        default=False, description="Also accept Hearth passwords (break-glass) in oidc mode."
    )
    oidc_http_timeout_seconds: float = 5.0
    oidc_metadata_cache_seconds: int = 3600
    oidc_jwks_cache_seconds: int = 3600
    oidc_jwks_min_refetch_seconds: int = 60
    oidc_leeway_seconds: int = Field(default=60, ge=0, le=60)
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs the short-lived sign-in cookie of the OIDC browser flow (oidc only).",
    )

    # SSNs sealed at rest (decision 96); see docs/operations.md. Both are required in production.
    ssn_keys: SecretStr | None = Field(
        default=None,
        description="AES-256 keys as 'id:key,id:key' (each key 32 bytes, base64): the first seals "
        "new SSNs, the others only open older ones. Unset: kept in data_dir (not in production).",
    )
    ssn_hash_key: SecretStr | None = Field(
        default=None,
        description="The SSN lookup hash's HMAC key (at least 32 bytes, base64), apart from "
        "HEARTH_SSN_KEYS. Unset: kept in data_dir (not in production).",
    )

    # Service accounts (client credentials at /oauth/token), in both identity modes
    service_token_ttl_seconds: int = 5 * 60
    oauth_max_failures: int = Field(
        default=5, ge=1, description="Failed client authentications per client id, then locked."
    )
    oauth_address_max_failures: int = Field(
        default=20, ge=1, description="Failed client authentications per client address."
    )

    # GraphQL hardening
    request_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Time a request has to start its answer; then it stops and answers TIMEOUT.",
    )
    max_body_bytes: int = 256 * 1024
    max_query_depth: int = 12
    max_query_tokens: int = 4000
    max_aliases: int = 30
    max_query_fields: int = Field(
        default=2000, ge=1, description="Fields a document selects, fragments expanded."
    )
    max_query_cost: int = Field(
        default=50_000,
        ge=1,
        description="Each field counted once per item of the pages (first: N) around it.",
    )
    max_fragment_spreads: int = Field(
        default=500, ge=0, description="Fragment spreads in a document, counted where expanded."
    )
    max_repeated_fields: int = Field(
        default=100,
        ge=0,
        description="Fields selected again under a response key already selected at that place.",
    )
    max_page_size: int = 100
    parser_cache_size: int = 256
    validation_cache_size: int = 256

    # HTTP transport: browsers on other origins, persisted queries (docs/api.md)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) whose pages may call Hearth, comma-separated"
        " or a JSON list. Unset: no CORS headers at all.",
    )
    persisted_queries: Literal["off", "apq", "allowlist"] = Field(
        default="apq",
        description="apq: Apollo's automatic persisted queries beside ordinary requests;"
        " allowlist: only the operations of HEARTH_PERSISTED_QUERY_MANIFEST run; off: neither.",
    )
    persisted_query_manifest: Path | None = Field(
        default=None,
        description="The operations allowed in allowlist mode: an Apollo persisted query"
        " manifest, or a JSON object of sha256 hash -> document.",
    )
    persisted_query_cache_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=0,
        description="Documents remembered by hash per process (apq mode), in bytes of text.",
    )

    # The User Access Report's thresholds (policy 212 "What to look for"); see docs/audit.md.
    access_report_increase_factor: float = 2.0
    access_report_previous_quarters: int = 4
    access_report_increase_min_records: int = 20
    access_report_unenrolled_views: int = 10
    access_report_denied_attempts: int = 5
    access_report_views_per_hour: int = 50
    access_report_views_of_one_client: int = 20

    # E-mail notifications (the outbox, delivered by the notifications job); see
    # docs/compliance-jobs.md
    smtp_host: str | None = Field(
        default=None, description="Unset: notifications stay queued and the job records why."
    )
    smtp_port: int = 587
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="starttls (port 587), tls (implicit, port 465) or none."
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "CT HMIS <no-reply@localhost>"
    smtp_timeout_seconds: float = 10.0
    notification_max_attempts: int = Field(default=8, ge=1)
    notification_retry_seconds: int = Field(
        default=300, ge=1, description="First retry delay; doubles per attempt, at most 12 hours."
    )
    notification_batch_size: int = Field(default=200, ge=1)

    # Jobs and their in-process scheduler (crontab expressions in HEARTH_TIMEZONE)
    scheduler_enabled: bool | None = Field(
        default=None, description="Run the in-process scheduler. Unset: on, except in env=test."
    )
    schedule_shared_contacts: str = Field(
        default="0 6 1 1,4,7,10 *",
        description="Quarterly (policy 202): 06:00 on each quarter's first day.",
    )
    schedule_retraining: str = "30 6 * * *"
    schedule_deadlines: str = "0 7 * * *"
    schedule_notifications: str = "*/5 * * * *"
    schedule_governance_calendar: str = Field(
        default="15 7 * * *",
        description="Daily: the governance calendar opens due reviews' cases.",
    )
    schedule_agency_coordinators: str = "15 6 * * *"  # policies 106, 107, 108, 210
    # certification: overdue remediations and coordinator changes, yearly reminders
    schedule_certifications: str = "15 7 * * *"
    retraining_no_login_lookback_days: int = Field(
        default=90,
        ge=45,
        description="Policy 211 (a) looks at initial trainings completed within this many days.",
    )

    # The audit sealer (decision 65): every process seals the committed audit rows this often.
    audit_seal_seconds: float | None = Field(
        default=None,
        ge=0,
        description="Seconds between audit seals; 0 turns the sealer off. Unset: 5, except 0 in env=test.",
    )

    @property
    def seal_interval(self) -> float:
        if self.audit_seal_seconds is not None:
            return self.audit_seal_seconds
        return 0.0 if self.env == "test" else 5.0

    @property
    def runs_scheduler(self) -> bool:
        return self.scheduler_enabled if self.scheduler_enabled is not None else self.env != "test"

    def schedules(self) -> dict[str, str]:
        return {
            "shared-contacts": self.schedule_shared_contacts,
            "retraining": self.schedule_retraining,
            "deadlines": self.schedule_deadlines,
            "notifications": self.schedule_notifications,
            "governance-calendar": self.schedule_governance_calendar,
            "agency-coordinators": self.schedule_agency_coordinators,
            "certifications": self.schedule_certifications,
        }

    # HUD HMIS CSV export; see docs/hud-csv.md
    export_dir: Path | None = Field(
        default=None, description="Where requested exports are written. Unset: <data_dir>/exports."
    )
    hud_export_ttl_seconds: int = Field(
        default=15 * 60,
        description="How long a requested export may be downloaded; then it is gone.",
    )
    hud_export_timeout_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Time requestHudCsvExport has to write the export (in place of the request's).",
    )
    hud_implementation_id: str = Field(
        default="hearth-ct-hmis",
        description="Export.ImplementationID: this HMIS implementation's id.",
    )
    hud_import_max_bytes: int = Field(
        default=20 * 1024**3,
        gt=0,
        description="How many bytes an import's CSVs may inflate to, in all (a zip bomb stops there).",
    )
    hud_import_max_ratio: int = Field(
        default=200,
        gt=1,
        description="How many times its compressed size a CSV may inflate to (past 1 MiB).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_exact(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or "*" in origin
                or origin != f"{parts.scheme}://{parts.netloc}"
                or parts.username is not None
            ):
                raise ValueError(
                    f"HEARTH_CORS_ORIGINS: {origin!r} is not an origin like"
                    " https://app.example.org (scheme, host and port only; no wildcard)."
                )
        return origins

    @model_validator(mode="after")
    def _allowlist_has_manifest(self) -> Settings:
        if self.persisted_queries == "allowlist" and self.persisted_query_manifest is None:
            raise ValueError(
                "HEARTH_PERSISTED_QUERIES=allowlist needs HEARTH_PERSISTED_QUERY_MANIFEST."
            )
        return self

    @model_validator(mode="after")
    def _row_security_in_production(self) -> Settings:
        if self.production and not self.db_row_security:
            raise ValueError("HEARTH_DB_ROW_SECURITY cannot be turned off in production.")
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        bad = [a for a in self.oidc_algorithms if a.lower() == "none" or a.upper().startswith("HS")]
        if bad:
            raise ValueError(f"HEARTH_OIDC_ALGORITHMS may not include {bad}: asymmetric only.")
        if self.identity != "oidc":
            return self
        missing = [
            f"HEARTH_{name.upper()}"
            for name in (
                "oidc_issuer",
                "oidc_client_id",
                "oidc_client_secret",
                "oidc_audience",
                "session_secret",
            )
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"HEARTH_IDENTITY=oidc needs {', '.join(missing)}.")
        if self.oidc_audience == self.oidc_client_id:
            # An ID token's aud is the client id: equal values would let one pass as an
            # access token's audience.
            raise ValueError("HEARTH_OIDC_AUDIENCE must differ from HEARTH_OIDC_CLIENT_ID.")
        if self.production and not str(self.oidc_issuer).startswith("https://"):
            raise ValueError("HEARTH_OIDC_ISSUER must be https:// in production.")
        return self

    def missing_production_secrets(self) -> list[str]:
        """The secrets production needs that are unset (outside production Hearth generates
        them into data_dir; in production a generated one would differ between hosts and be
        lost with the container)."""
        if not self.production:
            return []
        needed = ["signing_key", "ssn_keys", "ssn_hash_key"]
        if self.identity == "oidc":
            needed += ["oidc_client_secret", "session_secret"]
        return [f"HEARTH_{name.upper()}" for name in needed if not getattr(self, name)]

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def field_suggestions(self) -> bool:
        """ "Did you mean ...?" in validation errors: a help while developing, a map of the
        schema for a prober elsewhere."""
        return self.env == "development"

    @property
    def exports_path(self) -> Path:
        return self.export_dir or self.data_dir / "exports"

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def pool_max(self) -> int:
        """Each worker's pool: the configured size, else 20 connections shared among the
        workers (at least 5 each), so that adding workers does not multiply connections."""
        return self.db_pool_max or max(5, 20 // self.worker_count)


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
