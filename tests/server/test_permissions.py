"""Every API endpoint × every role × in scope and out of scope, and every bad token.

The matrix must name every API route: a new endpoint without a row here fails the test
that compares the matrix with the app's URL map.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from server.extensions import db
from server.models import AccessToken, Assignment, Device, Notice, Person, ScheduleRule
from server.models.base import utcnow
from server.syncing.change import write_record
from sync import clock
from sync.rules import TRAFFIC_ROLES
from tests.world import World


@pytest.fixture
def app(emptied_module_app: Flask) -> Flask:
    """One app for every cell: none changes its configuration."""
    return emptied_module_app


EVERYONE = frozenset({"officer", "chief", "admin", "traffic", "squad_lead"})
ADMIN = frozenset({"admin"})
REVIEWERS = frozenset({"chief", "admin"})
UPLOAD = b"\x89PNG a signature"
UPLOAD_SHA = hashlib.sha256(UPLOAD).hexdigest()
CALLERS = {"officer": "officer_a1", "chief": "chief_a", "admin": "admin", "traffic": "traffic_s1",
           "squad_lead": "lead_s"}
ROOM_KINDS = ("station", "room", "venue", "inspection", "followup", "blob", "rental_house", "occupant",
              "residence_permit", "assignment", "schedule_rule")
"""What traffic police never see: they get none of a room's records, only their squad's work orders."""


def targets(kind: str) -> Callable[[World, str], tuple[Any, Any]]:
    """(an id the caller may see, an id it may not) for one kind of record."""

    def pick(world: World, role: str) -> tuple[Any, Any]:
        planned: dict[str, dict[str, uuid.UUID]] = getattr(world, "planned", {})
        if kind == "notice":
            return planned["notice"][CALLERS[role]], planned["notice"]["officer_b1"]
        if kind == "schedule_rule":
            return (None if role in TRAFFIC_ROLES else planned["schedule_rule"]["A"]), planned["schedule_rule"]["B"]
        if kind == "assignment":
            return (None if role in TRAFFIC_ROLES else planned["assignment"]["A2" if role == "chief" else "A1"]), \
                planned["assignment"]["B1"]
        if role in TRAFFIC_ROLES and kind in ROOM_KINDS:
            if kind == "station":
                return None, world.stations["A"]
            return None, {"room": world.rooms, "venue": world.venues, "blob": world.photos,
                          "inspection": world.inspections, "followup": world.followups, "rental_house": world.houses,
                          "occupant": world.occupants, "residence_permit": world.permits}[kind]["A1"]
        if kind == "work_order":
            return world.work_orders["A2" if role == "chief" else "A1"], world.work_orders["B1"]
        if kind == "vehicle":
            return world.vehicles["A"], world.vehicles["B"]
        if kind == "work_order_event":
            return world.order_event, None
        if kind == "station":
            return world.stations["A"], world.stations["B"]
        if kind == "room" and role == "chief":
            return world.rooms["A2"], world.rooms["B1"]
        if kind == "person":
            visible = {"officer": "officer_a1b", "chief": "officer_a2", "admin": "officer_b1", "traffic": "traffic_s2",
                       "squad_lead": "traffic_s1"}[role]
            return world.people[visible], world.people["officer_b1"]
        if kind == "device":
            return world.devices[CALLERS[role]], world.devices["officer_b1"]
        if kind == "template":
            return world.template, None
        if kind == "conflict":
            return world.conflict, None
        if kind == "upload":
            return UPLOAD_SHA, None
        if kind == "blob":
            return world.photos["A2" if role == "chief" else "A1"], world.photos["B1"]
        records = {"room": world.rooms, "venue": world.venues, "inspection": world.inspections,
                   "followup": world.followups, "rental_house": world.houses, "occupant": world.occupants,
                   "residence_permit": world.permits}[kind]
        visible_room = "A2" if role == "chief" else "A1"
        return records[visible_room], records["B1"]

    return pick


@dataclass(frozen=True)
class Endpoint:
    method: str
    rule: str
    roles: frozenset[str]
    success: int = 200
    target: str | None = None
    body: Callable[[World, str], Any] | None = None
    query: str = ""

    def url(self, record_id: Any) -> str:
        url = self.rule.replace("<id>", str(record_id)).replace("<sha256>", str(record_id))
        return url + self.query

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


ENDPOINTS = [
    Endpoint("GET", "/api/v1/auth/me", EVERYONE),
    Endpoint("POST", "/api/v1/auth/logout", EVERYONE, success=204),
    Endpoint("GET", "/api/v1/people", EVERYONE),
    Endpoint(
        "POST",
        "/api/v1/people",
        ADMIN,
        success=201,
        body=lambda world, user: {"username": f"new.{uuid.uuid4().hex[:8]}", "display_name": "New",
                                  "role": "admin", "password": "long-enough"},
    ),
    Endpoint("GET", "/api/v1/people/<id>", EVERYONE, target="person"),
    Endpoint("PATCH", "/api/v1/people/<id>", ADMIN, target="person", body=lambda world, user: {"star_level": 4}),
    Endpoint("POST", "/api/v1/people/<id>/password", ADMIN, success=204, target="person",
             body=lambda world, user: {"password": "a-new-password"}),
    Endpoint("GET", "/api/v1/people/<id>/devices", EVERYONE, target="person"),
    Endpoint("GET", "/api/v1/devices", EVERYONE),
    Endpoint("GET", "/api/v1/devices/<id>", EVERYONE, target="device"),
    Endpoint("POST", "/api/v1/devices/<id>/revoke", EVERYONE, target="device",
             body=lambda world, user: {"reason": "lost"}),
    Endpoint("GET", "/api/v1/stations", EVERYONE),
    Endpoint("GET", "/api/v1/stations/<id>", EVERYONE, target="station"),
    Endpoint("GET", "/api/v1/rooms", EVERYONE),
    Endpoint("GET", "/api/v1/rooms/<id>", EVERYONE, target="room"),
    Endpoint("GET", "/api/v1/venues", EVERYONE),
    Endpoint("GET", "/api/v1/venues/<id>", EVERYONE, target="venue"),
    Endpoint("GET", "/api/v1/checklist-templates", EVERYONE),
    Endpoint("GET", "/api/v1/checklist-templates/<id>", EVERYONE, target="template"),
    Endpoint("GET", "/api/v1/inspections", EVERYONE),
    Endpoint("GET", "/api/v1/inspections/<id>", EVERYONE, target="inspection"),
    Endpoint("GET", "/api/v1/followups", EVERYONE),
    Endpoint("GET", "/api/v1/followups/<id>", EVERYONE, target="followup"),
    Endpoint("GET", "/api/v1/work-orders", EVERYONE),
    Endpoint("GET", "/api/v1/work-orders/<id>", EVERYONE, target="work_order"),
    Endpoint("GET", "/api/v1/work-order-events", EVERYONE),
    Endpoint("GET", "/api/v1/work-order-events/<id>", EVERYONE, target="work_order_event"),
    Endpoint("GET", "/api/v1/vehicles", EVERYONE),
    Endpoint("GET", "/api/v1/vehicles/<id>", EVERYONE, target="vehicle"),
    Endpoint("GET", "/api/v1/rental-houses", EVERYONE),
    Endpoint("GET", "/api/v1/rental-houses/<id>", EVERYONE, target="rental_house"),
    Endpoint("GET", "/api/v1/occupants", EVERYONE),
    Endpoint("GET", "/api/v1/occupants/<id>", EVERYONE, target="occupant"),
    Endpoint("GET", "/api/v1/residence-permits", EVERYONE),
    Endpoint("GET", "/api/v1/residence-permits/<id>", EVERYONE, target="residence_permit"),
    Endpoint("GET", "/api/v1/schedule-rules", EVERYONE),
    Endpoint("GET", "/api/v1/schedule-rules/<id>", EVERYONE, target="schedule_rule"),
    Endpoint("GET", "/api/v1/assignments", EVERYONE),
    Endpoint("GET", "/api/v1/assignments/<id>", EVERYONE, target="assignment"),
    Endpoint("GET", "/api/v1/notices", EVERYONE),
    Endpoint("GET", "/api/v1/notices/<id>", EVERYONE, target="notice"),
    Endpoint("POST", "/api/v1/residents/search", frozenset({"officer", "chief"}),
             body=lambda world, user: {"document_kind": "resident_id", "document_number": "330402199001011230",
                                       "purpose": "核查"}),
    Endpoint("POST", "/api/v1/occupants/<id>/reveal", frozenset({"chief"}), target="occupant",
             body=lambda world, user: {"reason": "协查比对"}),
    Endpoint("POST", "/api/v1/rental-houses/<id>/reveal", frozenset({"chief"}), target="rental_house",
             body=lambda world, user: {"reason": "联系房东"}),
    Endpoint("POST", "/api/v1/inspections/<id>/review", REVIEWERS, target="inspection",
             body=lambda world, user: {"decision": "approve"}),
    Endpoint("POST", "/api/v1/sync/push", EVERYONE,
             body=lambda world, user: {"device_id": str(world.devices[user]), "schema_version": 2, "mutations": []}),
    Endpoint("GET", "/api/v1/sync/pull", EVERYONE, query="?schema_version=2"),
    Endpoint("PUT", "/api/v1/blobs/<sha256>", EVERYONE, success=201, target="upload",
             body=lambda world, user: UPLOAD, query="?schema_version=2"),
    Endpoint("GET", "/api/v1/blobs/<sha256>", EVERYONE, target="blob", query="?schema_version=2"),
    Endpoint("GET", "/api/v1/blobs/<sha256>/thumbnail", EVERYONE, target="blob", query="?schema_version=2"),
    Endpoint("GET", "/api/v1/conflicts", ADMIN),
    Endpoint("GET", "/api/v1/conflicts/<id>", ADMIN, target="conflict"),
    Endpoint("POST", "/api/v1/conflicts/<id>/resolve", ADMIN, target="conflict",
             body=lambda world, user: {"expected_version": 1, "values": {}}),
    Endpoint("GET", "/api/v1/audit", ADMIN),
    Endpoint("GET", "/api/v1/audit/verify", ADMIN),
]
PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/enrol"), ("GET", "/api/v1/openapi.json"),
          ("GET", "/api/v1/ping")}


def call(client: FlaskClient, endpoint: Endpoint, record_id: Any, headers: dict[str, str], world: World,
         username: str) -> Any:
    body = endpoint.body(world, username) if endpoint.body else None
    if isinstance(body, bytes):
        return client.open(endpoint.url(record_id), method=endpoint.method, data=body, content_type="image/png",
                           headers=headers)
    return client.open(endpoint.url(record_id), method=endpoint.method, json=body, headers=headers)


def test_the_matrix_names_every_api_route(app: Flask) -> None:
    routes = {
        (method, re.sub(r"<id:\w+>", "<id>", rule.rule).replace("<sha256:sha256>", "<sha256>"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(e.method, e.rule) for e in ENDPOINTS} | PUBLIC


def test_every_view_declares_an_access_policy(app: Flask) -> None:
    undeclared = [
        name for name, view in app.view_functions.items()
        if name not in ("static", "api-docs.openapi_json", "dashboard.static") and not hasattr(view, "access_roles")
    ]
    assert undeclared == []


def plan(app: Flask, world: World) -> None:
    """Schedule rules of stations A and B, an assignment in rooms A1, A2 and B1, and a notice to each caller and to
    officer B1, for the endpoints of planned work (``world.planned``: kind → place or person → id)."""
    officers = {"A1": "officer_a1", "A2": "officer_a2", "B1": "officer_b1"}
    with app.app_context():
        rules = {station: write_record(db.session, ScheduleRule(station_id=world.stations[station], interval_days=30,
                                                                starts_on=clock.today()), "create", actor_id=None).id
                 for station in ("A", "B")}
        given = {room: write_record(db.session, Assignment(
            room_id=world.rooms[room], officer_id=world.people[officer], kind="inspection",
            venue_id=world.venues[room], due_date=clock.today()), "create", actor_id=None).id
            for room, officer in officers.items()}
        told = {username: write_record(db.session, Notice(
            person_id=world.people[username], kind="assigned", subject_type="assignment",
            subject_id=given["A1"], raised_at=clock.now()), "create", actor_id=None).id
            for username in (*CALLERS.values(), "officer_b1")}
        db.session.commit()
    world.planned = {"schedule_rule": rules, "assignment": given, "notice": told}  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", sorted(CALLERS))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_role_gets_what_its_scope_allows(app: Flask, client: FlaskClient, world: World, endpoint: Endpoint,
                                              role: str) -> None:
    if endpoint.target in ("schedule_rule", "assignment", "notice"):
        plan(app, world)
    username = CALLERS[role]
    headers = world.headers(username)
    visible, hidden = targets(endpoint.target)(world, role) if endpoint.target else (None, None)
    if role not in endpoint.roles:
        response = call(client, endpoint, hidden if visible is None else visible, headers, world, username)
        assert response.status_code == 403, response.json
        assert response.json["code"] == "forbidden"
        return
    if hidden is not None and role != "admin":
        response = call(client, endpoint, hidden, headers, world, username)
        assert response.status_code == 404, response.json
        assert response.json["code"] == "not_found"
    if endpoint.target and visible is None:
        return
    response = call(client, endpoint, visible, headers, world, username)
    assert response.status_code == endpoint.success, response.json


def test_lists_hold_only_records_in_scope(client: FlaskClient, world: World) -> None:
    def ids(path: str, username: str) -> set[str]:
        return {row["id"] for row in client.get(path, headers=world.headers(username)).json}

    assert ids("/api/v1/venues", "officer_a1") == {str(world.venues["A1"])}
    assert ids("/api/v1/inspections", "chief_a") == {str(world.inspections[r]) for r in ("A1", "A2")}
    assert ids("/api/v1/followups", "admin") == {str(world.followups[r]) for r in ("A1", "A2", "B1")}
    assert ids("/api/v1/rooms", "chief_b") == {str(world.rooms["B1"])}
    assert ids("/api/v1/stations", "officer_b1") == {str(world.stations["B"])}
    assert ids("/api/v1/people", "officer_a1") == {
        str(world.people[name]) for name in ("officer_a1", "officer_a1b", "chief_a")
    }
    assert ids("/api/v1/devices", "officer_a1") == {str(world.devices["officer_a1"])}
    orders = {room: str(order) for room, order in world.work_orders.items()}
    assert ids("/api/v1/work-orders", "officer_a1") == {orders["A1"]}
    assert ids("/api/v1/work-orders", "traffic_s1") == ids("/api/v1/work-orders", "chief_a") == {orders["A1"],
                                                                                               orders["A2"]}
    assert ids("/api/v1/work-orders", "traffic_t") == {orders["B1"]}
    assert ids("/api/v1/vehicles", "officer_a1") == ids("/api/v1/vehicles", "lead_s") == {str(world.vehicles["A"])}
    assert ids("/api/v1/vehicles", "traffic_t") == ids("/api/v1/vehicles", "chief_b") == {str(world.vehicles["B"])}
    assert ids("/api/v1/inspections", "lead_s") == ids("/api/v1/venues", "traffic_t") == set()
    assert ids("/api/v1/people", "traffic_t") == {str(world.people["traffic_t"])}
    chief_devices = ids("/api/v1/devices", "chief_a")
    assert str(world.devices["officer_a2"]) in chief_devices
    assert str(world.devices["officer_b1"]) not in chief_devices


def test_a_chief_cannot_revoke_an_officers_device(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/api/v1/devices/{world.devices['officer_a1']}/revoke",
        json={"reason": "lost"},
        headers=world.headers("chief_a"),
    )
    assert response.status_code == 403


def _expire(app: Flask, world: World, username: str) -> None:
    with app.app_context():
        db.session.execute(
            update(AccessToken)
            .where(AccessToken.person_id == world.people[username])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def _revoke_device(app: Flask, world: World, username: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Device).where(Device.id == world.devices[username]).values(revoked_at=utcnow())
        )
        db.session.commit()


def _disable(app: Flask, world: World, username: str) -> None:
    with app.app_context():
        db.session.execute(update(Person).where(Person.id == world.people[username]).values(active=False))
        db.session.commit()


BAD_CREDENTIALS = {
    "missing": (lambda app, world: {}, "auth_required"),
    "garbage": (lambda app, world: {"Authorization": "Bearer not-a-token"}, "token_invalid"),
    "not bearer": (lambda app, world: {"Authorization": "Basic b2ZmaWNlcjE6ZGVtbw=="}, "token_invalid"),
    "expired": (lambda app, world: (_expire(app, world, "admin"), world.headers("admin"))[1], "token_expired"),
    "revoked device": (
        lambda app, world: (_revoke_device(app, world, "admin"), world.headers("admin"))[1],
        "device_revoked",
    ),
    "disabled account": (lambda app, world: (_disable(app, world, "admin"), world.headers("admin"))[1],
                         "account_disabled"),
}


@pytest.mark.parametrize("problem", BAD_CREDENTIALS)
def test_bad_credentials_are_refused_with_their_own_code_on_every_endpoint(
    app: Flask, client: FlaskClient, world: World, problem: str
) -> None:
    plan(app, world)
    make_headers, code = BAD_CREDENTIALS[problem]
    headers = make_headers(app, world)
    for endpoint in ENDPOINTS:
        visible, _ = targets(endpoint.target)(world, "admin") if endpoint.target else (None, None)
        response = call(client, endpoint, visible, headers, world, "admin")
        assert (endpoint, response.status_code, response.json["code"]) == (endpoint, 401, code)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
