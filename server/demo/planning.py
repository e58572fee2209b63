"""The demo's planned work: 南湖派出所's inspection schedule and its chief's assignments, in every state.

The rules are 旅馆 monthly, 网吧 every two weeks and high-risk venues weekly; the upkeep's planning
then gives each of the station's venues its next scheduled inspection. The chief assigns work to
officer1 and officer2: open (one with the officer's comment), done (the officer recorded the
inspection on the phone), missed (its day passed), cancelled; and officer14, who then moved from
枫杨 to 中港, handed theirs back to the chief's queue. Each step is made the way the app makes it
(the chief's operations, the officers' handhelds, the upkeep's jobs), so notices wait on the
officers' phones and on the chief's dashboard.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.access import Scope
from server.demo import org
from server.demo.handhelds import Handhelds, clock_at
from server.models import Assignment, Inspection, Notice, Person, Room, ScheduleRule, Venue
from server.operations.notices import raise_notices
from server.operations.people import create_person, update_person
from server.operations.planning import assign, cancel, mark_missed, plan_inspections, save_rule
from server.passwords import hash_demo_password
from sync.planning import SUBMITTED

ZONE = ZoneInfo("Asia/Shanghai")
STATION = "南湖派出所"
RULES = (("hotel", None, 30), ("internet_cafe", None, 14), (None, "high", 7))
MOVER = ("officer14", "王志刚", "枫杨社区警务室", "中港警务室")
"""An officer of 枫杨 who moves to 中港 after being assigned work: it goes back to the chief."""


class PlanningDemo(Handhelds):
    def __init__(self, session: Session, rng: Random, now: datetime, people: dict[str, Person],
                 devices: dict[str, uuid.UUID]) -> None:
        super().__init__(session, rng, now, devices)
        self.people = people
        self.today = now.astimezone(ZONE).date()

    def build(self, counts: dict[str, int]) -> None:
        chief = self.people["chief1"]
        with clock_at(self.now):
            scope = Scope.of(self.session, chief)
            for kind, risk, days in RULES:
                save_rule(self.session, {"venue_kind": kind, "risk_level": risk, "interval_days": days,
                                         "starts_on": self.today - timedelta(days=30), "active": True},
                          scope=scope, actor_id=chief.id)
            plan_inspections(self.session, self.today, ZONE)
            self.assignments(chief, scope)
            mark_missed(self.session, self.today)
            plan_inspections(self.session, self.today, ZONE)
            raise_notices(self.session, {})
        for name, model in (("schedule_rules", ScheduleRule), ("assignments", Assignment), ("notices", Notice)):
            counts[name] = self.session.scalar(select(func.count()).select_from(model)) or 0

    def assignments(self, chief: Person, scope: Scope) -> None:
        first, second = self.people["officer1"], self.people["officer2"]
        venues = self.session.scalars(select(Venue).where(Venue.room_id == first.room_id, Venue.deleted.is_(False))
                                      .order_by(Venue.name)).all()

        def give(officer: Person, venue: Venue, due_in: int, note: str = "", **revisit: str) -> Assignment:
            kind = "case_revisit" if revisit else "inspection"
            return assign(self.session, {"officer_id": officer.id, "kind": kind, "venue_id": venue.id,
                                         "due_date": self.today + timedelta(days=due_in), "note": note, **revisit},
                          scope=scope, actor_id=chief.id)

        commented = give(first, venues[0], 2, "节前消防安全检查，重点看疏散通道")
        give(first, venues[1], 4, "回访报案人，了解处理结果满意度", case_number="A3304020202611000231",
             visit_whom="报案人赵女士")
        give(second, venues[2], 1, "上级通报同类场所隐患，请核查")
        give(first, venues[3], -3, "群众反映夜间噪声扰民")
        give(second, venues[4], -2, "回访盗窃案报案人", case_number="A3304020202610000187", visit_whom="失主钱先生")
        cancel(self.session, give(first, venues[6], 5, "重复派发").id, scope=scope, actor_id=chief.id)
        self.done_by_phone(second, give)
        said = self.now - timedelta(hours=2)
        self.send(first, said, "assignment", str(commented.id),
                  {"comment": "负责人出差，已约定后天上午检查", "commented_at": self.local(said)},
                  base_version=commented.version, base={"comment": "", "commented_at": None})
        self.handed_back(chief, scope, venues[7])

    def done_by_phone(self, officer: Person, give: Any) -> None:
        """A venue the chief assigned two days before the officer's latest inspection there; the officer's phone
        linked that inspection to the assignment when it was submitted."""
        latest = self.session.scalars(select(Inspection).where(
            Inspection.officer_id == officer.id, Inspection.status.in_(SUBMITTED), Inspection.deleted.is_(False))
            .order_by(Inspection.inspected_at_utc.desc())).first()
        if latest is None:
            return
        at: datetime = latest.inspected_at  # type: ignore[assignment]
        with clock_at(at - timedelta(days=2)):
            venue = self.session.get_one(Venue, latest.venue_id)
            assignment = give(officer, venue, (at.astimezone(ZONE).date() - self.today).days + 1, "新开业场所首次检查")
        self.send(officer, at, "assignment", str(assignment.id),
                  {"status": "done", "inspection_id": str(latest.id), "done_at": self.local(at)},
                  base_version=assignment.version, base={"status": "open", "inspection_id": None, "done_at": None})

    def handed_back(self, chief: Person, scope: Scope, venue: Venue) -> None:
        username, name, room, moved_to = MOVER
        rooms = {room.name: room for room in self.session.scalars(select(Room))}
        mover = create_person(self.session, actor_id=None, username=username, display_name=name, role="officer",
                              room_id=rooms[room].id, star_level=2,
                              demo_password_hash=hash_demo_password(org.DEMO_PASSWORD))
        self.people[username] = mover
        assign(self.session, {"officer_id": mover.id, "kind": "inspection", "venue_id": venue.id,
                              "due_date": self.today + timedelta(days=6), "note": "季度复查"},
               scope=Scope.of(self.session, chief), actor_id=chief.id)
        admin = self.people["admin"]
        update_person(self.session, mover.id, {"room_id": rooms[moved_to].id}, actor_id=admin.id)

    def local(self, moment: datetime) -> Any:
        return moment.astimezone(ZONE).isoformat()
