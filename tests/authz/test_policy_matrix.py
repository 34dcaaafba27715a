"""The role matrix, cell by cell, against the real model.conf and policies.csv (no database).

``MATRIX`` below is the reviewed artefact: it is written out by hand, never derived from
policies.csv, so any change to who may do what shows up as a change to this table.
"""

from __future__ import annotations

import csv
from pathlib import Path

import casbin
import pytest

from authz.enforcer import POLICY_PATH, build_enforcer
from authz.principal import SYSTEM_DOMAIN, agency_domain
from authz.resources import Action, Resource, Role

# Y = allowed, . = denied. Agency roles (FULL .. ASC; CANB: CAN backbone staff, held in the CAN's
# backbone agency; CANR: a CAN reporting service account, held in each agency of its CAN) are held
# in one agency, the others system-wide. VEND and CANR are service accounts' roles (VEND also a
# user's system role). The last block lists pairs that appear nowhere in policies.csv.
MATRIX = """
resource        action            FULL VIEW REPT HDC  ASC  ADM  SO   LEAD DSB  VEND CANB CANR
agency          read              Y    Y    Y    .    .    Y    Y    Y    Y    Y    .    Y
agency          create            .    .    .    .    .    Y    .    Y    .    .    .    .
agency          update            .    .    .    Y    .    Y    .    Y    .    .    .    .
agency          record_mou        .    .    .    .    .    Y    .    Y    .    .    .    .
project         read              Y    Y    Y    .    .    Y    Y    Y    Y    .    .    Y
project         create            .    .    .    .    .    Y    .    Y    .    .    .    .
project         update            .    .    .    Y    .    Y    .    Y    .    .    .    .
can             read              Y    Y    Y    .    .    Y    Y    Y    Y    .    .    Y
can             create            .    .    .    .    .    Y    .    Y    .    .    .    .
user            read              .    .    .    Y    Y    Y    Y    Y    .    Y    .    .
user            sync              .    .    .    .    .    Y    .    .    .    Y    .    .
user            deactivate        .    .    .    .    .    Y    .    .    .    Y    .    .
user            invite            .    .    .    .    .    Y    .    .    .    .    .    .
access_request  request           .    .    .    Y    Y    .    .    .    .    .    .    .
access_request  read              .    .    .    Y    Y    Y    Y    Y    .    .    .    .
access_request  decide            .    .    .    .    .    Y    .    .    .    .    .    .
duty            assign            .    .    .    .    .    Y    .    .    .    .    .    .
system_role     assign            .    .    .    .    .    Y    .    .    .    .    .    .
training        read              .    .    .    Y    Y    Y    Y    Y    .    .    .    .
training        record            .    .    .    .    .    Y    .    .    .    Y    .    .
training        manage            .    .    .    .    .    Y    .    .    .    .    .    .
# client records (policies 205, 207, 401, 404); CANB: backbone staff in the backbone agency
client          read              Y    Y    .    .    .    .    .    .    .    .    Y    .
client          create            Y    .    .    .    .    .    .    .    .    .    .    .
client          update            Y    .    .    .    .    .    .    .    .    .    .    .
client          export            Y    .    .    .    .    .    .    .    .    .    Y    .
client          annotate          Y    .    .    .    .    .    .    .    .    .    .    .
consent         create            Y    .    .    .    .    .    .    .    .    .    .    .
release         create            Y    .    .    .    .    .    .    .    .    .    .    .
release         revoke            Y    .    .    .    .    .    .    .    .    .    .    .
enrollment      create            Y    .    .    .    .    .    .    .    .    .    .    .
enrollment      update            Y    .    .    .    .    .    .    .    .    .    .    .
service         create            Y    .    .    .    .    .    .    .    .    .    .    .
case_note       create            Y    .    .    .    .    .    .    .    .    .    .    .
case_note       request_deletion  .    .    .    Y    .    .    .    .    .    .    .    .
case_note       approve_deletion  .    .    .    .    .    Y    .    .    .    .    .    .
can_staff       assign            .    .    .    .    .    Y    .    .    .    .    .    .
# user access report, its review and escalation (policies 212, 213)
access_report   read              .    .    .    Y    Y    Y    Y    .    .    .    .    .
access_report   publish           .    .    .    .    .    Y    .    .    .    .    .    .
access_review   record            .    .    .    Y    Y    .    .    .    .    .    .    .
access_review   read              .    .    .    Y    Y    Y    Y    Y    Y    .    .    .
access_review   deactivate        .    .    .    .    .    Y    .    .    .    .    .    .
access_review   notify            .    .    .    .    .    Y    .    Y    .    .    .    .
# service accounts; CANR: a CAN reporting service account, in each agency of its CAN
service_account read              .    .    .    .    .    Y    Y    .    .    .    .    .
service_account create            .    .    .    .    .    Y    .    .    .    .    .    .
service_account manage            .    .    .    .    .    Y    .    .    .    .    .    .
# account lifecycle compliance (policies 109, 202, 211); VEND: the vendor's help-desk feed
helpdesk_ticket record            .    .    .    .    .    Y    .    .    .    Y    .    .
retraining      request           .    .    .    .    .    Y    .    Y    .    .    .    .
compliance_case read              .    .    .    Y    .    Y    Y    .    .    .    .    .
job_run         read              .    .    .    .    .    Y    Y    .    .    .    .    .
governance_log  read              .    .    .    .    .    Y    Y    .    .    .    .    .
# governance rules (105, 107, 202): agency update and project update (HDC, in its
# agency: contact information and programs), access_report and access_review read (SO) above
system_role     name              .    .    .    .    .    .    .    Y    .    .    .    .
# HUD HMIS CSV export: HDC in its agency, CAN backbone staff, the Lead Agency
hud_csv         export            .    .    .    Y    .    .    .    Y    .    .    Y    .
# the Data Strategy Board (102, 103, 111, 113) and the governance calendar
dsb             read              .    .    .    .    .    Y    Y    Y    Y    .    .    .
dsb             manage            .    .    .    .    .    .    .    Y    .    .    .    .
dsb             request           .    .    .    .    .    Y    .    Y    .    .    .    .
governance_calendar read          .    .    .    .    .    Y    Y    Y    Y    .    .    .
governance_calendar manage        .    .    .    .    .    Y    .    Y    .    .    .    .
governance_calendar record        .    .    .    .    .    Y    Y    Y    .    .    .    .
# outside access requests (attachment): Lead Agency decides, the subcommittee vets
outside_access  read              .    .    .    .    .    Y    Y    Y    Y    .    .    .
outside_access  create            .    .    .    .    .    .    .    Y    .    .    .    .
outside_access  decide            .    .    .    .    .    .    .    Y    .    .    .    .
outside_access  vet               .    .    .    .    .    .    .    .    Y    .    .    .
# incidents (106, 108, 202): reporting is open to every signed-in caller (no line)
incident        read              .    .    .    Y    Y    Y    Y    Y    .    .    .    .
incident        update            .    .    .    Y    Y    Y    Y    .    .    .    .    .
incident        manage            .    .    .    .    .    Y    Y    .    .    .    .    .
incident        notify            .    .    .    .    .    Y    Y    Y    .    .    .    .
incident_report read              .    .    .    .    .    Y    Y    Y    Y    .    .    .
# grievances (114): reading is per grievance (parties, subcommittee), not here
grievance       request           .    .    .    Y    Y    .    .    Y    .    .    .    .
grievance       decide            .    .    .    .    .    .    .    Y    .    .    .    .
grievance_subcommittee manage     .    .    .    .    .    .    .    Y    .    .    .    .
grievance_subcommittee read       .    .    .    Y    Y    .    .    Y    Y    .    .    .
incident        create            .    .    .    .    .    .    .    .    .    .    .    .
grievance       read              .    .    .    .    .    .    .    .    .    .    .    .
# certification and security contacts (105, 108, 201, 210)
certification_item manage         .    .    .    .    .    Y    .    .    .    .    .    .
certification_item read           .    .    .    Y    Y    Y    Y    Y    .    .    .    .
certification   record            .    .    .    Y    Y    .    .    .    .    .    .    .
certification   read              .    .    .    Y    Y    Y    Y    Y    .    .    .    .
agency_case     read              .    .    .    Y    Y    Y    Y    Y    .    .    .    .
agency_case     manage            .    .    .    .    .    Y    .    .    .    .    .    .
agency_case     update            .    .    .    Y    Y    .    .    .    .    .    .    .
agency_case     acknowledge       .    .    .    .    .    Y    Y    .    .    .    .    .
monitoring_sample manage          .    .    .    .    .    .    .    Y    .    .    .    .
monitoring_sample read            .    .    .    .    .    Y    Y    Y    .    .    .    .
security_contact read             .    .    .    .    .    Y    Y    .    .    .    .    .
security_plan_review record       .    .    .    .    .    .    Y    .    .    .    .    .
security_plan_review read         .    .    .    .    .    Y    Y    Y    Y    .    .    .
# project data the HDC keeps current (107): funders, inventory, participation, CoCs, affiliations
project_data    record            .    .    .    Y    .    Y    .    .    .    .    .    .
# releasing data (405): the Lead Agency keeps requests and DSAs and produces extracts
data_request    read              .    .    .    .    .    Y    .    Y    Y    .    .    .
data_request    manage            .    .    .    .    .    .    .    Y    .    .    .    .
data_sharing_agreement read       .    .    .    .    .    Y    .    Y    Y    .    .    .
data_sharing_agreement manage     .    .    .    .    .    .    .    Y    .    .    .    .
data_sharing_agreement extract    .    .    .    .    .    .    .    Y    .    .    .    .
# the 7-year retention run (303): the System Administrator plans and runs; DSB and Lead read
retention       read              .    .    .    .    .    Y    .    Y    Y    .    .    .
retention       create            .    .    .    .    .    Y    .    .    .    .    .    .
retention       run               .    .    .    .    .    Y    .    .    .    .    .    .
# aggregate reports (109, 405): counts with small cells suppressed; the scope decides where
aggregate_report read              Y    Y    Y    Y    .    Y    .    Y    Y    .    Y    Y
# the HUD data quality report (301, 302): agency users of every level and the HDC in their agency,
# CAN backbone staff, the Lead Agency and the System Administrator (statewide webinars, 302)
data_quality_report read          Y    Y    Y    Y    .    Y    .    Y    .    .    Y    .
# the quarterly data quality review (302): the Lead Agency publishes and records; the board and
# the HDCs read
quality_review  read              .    .    .    Y    .    .    .    Y    Y    .    .    .
quality_review  publish           .    .    .    .    .    .    .    Y    .    .    .    .
quality_review  record            .    .    .    .    .    .    .    Y    .    .    .    .
# pairs in no policy line
project_data    read              .    .    .    .    .    .    .    .    .    .    .    .
agency          deactivate        .    .    .    .    .    .    .    .    .    .    .    .
project         record_mou        .    .    .    .    .    .    .    .    .    .    .    .
user            create            .    .    .    .    .    .    .    .    .    .    .    .
user            update            .    .    .    .    .    .    .    .    .    .    .    .
duty            read              .    .    .    .    .    .    .    .    .    .    .    .
system_role     read              .    .    .    .    .    .    .    .    .    .    .    .
training        create            .    .    .    .    .    .    .    .    .    .    .    .
access_request  assign            .    .    .    .    .    .    .    .    .    .    .    .
client          deactivate        .    .    .    .    .    .    .    .    .    .    .    .
client          sync              .    .    .    .    .    .    .    .    .    .    .    .
consent         update            .    .    .    .    .    .    .    .    .    .    .    .
consent         read              .    .    .    .    .    .    .    .    .    .    .    .
release         update            .    .    .    .    .    .    .    .    .    .    .    .
release         read              .    .    .    .    .    .    .    .    .    .    .    .
enrollment      read              .    .    .    .    .    .    .    .    .    .    .    .
service         update            .    .    .    .    .    .    .    .    .    .    .    .
case_note       update            .    .    .    .    .    .    .    .    .    .    .    .
case_note       read              .    .    .    .    .    .    .    .    .    .    .    .
case_note       deactivate        .    .    .    .    .    .    .    .    .    .    .    .
case_note       decide            .    .    .    .    .    .    .    .    .    .    .    .
can_staff       read              .    .    .    .    .    .    .    .    .    .    .    .
client          approve_deletion  .    .    .    .    .    .    .    .    .    .    .    .
service_account sync              .    .    .    .    .    .    .    .    .    .    .    .
access_report   record            .    .    .    .    .    .    .    .    .    .    .    .
access_review   publish           .    .    .    .    .    .    .    .    .    .    .    .
hud_csv         read              .    .    .    .    .    .    .    .    .    .    .    .
data_request    extract           .    .    .    .    .    .    .    .    .    .    .    .
"""

COLUMNS = {
    "FULL": Role.LEVEL_FULL,
    "VIEW": Role.LEVEL_VIEW_ONLY,
    "REPT": Role.LEVEL_REPORTING_ONLY,
    "HDC": Role.HDC,
    "ASC": Role.SECURITY_COORDINATOR,
    "ADM": Role.SYSTEM_ADMINISTRATOR,
    "SO": Role.SECURITY_OFFICER,
    "LEAD": Role.LEAD_AGENCY,
    "DSB": Role.DSB_MEMBER,
    "VEND": Role.VENDOR_SYNC,
    "CANB": Role.CAN_BACKBONE,
    "CANR": Role.CAN_REPORTING,
}
AGENCY_ROLES = frozenset(
    {
        Role.LEVEL_FULL,
        Role.LEVEL_VIEW_ONLY,
        Role.LEVEL_REPORTING_ONLY,
        Role.HDC,
        Role.SECURITY_COORDINATOR,
        Role.CAN_BACKBONE,
        # a CAN reporting service account holds it in each agency of its CAN
        Role.CAN_REPORTING,
    }
)
SYSTEM_ROLES = frozenset(Role) - AGENCY_ROLES

# Agencies whose ids share prefixes: key_match2 (or any prefix match) would confuse them.
HOME = "3f2b8c1e-5d4a-4e8b-9c7d-1a2b3c4d5e6f"
NEIGHBOUR = "3f2b8c1e-5d4a-4e8b-9c7d-1a2b3c4d5e60"  # the same uuid bar the last digit
OTHER = "9a8b7c6d-0000-4000-8000-000000000001"


def _parse_matrix() -> tuple[
    list[tuple[Resource, Action]], dict[tuple[Role, Resource, Action], bool]
]:
    pairs: list[tuple[Resource, Action]] = []
    expected: dict[tuple[Role, Resource, Action], bool] = {}
    lines = [line for line in MATRIX.strip().splitlines() if not line.startswith("#")]
    header = lines[0].split()[2:]
    roles = [COLUMNS[name] for name in header]
    for line in lines[1:]:
        resource_name, action_name, *cells = line.split()
        assert len(cells) == len(roles), (
            f"row {line!r} has {len(cells)} cells for {len(roles)} roles"
        )
        pair = (Resource(resource_name), Action(action_name))
        assert pair not in pairs, f"row {pair} appears twice"
        pairs.append(pair)
        for role, cell in zip(roles, cells, strict=True):
            assert cell in {"Y", "."}, f"cell {cell!r} in row {line!r}"
            expected[(role, *pair)] = cell == "Y"
    return pairs, expected


PAIRS, EXPECTED = _parse_matrix()
CASES = [(role, resource, action) for role in Role for resource, action in PAIRS]


def _policy_rows(path: Path = POLICY_PATH) -> list[list[str]]:
    """Non-comment, non-blank rows of a policy file, fields stripped (as casbin reads them)."""
    with path.open(newline="") as handle:
        return [
            [field.strip() for field in row]
            for row in csv.reader(
                line for line in handle if line.strip() and not line.lstrip().startswith("#")
            )
        ]


def _subject(role: Role) -> str:
    return f"user:{role.name.lower()}"


@pytest.fixture(scope="module")
def enforcer() -> casbin.Enforcer:
    """One user per role: agency roles at HOME (and a twin at agency 8), system roles in "*"."""
    lines = []
    for role in Role:
        domain = agency_domain(HOME) if role in AGENCY_ROLES else SYSTEM_DOMAIN
        lines.append([_subject(role), role.value, domain])
        lines.append(
            [
                f"{_subject(role)}:short",
                role.value,
                agency_domain("8") if role in AGENCY_ROLES else SYSTEM_DOMAIN,
            ]
        )
    return build_enforcer(lines)


# --- the table covers every role and every policy line ------------------------------------------


def test_the_table_has_a_column_for_every_role() -> None:
    # given the roles of authz/resources.py / then each is a column of MATRIX
    assert set(COLUMNS.values()) == set(Role)


def test_the_table_has_a_row_for_every_pair_in_policies_csv() -> None:
    # given every (resource, action) granted in policies.csv
    in_csv = {(Resource(row[2]), Action(row[3])) for row in _policy_rows()}
    # then each is a row of MATRIX, and MATRIX also states pairs that appear nowhere
    assert in_csv <= set(PAIRS), f"rows missing from MATRIX: {sorted(in_csv - set(PAIRS))}"
    assert set(PAIRS) - in_csv, "MATRIX should also state pairs that no policy line grants"


def test_every_policy_line_is_a_table_cell() -> None:
    # given policies.csv / then every line is a "Y" cell and every "Y" cell is a line
    granted = {(Role(row[1]), Resource(row[2]), Action(row[3])) for row in _policy_rows()}
    assert granted == {cell for cell, allowed in EXPECTED.items() if allowed}


# --- every cell, in the role's own domain and elsewhere -----------------------------------------


@pytest.mark.parametrize(
    ("role", "resource", "action"), CASES, ids=lambda v: getattr(v, "value", v)
)
def test_cell_in_the_roles_own_domain(
    enforcer: casbin.Enforcer, role: Role, resource: Resource, action: Action
) -> None:
    # given a user holding only `role` (at HOME, or system-wide)
    # when they ask for (resource, action) at HOME
    allowed = enforcer.enforce(_subject(role), agency_domain(HOME), resource.value, action.value)
    # then the answer is the table's
    assert allowed is EXPECTED[(role, resource, action)]


@pytest.mark.parametrize(
    ("role", "resource", "action"), CASES, ids=lambda v: getattr(v, "value", v)
)
def test_cell_in_other_domains(
    enforcer: casbin.Enforcer, role: Role, resource: Resource, action: Action
) -> None:
    expected = EXPECTED[(role, resource, action)]
    subject = _subject(role)
    elsewhere = {
        "another agency": agency_domain(OTHER),
        "a uuid sharing HOME's prefix": agency_domain(NEIGHBOUR),
        "HOME's id with a suffix": agency_domain(HOME + "0"),
        "HOME's id truncated": agency_domain(HOME[:-1]),
        "a wildcard agency": agency_domain("*"),
        "the system domain": SYSTEM_DOMAIN,
    }
    for what, domain in elsewhere.items():
        allowed = enforcer.enforce(subject, domain, resource.value, action.value)
        if role in SYSTEM_ROLES:
            # a system-wide role holds everywhere, "*" included
            assert allowed is expected, f"{role.value} in {what}"
        else:
            # an agency role holds only in its own agency, never in "*"
            assert allowed is False, f"{role.value} in {what}"


@pytest.mark.parametrize("role", sorted(AGENCY_ROLES, key=lambda r: r.value), ids=lambda r: r.value)
def test_agency_8_is_not_agency_80(enforcer: casbin.Enforcer, role: Role) -> None:
    # given a user holding `role` at agency "8" and one holding it at HOME
    resource, action = next(pair for pair in PAIRS if EXPECTED[(role, *pair)])
    short = f"{_subject(role)}:short"
    # then the first holds it at 8 but not at 80, 8x, 08 or 7
    assert enforcer.enforce(short, agency_domain("8"), resource.value, action.value)
    for domain in ("80", "8x", "08", "7", "8/1"):
        assert not enforcer.enforce(short, agency_domain(domain), resource.value, action.value), (
            domain
        )
    # and the HOME holder not at 8
    assert not enforcer.enforce(_subject(role), agency_domain("8"), resource.value, action.value)


def test_a_user_with_no_role_is_denied_everything(enforcer: casbin.Enforcer) -> None:
    for resource, action in PAIRS:
        for domain in (agency_domain(HOME), SYSTEM_DOMAIN):
            assert not enforcer.enforce("user:nobody", domain, resource.value, action.value)


# --- policies.csv itself --------------------------------------------------------------------------


def test_every_policy_line_names_known_roles_resources_and_actions() -> None:
    problems = []
    for row in _policy_rows():
        if row[0] != "p":
            problems.append(f"not a p line (role assignments come from the database): {row}")
            continue
        if len(row) != 4:
            problems.append(f"expected 'p, role, resource, action': {row}")
            continue
        for value, enum in zip(row[1:], (Role, Resource, Action), strict=True):
            try:
                enum(value)
            except ValueError:
                problems.append(f"unknown {enum.__name__} {value!r} in {row}")
    assert not problems, "\n".join(problems)


def test_policies_csv_has_no_duplicate_lines() -> None:
    rows = [tuple(row) for row in _policy_rows()]
    assert len(rows) == len(set(rows))


def test_every_role_holds_some_permission() -> None:
    roles = {Role(row[1]) for row in _policy_rows()}
    assert roles == set(Role)


def test_the_enforcer_loads_exactly_the_uncommented_lines() -> None:
    loaded = build_enforcer([]).get_policy()
    assert sorted(loaded) == sorted(row[1:] for row in _policy_rows())
    assert not any(field.startswith("#") for line in loaded for field in line)


def test_comments_and_blank_lines_in_a_policy_file_are_ignored(tmp_path: Path) -> None:
    # given a policy file whose only live line grants agency:read; the rest are comments
    path = tmp_path / "policies.csv"
    path.write_text(
        "# p, role:hdc, agency, create\n"
        "#p, role:hdc, agency, update\n"
        "\n"
        "p, role:hdc, agency, read\n"
        "#\n"
    )
    enforcer = build_enforcer([["user:h", "role:hdc", agency_domain(HOME)]], policy_path=path)
    # then only the live line is loaded and takes effect
    assert enforcer.get_policy() == [["role:hdc", "agency", "read"]]
    assert enforcer.enforce("user:h", agency_domain(HOME), "agency", "read")
    assert not enforcer.enforce("user:h", agency_domain(HOME), "agency", "create")
    assert not enforcer.enforce("user:h", agency_domain(HOME), "agency", "update")
