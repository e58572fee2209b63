"""A small organisation for tests: two stations, three rooms, people of every role.

Station A has rooms A1 and A2, station B has room B1. Each room has a hotel venue with one
submitted inspection and one case follow-up, the inspection with a photo (``room_photo``)
its officer uploaded. Traffic squad S covers A1 and A2 (two traffic officers and a leader),
squad T covers B1; each room has a work order its officer reported, routed to its squad, on
plate 浙F12345 in station A and 浙F67890 in station B, whose vehicle files are ``vehicles["A"]``
and ``vehicles["B"]``. Each room has a rental house with a registered resident (``RESIDENTS``)
who applied for a residence permit. Everyone signs in on a device of their own.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    ChecklistTemplate,
    Followup,
    Inspection,
    Occupant,
    RentalHouse,
    ResidencePermit,
    Room,
    Station,
    SyncConflict,
    TrafficSquad,
    Vehicle,
    Venue,
    WorkOrder,
    WorkOrderEvent,
)
from server.operations.blobs import store_blob
from server.operations.devices import DeviceInfo, sign_in
from server.operations.people import create_person
from server.operations.vehicles import file_plates
from server.syncing.change import write_record
from sync import clock

PASSWORD = "secret-pass"
CHINA = timezone(timedelta(hours=8))

PEOPLE = {
    "admin": ("admin", None, None),
    "chief_a": ("chief", None, "A"),
    "chief_b": ("chief", None, "B"),
    "officer_a1": ("officer", "A1", None),
    "officer_a1b": ("officer", "A1", None),
    "officer_a2": ("officer", "A2", None),
    "officer_b1": ("officer", "B1", None),
    "traffic_s1": ("traffic", None, None),
    "traffic_s2": ("traffic", None, None),
    "lead_s": ("squad_lead", None, None),
    "traffic_t": ("traffic", None, None),
}
ROOMS = {"A1": "A", "A2": "A", "B1": "B"}
SQUADS = {"S": ("A1", "A2"), "T": ("B1",)}
PLATES = {"A": "浙F12345", "B": "浙F67890"}
SQUAD_OF = {"traffic_s1": "S", "traffic_s2": "S", "lead_s": "S", "traffic_t": "T"}


def room_photo(room: str) -> bytes:
    """The photo the officer of ``room`` took of its hotel: a small JPEG in a colour of the room's own."""
    out = io.BytesIO()
    Image.new("RGB", (48, 32), tuple(hashlib.sha256(room.encode()).digest()[:3])).save(out, "JPEG")
    return out.getvalue()


@dataclass
class World:
    stations: dict[str, uuid.UUID] = field(default_factory=dict)
    rooms: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, uuid.UUID] = field(default_factory=dict)
    venues: dict[str, uuid.UUID] = field(default_factory=dict)
    inspections: dict[str, uuid.UUID] = field(default_factory=dict)
    followups: dict[str, uuid.UUID] = field(default_factory=dict)
    squads: dict[str, uuid.UUID] = field(default_factory=dict)
    work_orders: dict[str, uuid.UUID] = field(default_factory=dict)
    devices: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    photos: dict[str, str] = field(default_factory=dict)
    template: uuid.UUID | None = None
    conflict: uuid.UUID | None = None
    order_event: uuid.UUID | None = None
    vehicles: dict[str, uuid.UUID] = field(default_factory=dict)
    houses: dict[str, uuid.UUID] = field(default_factory=dict)
    occupants: dict[str, uuid.UUID] = field(default_factory=dict)
    permits: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def build_world(session: Session) -> World:
    world = World()
    for name in ("A", "B"):
        station = Station(id=uuid.uuid4(), name=f"Station {name}")
        session.add(station)
        world.stations[name] = station.id
    for name, station in ROOMS.items():
        room = write_record(session, Room(station_id=world.stations[station], name=f"Room {name}"), "create",
                            actor_id=None)
        world.rooms[name] = room.id
    for name, rooms in SQUADS.items():
        squad = TrafficSquad(id=uuid.uuid4(), name=f"Squad {name}")
        session.add(squad)
        world.squads[name] = squad.id
        for room in rooms:
            session.get_one(Room, world.rooms[room]).squad_id = squad.id
    template = ChecklistTemplate(
        venue_kind="hotel",
        title_zh="旅馆检查",
        title_en="Hotel inspection",
        items=[{"key": "register", "label_zh": "登记", "label_en": "Register"}],
    )
    world.template = write_record(session, template, "create", actor_id=None).id
    for username, (role, room, station) in PEOPLE.items():
        person = create_person(
            session,
            actor_id=None,
            username=username,
            display_name=username.replace("_", " ").title(),
            role=role,
            password=PASSWORD,
            room_id=world.rooms[room] if room else None,
            station_id=world.stations[station] if station else None,
            squad_id=world.squads[SQUAD_OF[username]] if username in SQUAD_OF else None,
        )
        world.people[username] = person.id
    for room in ROOMS:
        officer = world.people[{"A1": "officer_a1", "A2": "officer_a2", "B1": "officer_b1"}[room]]
        photo = room_photo(room)
        world.photos[room] = hashlib.sha256(photo).hexdigest()
        store_blob(session, world.photos[room], photo, "image/jpeg", officer)
        add_fieldwork(session, world, room, officer)
        add_registry(session, world, room, officer)
    file_plates(session, PLATES.values(), actor_id=None)
    world.vehicles = {station: session.scalars(select(Vehicle.id).where(Vehicle.plate == plate)).one()
                      for station, plate in PLATES.items()}
    for username in PEOPLE:
        device_id = uuid.uuid4()
        signed = sign_in(session, username, PASSWORD, DeviceInfo(device_id, f"{username}'s phone"), "127.0.0.1")
        world.devices[username] = device_id
        world.tokens[username] = signed.token
    world.conflict = add_conflict(session, world)
    world.order_event = add_order_event(session, world)
    session.commit()
    return world


def add_fieldwork(session: Session, world: World, room: str, officer_id: uuid.UUID) -> None:
    venue = Venue(room_id=world.rooms[room], name=f"Hotel in {room}", kind="hotel", address=f"{room} Road 1")
    write_record(session, venue, "create", actor_id=officer_id)
    inspection = Inspection(
        venue_id=venue.id,
        room_id=venue.room_id,
        officer_id=officer_id,
        template_id=world.template,
        template_version=1,
        checklist={"register": {"result": "pass", "note": ""}},
        photo_hashes=[world.photos[room]],
        status="submitted",
    )
    inspection.inspected_at = datetime.combine(clock.today(CHINA) - timedelta(days=12), time(10, 30), CHINA)
    write_record(session, inspection, "create", actor_id=officer_id)
    followup = Followup(
        venue_id=venue.id,
        room_id=venue.room_id,
        officer_id=officer_id,
        subject_kind="case",
        case_number=f"A-{room}",
        due_date=clock.today(CHINA) + timedelta(days=7),
    )
    write_record(session, followup, "create", actor_id=officer_id)
    order = WorkOrder(room_id=venue.room_id, officer_id=officer_id, kind="illegal_parking", plate=PLATES[ROOMS[room]],
                      address=f"{room} Road 2", squad_id=world.squads["T" if room == "B1" else "S"],
                      status="dispatched", dispatched_at=clock.now())
    order.reported_at = datetime.combine(clock.today(CHINA) - timedelta(days=1), time(9, 0), CHINA)
    write_record(session, order, "create", actor_id=officer_id)
    world.venues[room] = venue.id
    world.inspections[room] = inspection.id
    world.followups[room] = followup.id
    world.work_orders[room] = order.id


RESIDENTS = {"A1": ("测试甲", "330402199001011230"), "A2": ("测试乙", "330402198505050028"),
             "B1": ("测试丙", "330411199212120011")}
"""Each room's registered resident: a name and a synthetic resident ID (valid check digit, fictional)."""


def add_registry(session: Session, world: World, room: str, officer_id: uuid.UUID) -> None:
    """A let house in the room, its landlord and one resident registered a week ago, who applied for a permit."""
    house = RentalHouse(room_id=world.rooms[room], officer_id=officer_id, address=f"{room} Lane 3",
                        landlord_name=f"房东{room}", landlord_phone="13900000000", units=["101", "102"])
    write_record(session, house, "create", actor_id=officer_id)
    session.flush()
    name, number = RESIDENTS[room]
    arrived = datetime.combine(clock.today(CHINA) - timedelta(days=7), time(9, 0), CHINA)
    occupant = Occupant(house_id=house.id, room_id=house.room_id, officer_id=officer_id, unit="101", full_name=name,
                        document_kind="resident_id", document_number=number, phone="13800001234")
    occupant.arrived_at = arrived
    occupant.registered_at = arrived + timedelta(hours=3)
    write_record(session, occupant, "create", actor_id=officer_id)
    session.flush()
    permit = ResidencePermit(occupant_id=occupant.id, room_id=house.room_id, officer_id=officer_id)
    permit.applied_at = arrived + timedelta(hours=3)
    write_record(session, permit, "create", actor_id=officer_id)
    world.houses[room], world.occupants[room], world.permits[room] = house.id, occupant.id, permit.id


def add_order_event(session: Session, world: World) -> uuid.UUID:
    """Traffic officer S1's acceptance of room A1's work order (the order's fold is not rewritten)."""
    event = WorkOrderEvent(work_order_id=world.work_orders["A1"], room_id=world.rooms["A1"], squad_id=world.squads["S"],
                           kind="accepted", actor_id=world.people["traffic_s1"], actor_role="traffic", position=1)
    event.at = clock.now().astimezone(CHINA)
    return write_record(session, event, "create", actor_id=world.people["traffic_s1"]).id


def add_conflict(session: Session, world: World) -> uuid.UUID:
    """An open conflict over the name of the hotel in A1, as officer A1b's device left it."""
    conflict = SyncConflict(
        record_type="venue",
        record_id=world.venues["A1"],
        room_id=world.rooms["A1"],
        mutation_id=uuid.uuid4(),
        device_id=world.devices["officer_a1b"],
        person_id=world.people["officer_a1b"],
        reason="field_conflict",
        base_version=1,
        server_version=1,
        fields={"name": {"base": "Old name", "server": "Hotel in A1", "device": "Hotel A1"}},
    )
    session.add(conflict)
    session.flush()
    return conflict.id
