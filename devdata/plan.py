"""The fixed shape of a generated data set: CANs, agencies and projects, the name and code tables
rows are drawn from, the documented defect rates, and what ``generate`` returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "AGENCIES",
    "CANS",
    "CATEGORIES",
    "CE",
    "CLIENT_DEFECTS",
    "COLORS_VEG",
    "DAY",
    "DEFECT_RATES",
    "DESTINATIONS",
    "DISABILITY_TYPES",
    "ES_EE",
    "ES_NBN",
    "FIRST_STAY",
    "FUNDERS",
    "HERBS",
    "HP",
    "INCOME_SOURCES",
    "LATER_STAY",
    "LIVING",
    "MAX_CLIENTS",
    "MEDIAN_LOS",
    "NOTES",
    "ODD_FIRST",
    "ODD_LAST",
    "ODD_NOTES",
    "ONE_DAY",
    "PROJECTS",
    "PSH",
    "RRH",
    "SO",
    "SSO",
    "TH",
    "TOWNS",
    "Agency",
    "Member",
    "SeedSummary",
    "SeedUser",
]

MAX_CLIENTS = 5_000_000

# Documented defect rates (hud-data-standards.md 5.7). Client-level defects are injected into
# exactly round(rate * population) clients; enrollment-level ones independently per row.
DEFECT_RATES: dict[str, float] = {
    "name_dq_partial": 0.03,  # NameDQ 2
    "name_dq_dk_refused": 0.01,  # NameDQ 8/9, names empty
    "name_dq_missing": 0.005,  # NameDQ 99, names empty
    "ssn_dq_dk_refused": 0.06,  # SSNDQ 8/9, no SSN
    "ssn_dq_missing": 0.02,  # SSNDQ 99, no SSN
    "ssn_invalid": 0.02,  # SSNDQ 1 with 000/666/9xx area, 123456789, 111111111
    "dob_bad": 0.005,  # DOB in 1900-1914, or after the first entry (never after the anchor)
    "child_veteran": 0.002,  # of all clients, drawn among children
    "special_characters": 0.02,  # <>[]{} , " newline and non-ASCII in names
    "household_hoh": 0.005,  # of households: 0 or 2 heads
    "overlapping_enrollment": 0.005,  # of clients: a second overlapping stay in one project
    "null_enrollment_coc": 0.01,  # of heads' enrollments
    "disabling_condition_mismatch": 0.01,  # of adult enrollments
    "income_any_no_sources": 0.01,  # of adult entry income rows
    "missing_entry_income": 0.02,  # of adult enrollments
    "destination_missing": 0.08,  # of exits: destination 30 or 99
    "missing_times_months_homeless": 0.03,  # of adult enrollments: 3.917.4/5 empty
}

# Defects counted out of all clients (the others: out of households, heads' or adults' enrollments,
# entry income rows or exits; SeedSummary.populations says which number).
CLIENT_DEFECTS = (
    "name_dq_partial",
    "name_dq_dk_refused",
    "name_dq_missing",
    "ssn_dq_dk_refused",
    "ssn_dq_missing",
    "ssn_invalid",
    "dob_bad",
    "child_veteran",
    "special_characters",
)

# CANs, agencies and projects (synthetic names; real CoC codes and regions).

CANS = [
    ("Greater Bridgeport CAN", "CT-505"),
    ("Norwalk-Stamford CAN", "CT-505"),
    ("Greater Hartford CAN", "CT-503"),
    ("Greater New Haven CAN", "CT-503"),
    ("Eastern Connecticut CAN", "CT-503"),
]
# (slug, name, CAN index, share of households, victim service provider, backbone of its CAN)
AGENCIES = [
    ("a01", "Harborlight Housing Services", 0, 25, False, False),
    ("a02", "Park City Community Partners", 0, 10, False, True),
    ("a03", "Sound Shore Shelter Alliance", 1, 12, False, True),
    ("a04", "Ridgeway Family Housing", 1, 8, False, False),
    ("a05", "Capitol Region Housing Collaborative", 2, 14, False, True),
    ("a06", "Riverbend Outreach", 2, 8, False, False),
    ("a07", "Elm City Homeward", 3, 12, False, True),
    ("a08", "Thames Valley Supportive Housing", 4, 11, False, True),
    ("a09", "Safe Harbor Domestic Violence Services", 1, 0, True, False),
]
ES_EE, ES_NBN, TH, PSH, SO, DAY, SSO, HP, RRH, CE = 0, 1, 2, 3, 4, 11, 6, 12, 13, 14
# 25 projects with client data (ES-EE 20%, ES-NbN 8%, TH 8%, PSH 16%, RRH 16%, SO 12%, SSO 4%,
# HP 8%, CE 4%, Day 4%), 17 in CT-505, plus the victim service provider's shelter.
PROJECTS = [
    (0, ES_EE, "Harborlight Emergency Shelter"),
    (0, ES_NBN, "Harborlight Warming Center"),
    (0, RRH, "Harborlight Rapid Rehousing"),
    (0, PSH, "Harborlight Supportive Apartments"),
    (0, SO, "Harborlight Street Outreach"),
    (0, CE, "Bridgeport Coordinated Entry"),
    (1, ES_EE, "Park City Family Shelter"),
    (1, HP, "Park City Prevention"),
    (1, TH, "Park City Youth Transitional Housing"),
    (2, ES_EE, "Sound Shore Shelter"),
    (2, RRH, "Sound Shore Rapid Rehousing"),
    (2, PSH, "Sound Shore Scattered Site PSH"),
    (2, DAY, "Sound Shore Day Center"),
    (3, ES_EE, "Ridgeway Family Shelter"),
    (3, RRH, "Ridgeway Family Rehousing"),
    (3, SO, "Ridgeway Outreach"),
    (3, HP, "Ridgeway Prevention"),
    (4, ES_EE, "Capitol Region Shelter"),
    (4, PSH, "Capitol Region PSH"),
    (4, ES_NBN, "Capitol Region Overflow"),
    (5, SO, "Riverbend Street Outreach"),
    (5, SSO, "Riverbend Services Only"),
    (6, RRH, "Elm City Rapid Rehousing"),
    (6, TH, "Elm City Transitional Living"),
    (7, PSH, "Thames Valley PSH"),
    (8, ES_EE, "Safe Harbor Confidential Shelter"),
]
# Each project's funders (2.06.1), in PROJECTS' order: they decide which program-specific elements
# a project collects (PATH 21, RHY 22-26, SSVF 33, HOPWA 13-19, HUD-VASH 20, YHDP 43).
FUNDERS: tuple[tuple[int, ...], ...] = (
    (8,),  # ESG emergency shelter
    (8, 46),
    (3,),  # CoC rapid rehousing
    (2,),  # CoC permanent supportive housing
    (21, 11),  # PATH and ESG street outreach
    (4,),  # CoC supportive services only (coordinated entry)
    (8,),
    (9,),  # ESG prevention
    (24, 43),  # RHY transitional living and YHDP
    (8, 46),
    (33,),  # SSVF rapid rehousing
    (20,),  # HUD-VASH
    (46,),  # local
    (8,),
    (10,),  # ESG rapid rehousing
    (25,),  # RHY street outreach
    (33,),  # SSVF prevention
    (8,),
    (15, 2),  # HOPWA permanent housing and CoC PSH
    (46,),
    (21,),
    (21,),  # PATH services only
    (3,),
    (5,),  # CoC transitional housing
    (2,),
    (8,),
)
# Where stays happen, by project type: first stays at shelters, outreach and the front door, later
# ones in housing. Weights keep night-by-night shelter (a row per night) to about a tenth of stays.
FIRST_STAY = {ES_EE: 8, ES_NBN: 2, SO: 4, CE: 2, DAY: 2, SSO: 2, HP: 3}
LATER_STAY = {RRH: 4, PSH: 3, TH: 2, ES_EE: 2}
MEDIAN_LOS = {ES_EE: 30, ES_NBN: 30, TH: 180, PSH: 900, RRH: 240, SO: 60}

HERBS = (
    "Basil",
    "Sage",
    "Thyme",
    "Rosemary",
    "Dill",
    "Fennel",
    "Mint",
    "Chive",
    "Tarragon",
    "Oregano",
    "Parsley",
    "Cilantro",
    "Lavender",
    "Marjoram",
    "Sorrel",
    "Chervil",
    "Lovage",
    "Borage",
    "Angelica",
    "Yarrow",
    "Juniper",
    "Saffron",
    "Clove",
    "Cassia",
    "Anise",
    "Hyssop",
    "Savory",
    "Bay",
    "Nettle",
    "Caraway",
)
COLORS_VEG = (
    "Amber",
    "Indigo",
    "Crimson",
    "Teal",
    "Ochre",
    "Sienna",
    "Umber",
    "Cobalt",
    "Scarlet",
    "Azure",
    "Carrot",
    "Radish",
    "Parsnip",
    "Turnip",
    "Kale",
    "Leek",
    "Celery",
    "Pumpkin",
    "Squash",
    "Cabbage",
    "Spinach",
    "Lentil",
    "Barley",
    "Walnut",
    "Chestnut",
    "Olive",
    "Pepper",
    "Onion",
    "Garlic",
    "Potato",
)
# Names that test sanitisation in exports: forbidden characters, CSV quoting, non-ASCII, emoji.
ODD_FIRST = (
    "José",
    'Zoë "Z"',
    "Ñandú",
    "<Basil>",
    "Sage\nRose",
    "Chive 🌿",
    "Dill{2}",
    "Mint, Jr",
)
ODD_LAST = (
    "O'Brien, Jr.",
    "Peña",
    "[Teal]",
    "Crème-Brûlée",
    'Smith "Smitty"',
    "Ölander",
    "Kale{x}",
    "Røed",
)
TOWNS = {
    0: (("Bridgeport", "06604"), ("Fairfield", "06824"), ("Stratford", "06615")),
    1: (("Stamford", "06901"), ("Norwalk", "06850"), ("Greenwich", "06830")),
    2: (("Hartford", "06103"), ("New Britain", "06051"), ("East Hartford", "06108")),
    3: (("New Haven", "06510"), ("West Haven", "06516"), ("Hamden", "06514")),
    4: (("New London", "06320"), ("Norwich", "06360"), ("Groton", "06340")),
}
NOTES = (
    "Met with client to review housing plan.",
    "Client attended intake; documents requested.",
    "Referred to benefits counselor; follow up next week.",
    "Housing search: two units viewed, one application submitted.",
    "Client reports stable week; no new concerns.",
    "Coordinated with landlord about move-in inspection.",
)
ODD_NOTES = (
    'Client said: "I\'m fine, thanks", then left.\nFollow-up set.',
    "Notes with <angle> [square] {curly} brackets, commas, and é ñ ü 🏠.",
)
LIVING = (
    (116, 25),
    (101, 35),
    (335, 8),
    (336, 7),
    (204, 2),
    (205, 1),
    (206, 2),
    (207, 2),
    (215, 1),
    (410, 3),
    (435, 2),
    (302, 3),
    (314, 2),
    (329, 1),
    (332, 1),
    (411, 1),
    (421, 1),
    (118, 1),
    (8, 1),
    (9, 1),
    (99, 1),
)
DESTINATIONS = (
    (410, 10),
    (411, 6),
    (421, 5),
    (422, 4),
    (423, 3),
    (426, 3),
    (435, 6),
    (101, 7),
    (116, 6),
    (118, 2),
    (302, 4),
    (312, 3),
    (313, 3),
    (314, 2),
    (327, 1),
    (332, 2),
    (204, 2),
    (205, 1),
    (206, 2),
    (207, 2),
    (215, 1),
    (225, 1),
    (329, 1),
    (24, 1),
    (17, 2),
    (8, 1),
    (9, 1),
)
INCOME_SOURCES = (
    "Earned",
    "SSI",
    "SSDI",
    "Unemployment",
    "TANF",
    "SocSecRetirement",
    "GA",
    "ChildSupport",
)
DISABILITY_TYPES = (5, 6, 7, 8, 9, 10)
CATEGORIES = (
    "IDENTIFYING",
    "ENROLLMENT_AND_SERVICES",
    "HEALTH",
    "DOMESTIC_VIOLENCE",
    "CASE_NOTES",
)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SeedUser:
    """A generated user a benchmark or test can sign in as (password, then a TOTP code)."""

    key: str
    username: str
    user_id: uuid.UUID
    password: str
    totp_secret: str
    role: str
    agency_id: uuid.UUID | None = None
    agency_name: str | None = None


@dataclass(slots=True)
class SeedSummary:
    seed: int
    clients: int
    anchor: date
    tag: str
    password: str
    counts: dict[str, int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)
    # The populations the defect counts are out of (clients, households, adult_enrollments ...).
    populations: dict[str, int] = field(default_factory=dict)
    users: dict[str, SeedUser] = field(default_factory=dict)
    agencies: dict[str, uuid.UUID] = field(default_factory=dict)
    cans: dict[str, uuid.UUID] = field(default_factory=dict)
    vsp_agency_id: uuid.UUID | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class Agency:
    """An agency while its data set is drawn: its projects and the staff its records name."""

    slug: str
    id: uuid.UUID
    name: str
    can: int
    coc: str
    weight: int
    vsp: bool
    projects: list[tuple[uuid.UUID, int, str]] = field(default_factory=list)  # id, type, coc
    staff: list[uuid.UUID] = field(default_factory=list)  # FULL case managers
    hdc: uuid.UUID | None = None


@dataclass(slots=True)
class Member:
    """A household member: age at the household's first entry, relationship to the head."""

    age: int
    relationship: int
