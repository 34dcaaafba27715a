"""Wall 3: the one place that decides which client fields a caller receives.

Masked fields come back as null; the client's ``access`` object tells the UI why. A record is
never denied whole for one masked field.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authz.clients import ClientAccess
from models.clients import Client
from models.enums import ReleaseCategory

__all__ = [
    "ALWAYS_VISIBLE",
    "HEALTH_AND_DV_GROUPS",
    "IDENTIFYING",
    "masked_client_fields",
    "masked_health_and_dv",
    "sees_disability",
]

# HUD 3.01-3.04, 4.21, 3.07 and contact details: shown only with identifying access.
IDENTIFYING = (
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "dob",
    "am_ind_ak_native",
    "asian",
    "black_af_american",
    "hispanic_latinao",
    "mid_east_n_african",
    "native_hi_pacific",
    "white",
    "race_none",
    "additional_race_ethnicity",
    "sex",
    "veteran_status",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)
# Data quality codes and provenance say nothing about the person.
ALWAYS_VISIBLE = (
    "id",
    "name_data_quality",
    "ssn_data_quality",
    "dob_data_quality",
    "version",
    "created_at",
    "updated_at",
)


def masked_client_fields(client: Client, access: ClientAccess) -> dict[str, Any]:
    """The client's fields as this caller may see them (masked ones are None)."""
    values: dict[str, Any] = {name: getattr(client, name) for name in ALWAYS_VISIBLE}
    identifying = access.can_view_identifying
    for name in IDENTIFYING:
        values[name] = getattr(client, name) if identifying else None
    values["ssn"] = client.ssn if access.can_view_full_ssn else None
    values["ssn_last_four"] = client.ssn_last_four if identifying else None
    return values


# A health and DV record's field groups, each shown only with its category.
HEALTH_AND_DV_GROUPS: dict[ReleaseCategory, tuple[str, ...]] = {
    ReleaseCategory.DOMESTIC_VIOLENCE: (
        "domestic_violence_survivor",
        "when_occurred",
        "currently_fleeing",
    ),
    ReleaseCategory.HEALTH: (
        "general_health_status",
        "dental_health_status",
        "mental_health_status",
        "pregnancy_status",
        "due_date",
    ),
}
SUBSTANCE_USE_DISABILITY = 10


def masked_health_and_dv(
    values: Any, *, own: bool, access: ClientAccess | None, agency_id: UUID | None
) -> dict[str, Any]:
    """A health and DV record's groups (from a model or a dict of its columns), each None unless
    the caller wrote it (``own``) or the writing agency (``agency_id``) shared its category."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    result: dict[str, Any] = {}
    for category, names in HEALTH_AND_DV_GROUPS.items():
        shown = own or (
            access is not None and agency_id is not None and access.sees_row(agency_id, category)
        )
        result.update({name: get(name) if shown else None for name in names})
    return result


def sees_disability(access: ClientAccess, agency_id: UUID, disability_type: int) -> bool:
    """A disability row written by ``agency_id``: HEALTH, or SUBSTANCE_USE for type 10 (42 CFR
    Part 2)."""
    category = (
        ReleaseCategory.SUBSTANCE_USE
        if disability_type == SUBSTANCE_USE_DISABILITY
        else ReleaseCategory.HEALTH
    )
    return access.sees_row(agency_id, category)
