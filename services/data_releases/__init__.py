"""Releasing data (policy 405): aggregate data requests with no PII, and Data Sharing
Agreements for requests with PII, approved by the Data Strategy Board, whose encrypted extract
the Lead Agency produces and whose destruction 90 days after the project's completion is a
compliance case. See docs/data-releases.md.

- :mod:`~services.data_releases.catalogue`: the variables, which are PII;
- :mod:`~services.data_releases.requests`: the aggregate request's steps;
- :mod:`~services.data_releases.agreements`: the DSA's steps to execution, and the board's
  motion on it (``MotionSubject.DATA_SHARING_AGREEMENT``);
- :mod:`~services.data_releases.extract`: the encrypted extract;
- :mod:`~services.data_releases.destruction`: delivery, completion, the 90-day case.
"""

from services.data_releases.agreements import (
    DsaTerms,
    confirm_pii,
    execute_agreement,
    get_agreement,
    record_agreement_meeting,
    record_pii_request,
    review_agreement,
    submit_agreement,
    withdraw_agreement,
)
from services.data_releases.catalogue import BY_NAME, PII, VARIABLES, Variable, check_variables
from services.data_releases.common import Requestor
from services.data_releases.destruction import (
    DESTRUCTION_DAYS,
    DestructionCounts,
    attest_destruction,
    complete_project,
    deliver_extract,
    sweep,
)
from services.data_releases.extract import ExtractResult, produce_extract
from services.data_releases.requests import (
    ItemReview,
    PiiNeedsAgreement,
    close_request,
    deliver_request,
    record_request_meeting,
    review_request,
    submit_request,
)

__all__ = [
    "BY_NAME",
    "DESTRUCTION_DAYS",
    "PII",
    "VARIABLES",
    "DestructionCounts",
    "DsaTerms",
    "ExtractResult",
    "ItemReview",
    "PiiNeedsAgreement",
    "Requestor",
    "Variable",
    "attest_destruction",
    "check_variables",
    "close_request",
    "complete_project",
    "confirm_pii",
    "deliver_extract",
    "deliver_request",
    "execute_agreement",
    "get_agreement",
    "produce_extract",
    "record_agreement_meeting",
    "record_pii_request",
    "record_request_meeting",
    "review_agreement",
    "review_request",
    "submit_agreement",
    "submit_request",
    "sweep",
    "withdraw_agreement",
]
