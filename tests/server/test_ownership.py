"""Every cell of the ownership matrix (``sync/ownership.py``), tried through a real push.

One test per record type × field group × action × status × role (and, for officers, the
record's own officer and a colleague of the same room): what the matrix allows is applied
(or, on an approved inspection, kept as a ``locked`` conflict); what it refuses is rejected
with the matrix's code and quarantined. A new row in the matrix is a new test here. A type whose
rules do not differ by status (a follow-up, a rental house) is tried in its first status only:
every status of it reads the same rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from server.extensions import db
from server.models import (
    Assignment,
    Followup,
    Inspection,
    Notice,
    QuarantinedMutation,
    RentalHouse,
    ResidencePermit,
    ScheduleRule,
    WorkOrder,
)
from server.models.base import utcnow
from server.operations.records import locked
from server.syncing.change import write_record
from sync import clock, ownership
from sync.records import RECORD_TYPES
from sync.rules import TRAFFIC_ROLES
from tests.phone import DeviceFactory, hostile_push, mutation
from tests.server.test_sync_push import inspection_data
from tests.world import CHINA, World

CALLERS = {("officer", "own"): "officer_a1", ("officer", "colleague"): "officer_a1b",
           ("chief", "colleague"): "chief_a", ("admin", "colleague"): "admin",
           ("traffic", "colleague"): "traffic_s1", ("squad_lead", "colleague"): "lead_s"}
OWNER = "officer_a1"
READ_ONLY = tuple(name for name, declared in RECORD_TYPES.items() if not declared.device_writable)
VISITED = "2026-11-28T09:00:00+08:00"


@pytest.fixture
def app(emptied_module_app: Flask) -> Flask:
    """One app for every cell: none changes its configuration."""
    return emptied_module_app


def by_status(record_type: str) -> bool:
    """Whether a type's rules differ by its status; where they do not, one status stands for all (same rows)."""
    return any(rule.statuses for rule in RECORD_TYPES[record_type].rules)


def cases() -> list[Any]:
    found = []
    for record_type, group, action, status, role, _cell in ownership.cells():
        if not by_status(record_type) and status != ownership.STATUSES[record_type][0]:
            continue
        for whose in ("own", "colleague") if role == "officer" else ("colleague",):
            found.append(pytest.param(record_type, group, action, status, role, whose,
                                      id=f"{record_type}-{group}-{action}-{status}-{role}-{whose}"))
    return found


def followup_data(world: World, status: str, **changes: Any) -> dict[str, Any]:
    data = {"venue_id": str(world.venues["A1"]), "officer_id": str(world.people[OWNER]), "subject_kind": "case",
            "case_number": "A-9", "due_date": "2026-12-09", "status": status, **changes}
    if status == "done":
        data["visited_at"] = VISITED
    return data


def put_in_status(app: Flask, world: World, record_type: str, status: str) -> str:
    """The room's inspection, follow-up or work order of ``OWNER``, set to ``status`` by an admin; its id.

    A work order's event has no status: it is the event in the world, as it is.
    """
    if record_type == "work_order_event":
        return str(world.order_event)
    if record_type == "occupant":
        return str(world.occupants["A1"])
    if record_type == "assignment":
        return planned(app, world)["assignment"]
    model, record_id = {"inspection": (Inspection, world.inspections["A1"]),
                        "followup": (Followup, world.followups["A1"]),
                        "work_order": (WorkOrder, world.work_orders["A1"]),
                        "rental_house": (RentalHouse, world.houses["A1"]),
                        "residence_permit": (ResidencePermit, world.permits["A1"])}[record_type]
    with app.app_context():
        record = locked(db.session, model, record_id)
        changes: dict[str, object] = {"status": status}
        if record_type == "residence_permit":
            changes.update(permit_steps(status))
        if status in ownership.REVIEW_STATUSES:
            changes.update(reviewer_id=world.people["chief_a"], reviewed_at=utcnow(), review_comment="好")
        if status == "done":
            changes["visited_at"] = clock.now().astimezone(CHINA) - timedelta(days=1)
        write_record(db.session, record, "update", changes, actor_id=world.people["admin"])
        db.session.commit()
    return str(record_id)


def attempt(
    app: Flask, client: FlaskClient, world: World, device: DeviceFactory, caller: str, record_type: str, group: str,
    action: str, status: str,
) -> tuple[dict[str, Any], set[str]]:
    """Do the cell's action through a push; its result and the field groups it wrote.

    The handheld refuses to write a read-only type, and some records never reach the caller's
    device (traffic police get only their squad's work orders, chiefs and admins no rental
    registry), so those pushes are sent raw.
    """
    role = role_of(caller)
    unseen = not RECORD_TYPES[record_type].reaches(role) or (
        role in TRAFFIC_ROLES and record_type not in ("work_order", "work_order_event"))
    if record_type in READ_ONLY or (unseen and action != "create"):
        target = {"room": world.rooms["A1"], "person": world.people[OWNER], "checklist_template": world.template,
                  "vehicle": world.vehicles["A"], **planned(app, world),
                  "venue": world.venues["A1"], "inspection": world.inspections["A1"],
                  "followup": world.followups["A1"], "rental_house": world.houses["A1"],
                  "occupant": world.occupants["A1"], "residence_permit": world.permits["A1"]}
        record_id = str(target[record_type])
        changes = change(world, record_type, group) if unseen else {"name": "x"}
        sent = {"create": mutation(record_type, "create", {"name": "x"}),
                "change": mutation(record_type, "update", changes, record_id, base_version=1,
                                   base=dict.fromkeys(changes)),
                "delete": mutation(record_type, "delete", {}, record_id, base_version=1)}[action]
        return hostile_push(client, world, caller, sent)[-1], {group}
    phone = device(caller)
    data, record_id = creation(world, record_type, group, status)
    if action == "create":
        phone.create(record_type, data)
        written = {ownership.group_of(record_type, k, v)
                   for k, v in ownership.written_on_create(record_type, data).items()}
    else:
        record_id = put_in_status(app, world, record_type, status) if record_type != "venue" else record_id
        phone.pull()
        changes = change(world, record_type, group)
        if action == "change":
            phone.edit(record_type, record_id, **changes)
        else:
            phone.delete(record_type, record_id)
        written = {ownership.group_of(record_type, k, v) for k, v in changes.items()} if action == "change" \
            else {ownership.RECORD}
    phone.push()
    return phone.results[-1], written


def planned(app: Flask, world: World) -> dict[str, str]:
    """A schedule rule of station A, an open assignment of ``OWNER``'s in room A1 and a notice to them; their ids."""
    with app.app_context():
        rule = ScheduleRule(station_id=world.stations["A"], venue_kind="hotel", interval_days=30,
                            starts_on=clock.today(CHINA))
        assignment = Assignment(room_id=world.rooms["A1"], officer_id=world.people[OWNER], kind="inspection",
                                venue_id=world.venues["A1"], due_date=clock.today(CHINA) + timedelta(days=3),
                                assigned_by=world.people["chief_a"])
        notice = Notice(person_id=world.people[OWNER], kind="assigned", subject_type="assignment",
                        subject_id=uuid.uuid4(), raised_at=clock.now())
        assigned_long_ago = clock.now() - timedelta(days=30)
        """Before the room's inspection in the world, which a completion links (``server.syncing.assignments``)."""
        ids = {name: str(write_record(db.session, record, "create", actor_id=world.people["chief_a"],
                                      now=assigned_long_ago).id)
               for name, record in (("schedule_rule", rule), ("assignment", assignment), ("notice", notice))}
        db.session.commit()
    return ids


def assignment_data(world: World, status: str, **changes: Any) -> dict[str, Any]:
    return {"room_id": str(world.rooms["A1"]), "officer_id": str(world.people[OWNER]), "kind": "inspection",
            "venue_id": str(world.venues["A1"]), "due_date": "2026-12-09", "status": status, **changes}


def creation(world: World, record_type: str, group: str, status: str) -> tuple[dict[str, Any], str]:
    if record_type == "venue":
        return {"room_id": str(world.rooms["A1"]), "name": "月河宾馆", "kind": "hotel", "address": "中山东路1号"}, \
            str(world.venues["A1"])
    if record_type == "inspection":
        extra = {"review_comment": "自己批准"} if group == "review" else {}
        return inspection_data(world, officer=OWNER, status=status, **extra), ""
    if record_type == "work_order":
        extra = {"status": status, "ticket_number": "T-1"} if group == "dispatch" else {}
        return {"room_id": str(world.rooms["A1"]), "officer_id": str(world.people[OWNER]), "kind": "abandoned_vehicle",
                "plate": "浙F54321", "address": "中山东路3号", "reported_at": VISITED, **extra}, ""
    if record_type == "work_order_event":
        extra = {"position": 7} if group == "placed" else {}
        return {"work_order_id": str(world.work_orders["A1"]), "kind": "withdrawn",
                "actor_id": str(world.people[OWNER]), "actor_role": "officer", "at": VISITED, **extra}, ""
    if record_type == "rental_house":
        return {"room_id": str(world.rooms["A1"]), "officer_id": str(world.people[OWNER]), "address": "中港路8号",
                "landlord_name": "房东乙", "status": status}, ""
    if record_type == "occupant":
        extra = {"superseded_at": VISITED} if group == "derived" else {}
        return {"house_id": str(world.houses["A1"]), "officer_id": str(world.people[OWNER]), "full_name": "测试丁",
                "document_kind": "passport", "document_number": "M1234567", "nationality": "KOR",
                "arrived_at": VISITED, "registered_at": VISITED, **extra}, ""
    if record_type == "assignment":
        return {**assignment_data(world, status), **change(world, record_type, group)}, ""
    if record_type == "residence_permit":
        return {"occupant_id": str(world.occupants["A1"]), "officer_id": str(world.people[OWNER]),
                "applied_at": VISITED, "status": status, **permit_steps(status, wire=True)}, ""
    extra = {"notes": "已回访"} if group == "visit" else {}
    return followup_data(world, status, **extra), ""


def permit_steps(status: str, *, wire: bool = False) -> dict[str, Any]:
    """What an application in ``status`` says of its steps (times as wire text or as Python values)."""
    at = datetime.fromisoformat(VISITED)
    steps: dict[str, Any] = {}
    if status != "applied":
        steps["accepted_at"] = at
    if status in ("issued", "refused"):
        steps["decided_at"] = at + timedelta(days=20)
        steps.update({"permit_number": "3304-001"} if status == "issued" else {"reason": "材料不全"})
    return {name: value.isoformat() if wire and isinstance(value, datetime) else value
            for name, value in steps.items()}


def change(world: World, record_type: str, group: str) -> dict[str, Any]:
    return {
        ("venue", "details"): {"notes": "门口有消防栓"},
        ("inspection", "work"): {"findings": "消防通道堵塞"},
        ("inspection", "review"): {"status": "approved", "reviewer_id": str(world.people["officer_a1b"])},
        ("followup", "plan"): {"due_date": "2026-12-20"},
        ("followup", "visit"): {"notes": "已回访"},
        ("work_order", "report"): {"note": "车还在"},
        ("work_order", "dispatch"): {"ticket_number": "T-1"},
        ("work_order_event", "event"): {"note": "补充"},
        ("work_order_event", "placed"): {"position": 9},
        ("rental_house", "house"): {"units": ["101", "102", "103"]},
        ("occupant", "registration"): {"unit": "102"},
        ("occupant", "derived"): {"superseded_at": VISITED},
        ("residence_permit", "application"): {"note": "材料齐全"},
        ("assignment", "plan"): {"due_date": "2026-12-20"},
        ("assignment", "completion"): {"status": "done", "inspection_id": str(world.inspections["A1"]),
                                       "done_at": VISITED},
        ("assignment", "comment"): {"comment": "负责人不在, 明天再去", "commented_at": VISITED},
        ("assignment", "derived"): {"missed_on": "2026-12-10"},
    }.get((record_type, group), {})


def role_of(username: str) -> str:
    return next(role for (role, _), name in CALLERS.items() if name == username)


def expected(record_type: str, action: str, status: str, role: str, own: bool, written: set[str]) -> str | None:
    """The matrix's answer for every group the push wrote, reviews first: the first refusal's code."""
    for group in ownership.groups(record_type):
        if group in written:
            cell = ownership.MATRIX[(record_type, group, action, status)].cell(role)
            code = ownership.verdict(cell, own=own, via="push")
            if code is not None:
                return code
    return None


@pytest.mark.parametrize(("record_type", "group", "action", "status", "role", "whose"), cases())
def test_a_push_does_exactly_what_the_ownership_matrix_allows(
    app: Flask, client: FlaskClient, device: DeviceFactory, world: World, record_type: str, group: str,
    action: str, status: str, role: str, whose: str,
) -> None:
    result, written = attempt(app, client, world, device, CALLERS[(role, whose)], record_type, group, action, status)
    code = expected(record_type, action, status, role, whose == "own", written)
    if code is not None:
        assert (result["status"], result.get("code")) == ("rejected", code), result
        with app.app_context():
            kept = db.session.scalar(select(func.count()).select_from(QuarantinedMutation).where(
                QuarantinedMutation.mutation_id == uuid.UUID(result["mutation_id"])))
        assert kept == 1
    elif record_type == "inspection" and status == "approved" and action != "create":
        assert (result["status"], result.get("reason")) == ("conflict", "locked"), result
    else:
        assert result["status"] == "applied", result


def test_every_device_writable_type_field_group_and_status_has_a_row() -> None:
    for record_type, statuses in ownership.STATUSES.items():
        for group in ownership.groups(record_type):
            actions = ("delete",) if group == ownership.RECORD else ("create", "change")
            if record_type in READ_ONLY:
                actions = ownership.ACTIONS
            for action in actions:
                for status in statuses:
                    assert (record_type, group, action, status) in ownership.MATRIX


@pytest.mark.parametrize("status", ownership.STATUSES["inspection"])
@pytest.mark.parametrize("role", ["chief", "admin"])
def test_the_review_endpoint_does_what_the_matrix_allows_with_the_caller_as_reviewer_at_server_time(
    app: Flask, client: FlaskClient, world: World, status: str, role: str
) -> None:
    inspection = put_in_status(app, world, "inspection", status)
    caller = CALLERS[(role, "colleague")]
    before = utcnow()
    response = client.post(f"/api/v1/inspections/{inspection}/review", json={"decision": "approve"},
                           headers=world.headers(caller))
    cell = ownership.MATRIX[("inspection", "review", "change", status)].cell(role)
    code = ownership.verdict(cell, own=False, via="review")
    if code is not None:
        assert (response.status_code, response.json["code"]) == (409, code)
        return
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["reviewer_id"]) == ("approved", str(world.people[caller]))
    assert before <= datetime.fromisoformat(response.json["reviewed_at"]) <= utcnow()
