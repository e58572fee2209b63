"""Builds the demo: the organisation, venues, checklists, people and five weeks of work.

Everything goes through the same operations real changes use, so every demo record has a
version, a change sequence number and its audit entries. The data is drawn from a seeded
random generator: the same seed and day give the same demo.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Scope
from server.demo import catalog, org
from server.demo.images import scene_photo, signature
from server.demo.planning import PlanningDemo
from server.demo.registry import RegistryDemo
from server.demo.traffic import TrafficDemo
from server.models import ChecklistTemplate, Followup, Inspection, Person, Room, Station, Venue
from server.models.base import utcnow
from server.operations.blobs import store_blob
from server.operations.devices import DeviceInfo, sign_in
from server.operations.notices import notify
from server.operations.people import create_person
from server.passwords import hash_demo_password
from server.syncing.change import write_record
from server.syncing.mutations import Caller
from server.syncing.push import push
from server.syncing.wire import MAPPINGS
from sync.compiled import compile_schema
from sync.messages import PushRequest
from sync.protocol import SCHEMA_VERSION

CHINA = timezone(timedelta(hours=8))
DEMO_WEEKS = 5
PUSH_REQUEST = compile_schema(PushRequest)
PHOTO_SCENES = 24
Value = TypeVar("Value")


def known(value: Value | None) -> Value:
    """A value of a nullable column that the demo set itself (records from the field may lack it)."""
    if value is None:
        raise ValueError("the demo data lacks a value it set itself")
    return value


class DemoBuilder:
    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.today = now.astimezone(CHINA).date()
        self.stations: dict[str, Station] = {}
        self.rooms: dict[str, Room] = {}
        self.centres: dict[uuid.UUID, tuple[float, float]] = {}
        self.station_of_room: dict[uuid.UUID, uuid.UUID] = {}
        self.templates: dict[str, ChecklistTemplate] = {}
        self.people: dict[str, Person] = {}
        self.chief_of_station: dict[uuid.UUID, Person] = {}
        self.venues_of_room: dict[uuid.UUID, list[Venue]] = {}
        self.counts: dict[str, int] = {}

    def build(self) -> dict[str, int]:
        self.organisation()
        self.checklists()
        self.accounts()
        self.venues()
        for person in self.people.values():
            if person.role == "officer":
                self.officer_work(person)
        self.session.flush()
        self.conflicts_through_sync()
        traffic = TrafficDemo(self.session, self.rng, self.now, self.people)
        traffic.build(self.counts)
        RegistryDemo(self.session, self.rng, self.now, self.people, traffic.devices).build(self.counts)
        PlanningDemo(self.session, self.rng, self.now, self.people, traffic.devices).build(self.counts)
        return self.counts

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def organisation(self) -> None:
        for name, address, centre, rooms in org.STATIONS:
            station = Station(id=uuid.uuid4(), name=name, district="南湖区", address=address)
            self.session.add(station)
            self.stations[name] = station
            self.count("stations")
            for index, (room_name, brand, community) in enumerate(rooms):
                room = Room(
                    station_id=station.id,
                    name=room_name,
                    brand=brand,
                    community=community,
                    address=f"嘉兴市南湖区{community}{self.rng.choice(catalog.STREETS)}{self.rng.randint(1, 300)}号",
                )
                write_record(self.session, room, "create", actor_id=None)
                self.rooms[room_name] = room
                self.station_of_room[room.id] = station.id
                self.centres[room.id] = (centre[0] + 0.006 * index, centre[1] - 0.005 * index)
                self.count("rooms")

    def checklists(self) -> None:
        for kind, (title_zh, title_en, items) in catalog.CHECKLISTS.items():
            template = ChecklistTemplate(
                venue_kind=kind,
                title_zh=title_zh,
                title_en=title_en,
                items=[{"key": key, "label_zh": zh, "label_en": en} for key, zh, en in items],
            )
            self.templates[kind] = write_record(self.session, template, "create", actor_id=None)
            self.count("checklist templates")

    def accounts(self) -> None:
        entries: list[dict[str, Any]] = [
            {"username": username, "display_name": name, "role": "admin"} for username, name in org.ADMINS
        ]
        entries += [
            {"username": u, "display_name": n, "role": "chief", "station_id": self.stations[s].id}
            for u, n, s in org.CHIEFS
        ]
        entries += [
            {"username": u, "display_name": n, "role": "officer", "room_id": self.rooms[r].id, "star_level": stars}
            for u, n, r, stars in org.OFFICERS
        ]
        demo_hash = hash_demo_password(org.DEMO_PASSWORD)
        for entry in entries:
            person = create_person(self.session, actor_id=None, demo_password_hash=demo_hash, **entry)
            self.people[person.username] = person
            if person.role == "chief":
                self.chief_of_station[known(person.station_id)] = person
            self.count("people")

    def venues(self) -> None:
        kinds, weights = zip(*org.KIND_WEIGHTS.items(), strict=True)
        for room in self.rooms.values():
            total = org.VENUES_IN_DEMO_ROOM if room.name == org.DEMO_ROOM else org.VENUES_PER_ROOM
            chosen = list(kinds) + self.rng.choices(kinds, weights, k=total - len(kinds))
            taken: set[str] = set()
            self.venues_of_room[room.id] = [self.venue(room, kind, taken) for kind in chosen]

    def venue(self, room: Room, kind: str, taken: set[str]) -> Venue:
        prefixes, suffixes = catalog.VENUE_NAMES[kind]
        street = self.rng.choice(catalog.STREETS)
        name = self.rng.choice(prefixes) + self.rng.choice(suffixes)
        if name in taken:
            name = f"{name}（{street}店）"
        taken.add(name)
        lat, lon = self.centres[room.id]
        venue = Venue(
            room_id=room.id,
            name=name,
            kind=kind,
            address=f"嘉兴市南湖区{street}{self.rng.randint(1, 999)}号",
            responsible_person=self.rng.choice(catalog.SURNAMES) + self.rng.choice(catalog.GIVEN_NAMES),
            phone=self.phone(),
            location={
                "lat": round(lat + self.rng.uniform(-0.008, 0.008), 6),
                "lon": round(lon + self.rng.uniform(-0.008, 0.008), 6),
                "accuracy_m": 10.0,
                "mocked": False,
                "fixed_at": None,
            },
            risk_level=self.rng.choices(("low", "medium", "high"), org.RISK_WEIGHTS[kind])[0],
            notes="",
        )
        self.count("venues")
        return write_record(self.session, venue, "create", actor_id=None)

    def phone(self) -> str:
        if self.rng.random() < 0.3:
            return f"0573-8{self.rng.randint(0, 9999999):07d}"
        return f"1{self.rng.choice('3589')}{self.rng.randint(0, 999999999):09d}"

    def officer_work(self, officer: Person) -> None:
        busy = officer.username in ("officer1", "officer2")
        venues = self.venues_of_room[known(officer.room_id)]
        inspections = []
        for day in self.workdays():
            for _ in range(self.rng.choice((1, 2, 2, 3) if busy else (0, 1, 1, 2))):
                moment = datetime.combine(day, time(9), CHINA) + timedelta(minutes=self.rng.randint(0, 510))
                if moment < self.now:
                    inspections.append(self.inspection(officer, self.rng.choice(venues), moment))
        if busy:
            self.make_officer_examples(officer, inspections)
        for inspection in inspections:
            if inspection.rectification_required and inspection.status != "draft":
                self.recheck(inspection)
        for _ in range(self.rng.randint(4, 8)):
            self.case_revisit(officer, self.rng.choice(venues))

    def workdays(self) -> list[date]:
        first = self.today - timedelta(weeks=DEMO_WEEKS)
        days = (first + timedelta(days=offset) for offset in range((self.today - first).days + 1))
        return [day for day in days if day.weekday() < 5 or day == self.today]

    def inspection(self, officer: Person, venue: Venue, moment: datetime) -> Inspection:
        template = self.templates[venue.kind]
        failing = self.rng.choices((0, 0, 0, 0, 1, 1, 2, 3))[0]
        written = catalog.FAIL_FINDINGS[venue.kind]
        failed_keys = set(self.rng.sample([item["key"] for item in template.items if item["key"] in written], failing))
        notes = {key: written[key] for key in failed_keys}
        findings = [notes[item["key"]] for item in template.items if item["key"] in failed_keys]
        checklist = {
            item["key"]: {"result": "fail", "note": notes[item["key"]]}
            if item["key"] in failed_keys
            else {"result": "pass", "note": ""}
            for item in template.items
        }
        lat, lon = known(venue.location)["lat"], known(venue.location)["lon"]
        photos = [self.blob(scene_photo(self.rng.randrange(PHOTO_SCENES)), officer, "photos") for _ in failed_keys]
        inspection = Inspection(
            venue_id=venue.id,
            room_id=venue.room_id,
            officer_id=officer.id,
            template_id=template.id,
            template_version=template.version,
            checklist=checklist,
            findings="".join(findings),
            hazard_level=("none", "minor", "major", "severe")[failing],
            rectification_required=failing > 0,
            rectification_deadline=moment.date() + timedelta(days=7 * failing) if failing else None,
            location={
                "lat": round(lat + self.rng.uniform(-0.0002, 0.0002), 6),
                "lon": round(lon + self.rng.uniform(-0.0002, 0.0002), 6),
                "accuracy_m": float(self.rng.randint(4, 30)),
                "mocked": False,
                "fixed_at": moment.isoformat(),
            },
            photo_hashes=photos,
            photo_notes={photo: {"taken_at": moment.isoformat(), "caption": "", "mark": []} for photo in photos},
            signature_hash=self.blob(signature(venue.responsible_person), officer, "signatures"),
            signer_name=venue.responsible_person,
            status="submitted",
        )
        inspection.inspected_at = moment
        self.count("inspections")
        write_record(self.session, inspection, "create", actor_id=officer.id, now=self.received(moment))
        self.review_by_age(inspection)
        return inspection

    def blob(self, data: bytes, uploader: Person, counted_as: str) -> str:
        """Store a photo or signature as the officer's handheld would upload it."""
        sha256 = hashlib.sha256(data).hexdigest()
        if store_blob(self.session, sha256, data, "image/png", uploader.id):
            self.count(counted_as)
        return sha256

    def conflicts_through_sync(self) -> None:
        """Two officers of 枫杨 edit the same venue offline; one edits their own log after it was approved.

        Both go through the real push engine from the officers' handhelds, so the conflict
        queue holds what a real day would leave in it.
        """
        first, second = (self.people[name] for name in ("officer1", "officer2"))
        venue = self.venues_of_room[known(first.room_id)][1]
        approved = next(
            i for i in self.session.scalars(select(Inspection).where(Inspection.officer_id == second.id,
                                                                      Inspection.status == "approved"))
        )
        offline_edits = [
            self.handheld_edits(first, [("venue", venue, {"phone": "0573-82071234",
                                                          "notes": "负责人已更换，新号码已核实"})]),
            self.handheld_edits(second, [("venue", venue, {"phone": "0573-82079999"}),
                                         ("inspection", approved, {"findings": "补充：现场复查时消防通道已清理"})]),
        ]
        for officer, device_id, mutations in offline_edits:
            body = PUSH_REQUEST.load({"device_id": str(device_id), "schema_version": SCHEMA_VERSION,
                                      "mutations": mutations})
            caller = Caller(officer.id, device_id, Scope.of(self.session, officer))
            results = push(self.session, caller, body["mutations"])
            self.counts["open conflicts"] = self.counts.get("open conflicts", 0) + sum(
                result["status"] == "conflict" for result in results)

    def handheld_edits(
        self, officer: Person, changes: list[tuple[str, Any, dict[str, Any]]]
    ) -> tuple[Person, uuid.UUID, list[dict[str, Any]]]:
        """An officer's handheld, signed in, with edits made offline from the records as they are now."""
        device_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        sign_in(self.session, officer.username, org.DEMO_PASSWORD,
                DeviceInfo(device_id, f"{officer.display_name}的警务通", platform="android", app_version="1.0.0",
                           schema_version=SCHEMA_VERSION), "127.0.0.1")
        mutations = []
        for record_type, record, data in changes:
            current = MAPPINGS[record_type].wire_of(record)
            mutations.append({"mutation_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                              "type": record_type, "id": str(record.id), "op": "update",
                              "base_version": record.version, "data": data,
                              "base": {name: current[name] for name in data}})
        return officer, device_id, mutations

    def received(self, moment: datetime, hours: float = 1.0) -> datetime:
        """When the server got something the device did at ``moment``: soon after, never later than now."""
        return min(moment + timedelta(minutes=self.rng.randint(5, int(60 * hours))), self.now)

    def review_by_age(self, inspection: Inspection) -> None:
        age = (self.today - known(inspection.inspected_at).date()).days
        roll = self.rng.random()
        if age >= 5:
            if roll < 0.12:
                self.review(inspection, "returned")
                self.resubmit(inspection)
            self.review(inspection, "approved")
        elif age >= 1 and roll < 0.3:
            self.review(inspection, "approved")
        elif age >= 1 and roll < 0.4:
            self.review(inspection, "returned")
            self.resubmit(inspection)

    def review(self, inspection: Inspection, decision: str) -> None:
        """A chief's decision, written as ``review_inspection`` writes one."""
        chief = self.chief_of_station[self.station_of_room[inspection.room_id]]
        at = self.received(inspection.updated_at, hours=30)
        comment = self.rng.choice(catalog.RETURN_COMMENTS) if decision == "returned" else ""
        review = {"status": decision, "reviewer_id": chief.id, "reviewed_at": at, "review_comment": comment}
        write_record(self.session, inspection, "review", review, actor_id=chief.id, now=at,
                     details={"decision": "approve" if decision == "approved" else "return", "comment": comment})
        if decision == "returned":
            notify(self.session, [inspection.officer_id], "log_returned", "inspection", inspection.id, comment,
                   actor_id=chief.id, at=at)

    def resubmit(self, inspection: Inspection) -> None:
        """The officer amends a returned log as the chief asked (a note, the findings, a new photo) and
        sends it again; the audit entry says what changed, as a push's does."""
        officer = next(person for person in self.people.values() if person.id == inspection.officer_id)
        checklist = {key: dict(answer) for key, answer in inspection.checklist.items()}
        failed = [key for key, answer in checklist.items() if answer["result"] == "fail"]
        if failed:
            checklist[failed[0]]["note"] += "已当场责令整改，补拍现场照片。"
        photo = self.blob(scene_photo(self.rng.randrange(PHOTO_SCENES)), officer, "photos")
        amended = {"status": "submitted", "checklist": checklist, "photo_hashes": [*inspection.photo_hashes, photo],
                   "findings": inspection.findings + "已按所领导意见补充说明。"}
        wire = MAPPINGS["inspection"].wire_of(inspection)
        changed_wire = MAPPINGS["inspection"].data.dump(amended)
        changed = {name: [wire.get(name), changed_wire[name]] for name in amended}
        write_record(self.session, inspection, "update", amended, actor_id=officer.id,
                     now=self.received(inspection.updated_at, 20), details={"changed": changed})

    def make_officer_examples(self, officer: Person, inspections: list[Inspection]) -> None:
        """Make sure the demo officers have returned logs to amend (drafts stay on phones: none here)."""
        earlier = [i for i in inspections if i.status == "submitted" and known(i.inspected_at).date() < self.today]
        for inspection in earlier[-2:]:
            self.review(inspection, "returned")

    def recheck(self, inspection: Inspection) -> None:
        due = known(inspection.rectification_deadline)
        followup = Followup(
            venue_id=inspection.venue_id,
            room_id=inspection.room_id,
            officer_id=inspection.officer_id,
            subject_kind="rectification",
            inspection_id=inspection.id,
            due_date=due,
            status="planned",
        )
        if due < self.today and self.rng.random() < 0.75:
            fixed = self.rng.random() < 0.85
            outcomes = catalog.RECHECK_OUTCOMES_FIXED if fixed else catalog.RECHECK_OUTCOMES_OPEN
            self.visit(followup, due - timedelta(days=self.rng.randint(0, 3)), self.rng.choice(outcomes))
            followup.rectified = fixed
        self.save_followup(followup, known(inspection.inspected_at))

    def case_revisit(self, officer: Person, venue: Venue) -> None:
        due = self.today + timedelta(days=self.rng.randint(-20, 10))
        followup = Followup(
            venue_id=venue.id,
            room_id=venue.room_id,
            officer_id=officer.id,
            subject_kind="case",
            case_number=f"A330402{due:%Y%m}{self.rng.randint(0, 99999):05d}",
            due_date=due,
            status="planned",
        )
        if due < self.today and self.rng.random() < 0.7:
            self.visit(followup, due - timedelta(days=self.rng.randint(0, 2)), self.rng.choice(catalog.CASE_OUTCOMES))
            followup.satisfaction = self.rng.choices(
                ("satisfied", "basically_satisfied", "dissatisfied"), (70, 22, 8)
            )[0]
        planned_at = datetime.combine(due - timedelta(days=14), time(10), CHINA)
        self.save_followup(followup, planned_at)

    def visit(self, followup: Followup, day: date, outcome: str) -> None:
        followup.status = "done"
        followup.outcome = outcome
        followup.visited_at = datetime.combine(day, time(9), CHINA) + timedelta(minutes=self.rng.randint(0, 480))

    def save_followup(self, followup: Followup, planned_at: datetime) -> None:
        moment = followup.visited_at or planned_at
        self.count("follow-ups")
        write_record(self.session, followup, "create", actor_id=followup.officer_id,
                     now=self.received(min(moment, self.now)))


def load_demo(session: Session, *, seed: int = 2018, now: datetime | None = None) -> dict[str, int]:
    """Add the demo data to an empty database; returns how many of each thing were made."""
    builder = DemoBuilder(session, random.Random(seed), now or utcnow())
    counts = builder.build()
    session.flush()
    return counts
