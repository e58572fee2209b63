"""The demo's traffic squad and its work orders, made through the real push engine.

There are a few weeks of orders, and a few from a year before (the figures compare the two).
南湖交警一中队 covers 南湖派出所's rooms. Each step is pushed from its author's handheld at the
time it happened (the process clock is set to that moment), so routing, deadlines, the repeat
flag and the fold are the server's own, and the orders are in every state: closed with each
outcome, awaiting verification, reopened, withdrawn, overdue, a plate reported again and
again, and two offline acceptances that collided.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from random import Random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.demo import org
from server.demo.handhelds import Handhelds
from server.models import Person, Room, Station, TrafficSquad
from server.operations.people import create_person
from server.passwords import hash_demo_password

REPEAT_PLATE = "浙F3Z718"
CHINA = timezone(timedelta(hours=8))
STREETS = ("南湖路", "中环南路", "由拳路", "东升路")

ORDERS: tuple[tuple[float, str, str, str, tuple[tuple[float, str, str, dict[str, Any]], ...]], ...] = (
    (366, "officer1", "illegal_parking", "浙F6B512", (
        (0.3, "traffic1", "accepted", {}), (1, "traffic1", "resolved", {"outcome": "moved_by_owner"}),
        (4, "officer1", "verified", {}))),
    (360, "officer6", "illegal_parking", "浙F2C907", (
        (0.4, "traffic2", "accepted", {}),
        (1.5, "traffic2", "resolved", {"outcome": "ticketed", "ticket_number": "3304021000006203"}),
        (6, "officer6", "verified", {}))),
    (362, "officer5", "abandoned_vehicle", "浙F8H330", (
        (10, "traffic1", "accepted", {}), (40, "traffic1", "resolved", {"outcome": "towed"}),
        (60, "officer5", "verified", {}))),
    (20, "officer1", "illegal_parking", "浙F12345", (
        (0.2, "traffic1", "accepted", {}), (0.5, "traffic1", "contacting", {"contact_result": "reached"}),
        (0.8, "traffic1", "resolved", {"outcome": "moved_by_owner"}), (3, "officer1", "verified", {}))),
    (17, "officer5", "illegal_parking", "浙FD20931", (
        (0.3, "traffic2", "accepted", {}),
        (1.5, "traffic2", "resolved", {"outcome": "ticketed", "ticket_number": "3304021000012871"}),
        (5, "officer5", "verified", {}))),
    (15, "officer1", "abandoned_vehicle", "浙F7K203", (
        (8, "traffic1", "accepted", {}), (30, "traffic1", "resolved", {"outcome": "towed"}),
        (50, "officer1", "verified", {}))),
    (12, "officer6", "illegal_parking", REPEAT_PLATE, (
        (0.2, "traffic2", "accepted", {}), (0.6, "traffic2", "resolved", {"outcome": "moved_by_owner"}),
        (2, "officer6", "verified", {}))),
    (9, "officer6", "illegal_parking", REPEAT_PLATE, (
        (0.4, "traffic1", "accepted", {}), (1.2, "traffic1", "resolved", {"outcome": "moved_by_owner"}),
        (4, "officer6", "verified", {}))),
    (6, "officer7", "illegal_parking", REPEAT_PLATE, (
        (0.3, "traffic2", "accepted", {}), (0.9, "traffic2", "resolved", {"outcome": "not_found"}),
        (3, "officer7", "reopened", {"reason": "车辆仍停在消防通道，请再次处理"}), (3.5, "traffic2", "accepted", {}),
        (5, "traffic2", "resolved", {"outcome": "ticketed", "ticket_number": "3304021000013390"}))),
    (4, "officer2", "illegal_parking", "浙F52K88", (
        (0.1, "squadlead1", "assigned", {"assignee_id": "traffic1"}), (0.4, "traffic1", "accepted", {}),
        (0.5, "traffic2", "accepted", {}), (0.8, "traffic1", "contacting", {"contact_result": "unreachable"}))),
    (3, "officer5", "traffic_facility", "", (
        (0.5, "traffic2", "accepted", {}), (2, "traffic2", "resolved", {"outcome": "not_traffic"}))),
    (2, "officer7", "illegal_parking", REPEAT_PLATE, ()),
    (1, "officer2", "abandoned_vehicle", "浙F0M615", ((2, "officer2", "withdrawn", {"reason": "车主已自行开走"}),)),
    (0.05, "officer1", "illegal_parking", "浙F9A276", ()),
)
"""(days ago, reporter, kind, plate, steps: (hours after the report, who, event, details))."""
NOTED = {REPEAT_PLATE: ("白", "大众朗逸"), "浙F8H330": ("灰", "五菱宏光"), "浙F7K203": ("银", "别克凯越"),
         "浙F12345": ("黑", "丰田卡罗拉")}
"""The colour and make reporters noted of some cars, which their vehicle files keep (一车一档)."""


class TrafficDemo(Handhelds):
    def __init__(self, session: Session, rng: Random, now: datetime, people: dict[str, Person]) -> None:
        super().__init__(session, rng, now)
        self.people = people

    def build(self, counts: dict[str, int]) -> None:
        squad_name, station = org.TRAFFIC_SQUAD
        squad = TrafficSquad(id=uuid.uuid4(), name=squad_name)
        self.session.add(squad)
        for room in self.session.scalars(select(Room).join(Station).where(Station.name == station)):
            room.squad_id = squad.id
        demo_hash = hash_demo_password(org.DEMO_PASSWORD)
        for username, name, role in org.TRAFFIC:
            self.people[username] = create_person(self.session, actor_id=None, username=username, display_name=name,
                                                  role=role, squad_id=squad.id, demo_password_hash=demo_hash)
            counts["people"] = counts.get("people", 0) + 1
        for days_ago, reporter, kind, plate, steps in ORDERS:
            reported = self.now - timedelta(days=days_ago)
            order_id = self.report(reporter, kind, plate, reported)
            for hours, username, event, details in steps:
                at = reported + timedelta(hours=hours)
                if "assignee_id" in details:
                    details = {**details, "assignee_id": str(self.people[details["assignee_id"]].id)}
                self.step(username, order_id, event, at, details)
            counts["work orders"] = counts.get("work orders", 0) + 1

    def report(self, username: str, kind: str, plate: str, at: datetime) -> str:
        officer = self.people[username]
        order_id = str(self.uuid())
        self.send(officer, at, "work_order", order_id, {
            "room_id": str(officer.room_id), "officer_id": str(officer.id), "kind": kind, "plate": plate,
            "address": f"嘉兴市南湖区{self.rng.choice(STREETS)}{self.rng.randint(1, 400)}号",
            "reported_at": at.astimezone(CHINA).isoformat(),
            "vehicle_colour": NOTED.get(plate, ("", ""))[0], "vehicle_make": NOTED.get(plate, ("", ""))[1],
            "note": "占用消防通道" if kind == "illegal_parking" else "",
            "urgency": "urgent" if kind == "illegal_parking" and self.rng.random() < 0.3 else "normal"})
        return order_id

    def step(self, username: str, order_id: str, kind: str, at: datetime, details: dict[str, Any]) -> None:
        person = self.people[username]
        self.send(person, at, "work_order_event", str(self.uuid()), {
            "work_order_id": order_id, "kind": kind, "actor_id": str(person.id), "actor_role": person.role,
            "at": at.astimezone(CHINA).isoformat(), **details})
