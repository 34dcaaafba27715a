"""The Data Strategy Board (policies 102, 103) and the governance calendar (105, 111, 113,
210, 212). The Lead Agency keeps the board's record on its behalf (policy 103); every write is
in the governance log."""

from services.dsb.common import NON_VOTING, SEAT_CAPS, add_months, is_voting, seated_on
from services.dsb.customization import SCORE_RANGE, score_request, submit_request
from services.dsb.governance_calendar import (
    DEFAULTS,
    CalendarCounts,
    complete_case,
    due_dates,
    ensure_calendar,
    sweep_calendar,
    update_item,
)
from services.dsb.meetings import (
    Quorum,
    add_agenda_item,
    close_motion,
    open_motion,
    quorum_of,
    record_attendance,
    record_vote,
    schedule_meeting,
)
from services.dsb.seats import (
    appoint_seat,
    designate_co_chair,
    designate_initial_co_chairs,
    end_seat,
)

__all__ = [
    "DEFAULTS",
    "NON_VOTING",
    "SCORE_RANGE",
    "SEAT_CAPS",
    "CalendarCounts",
    "Quorum",
    "add_agenda_item",
    "add_months",
    "appoint_seat",
    "close_motion",
    "complete_case",
    "designate_co_chair",
    "designate_initial_co_chairs",
    "due_dates",
    "end_seat",
    "ensure_calendar",
    "is_voting",
    "open_motion",
    "quorum_of",
    "record_attendance",
    "record_vote",
    "schedule_meeting",
    "score_request",
    "seated_on",
    "submit_request",
    "sweep_calendar",
    "update_item",
]
