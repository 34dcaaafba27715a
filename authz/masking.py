"""Wall 3: the one place that decides which client fields a caller receives.

Masked fields come back as null; the client's ``access`` object tells the UI why. A record is
never denied whole for one masked field.
"""

from __future__ import annotations

from typing import Any

from authz.clients import ClientAccess
from models.clients import Client

__all__ = ["ALWAYS_VISIBLE", "IDENTIFYING", "masked_client_fields"]

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
