"""The reference rows of a data set: CANs, agencies and projects, then their users."""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from devdata.copy import copy_rows
from devdata.hudfill import SeedHud, fill
from devdata.plan import (
    AGENCIES,
    CANS,
    COLORS_VEG,
    ES_EE,
    ES_NBN,
    FUNDERS,
    HERBS,
    HP,
    PROJECTS,
    PSH,
    RRH,
    TH,
    Agency,
)
from devdata.state import new_uuid
from devdata.users import Users
from models.governance import Agency as AgencyModel
from models.governance import Can, Project
from services.errors import Conflict, ValidationFailed

__all__ = ["Reference"]


class Reference(Users):
    """Draws the reference rows and writes them at once (they are few)."""

    async def structure(self, password: str) -> None:
        rng, tag, conn = self.rng, self.tag, self.conn
        cocs = {
            r["code"]: r["id"] for r in await conn.fetch("SELECT id, code FROM continuum_of_care")
        }
        missing = {"CT-503", "CT-505"} - set(cocs)
        if missing:
            raise ValidationFailed(
                "The database lacks the reference CoCs; run `hearth migrate` first.",
                field="database",
            )
        courses = [
            r["id"] for r in await conn.fetch("SELECT id FROM training_course ORDER BY code")
        ]
        founded = self.anchor - timedelta(days=1500)
        created = self.at(founded)
        suffix = f" [{tag}]" if tag else ""
        self.can_ids = [new_uuid(rng) for _ in CANS]
        # ids come from the seed alone: a seed loaded first (without a suffix) cannot be appended
        if await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM can WHERE id = ANY($1))", self.can_ids
        ):
            raise Conflict(
                f"A data set with seed {self.seed} is already loaded; append another seed.",
                field="seed",
            )
        counts = self.small_counts
        counts["can"] = await copy_rows(
            conn,
            Can,
            (
                {"id": cid, "name": name + suffix, "created_at": created, "coc_id": cocs[coc]}
                for cid, (name, coc) in zip(self.can_ids, CANS, strict=True)
            ),
        )
        mou_on = self.anchor - timedelta(days=400)
        for slug, name, can, weight, vsp, _ in AGENCIES:
            self.agencies.append(
                Agency(slug, new_uuid(rng), name + suffix, can, CANS[can][1], weight, vsp)
            )
        counts["agency"] = await copy_rows(
            conn,
            AgencyModel,
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "common_name": a.name.split()[0],
                    "victim_service_provider": a.vsp,
                    "executive_director_name": f"{rng.choice(HERBS)} {rng.choice(COLORS_VEG)}",
                    "executive_director_email": f"director@{a.slug}{tag}.example.org",
                    "mou_signed_on": mou_on,
                    "mou_signed_by": "Executive Director",
                    "mou_access_levels": json.dumps(["FULL", "VIEW_ONLY", "REPORTING_ONLY"]),
                    "created_at": created,
                    "updated_at": created,
                    "coc_id": cocs[a.coc],
                    "can_id": self.can_ids[a.can],
                }
                for a in self.agencies
            ],
        )
        # certification: the demo's agencies are established (policy 210), their
        # first-time access cleared.
        await conn.executemany(
            "INSERT INTO agency_clearance (id, agency_id, basis, cleared_at)"
            " VALUES ($1, $2, $3, $4)",
            [(uuid.uuid5(a.id, "clearance"), a.id, "ESTABLISHED", created) for a in self.agencies],
        )
        # A CAN's backbone is one of its agencies, which need the CAN first.
        await conn.executemany(
            "UPDATE can SET backbone_agency_id = $1 WHERE id = $2",
            [
                (a.id, self.can_ids[a.can])
                for a, spec in zip(self.agencies, AGENCIES, strict=True)
                if spec[5]
            ],
        )
        projects = []
        for (index, ptype, name), funders in zip(PROJECTS, FUNDERS, strict=True):
            agency = self.agencies[index]
            pid = new_uuid(rng)
            agency.projects.append((pid, ptype, agency.coc))
            self.programs[pid] = SeedHud.program(
                (pid, ptype, agency.coc), agency.id, name + suffix, funders
            )
            projects.append(
                {
                    "id": pid,
                    "name": name + suffix,
                    "project_type": ptype,
                    "operating_start_date": founded,
                    "continuum_project": ptype != HP,
                    "housing_type": 1 if ptype in (ES_EE, ES_NBN, TH, PSH, RRH) else 3,
                    "target_population": 1 if agency.vsp else None,
                    "coc_code": agency.coc,
                    "created_at": created,
                    "updated_at": created,
                    "agency_id": agency.id,
                }
            )
        drawn = self.project_records(founded, created)
        for project in projects:
            fill(Project, project, drawn.pop(("Project", project["id"].hex))[0]["row"])
        counts["project"] = await copy_rows(conn, Project, projects)
        await self.users(password, courses, created)
        await self.write_project_records(drawn)

    def project_records(self, founded: date, created: datetime) -> dict[tuple[str, str], Any]:
        """The drawers' rows of every project ((file, project id) -> rows), on a random stream of
        their own, so that the rest of the seed draws what it drew before they existed."""
        hud = self.hud
        saved, hud.rng, hud.reference = hud.rng, random.Random(f"projects-{self.seed}"), {}  # noqa: S311
        try:
            for agency in self.agencies:
                for pid, _, _ in agency.projects:
                    hud.project(
                        self.programs[pid],
                        can=agency.can,
                        vsp=agency.vsp,
                        user="",
                        founded=founded,
                        created=created,
                    )
            drawn = hud.reference
        finally:
            hud.rng, hud.reference = saved, None
        by_project: dict[tuple[str, str], Any] = {}
        for file, items in drawn.items():
            for item in items:
                by_project.setdefault((file, item["row"]["ProjectID"]), []).append(item)
        return by_project

    async def write_project_records(self, drawn: dict[tuple[str, str], Any]) -> None:
        """The project files Hearth has models for, as of the agencies' founding, by their HDCs."""
        hdc = {p: a.hdc for a in self.agencies for p, _, _ in a.projects}
        by_model: dict[Any, list[dict[str, Any]]] = {}
        for (file, project), items in drawn.items():
            model = self.hud_models.get(file)
            if model is None:
                continue
            user = hdc.get(uuid.UUID(project))
            for item in items:
                by_model.setdefault(model, []).append(
                    self.hud.record(
                        model, file, item["row"], item["created"], user.hex if user else ""
                    )
                )
        for model, rows in by_model.items():
            self.small_counts[model._meta.db_table] = await copy_rows(self.conn, model, rows)
