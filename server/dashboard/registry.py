"""The rental registry on the dashboard (出租房屋, 流动人口): per room, what a chief watches, always masked.

The registry page sums each room up (houses, current residents, arrivals and departures per week,
houses not verified for 90 days, foreigners registered late, "moved?" registrations, permit
applications waiting) and lists its houses; a house's page is its history. Names, document
numbers and phones are masked everywhere; a chief reveals one record at a time with a reason,
which is audited before the page shows it (``server.operations.personal_data``). The export is
masked too, and audited. The admin's access page lists every search, reveal and export.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from server.access import current_device, current_person, current_scope
from server.dashboard import bp
from server.dashboard.auth import page
from server.dashboard.present import station_time, station_today, station_zone, word
from server.dashboard.reports import csv_lines
from server.extensions import db
from server.ledger import record_audit
from server.models import AuditEntry, Occupant, Person, RentalHouse, ResidencePermit, Room
from server.operations.personal_data import reveal
from server.refusals import invalid
from server.syncing.wire import MAPPING_OF_MODEL, MAPPINGS
from server.transaction import writes
from sync import clock
from sync.registry import is_open, masked, registered_late

UNVERIFIED_AFTER = timedelta(days=90)
"""A house whose registrations no officer has verified for this long is listed for a visit."""
WEEKS = 8
PERSONAL_ACTIONS = ("personal.search", "personal.reveal", "personal.export")
PENDING = ("applied", "accepted")


class RevealForm(Schema):
    reason = fields.Str(required=True, validate=validate.Length(4, 300))


reveal_form = RevealForm()


@dataclass
class Resident:
    """One registration as a list shows it: its record's wire data with the personal fields masked."""

    record: Occupant
    shown: dict[str, Any]

    @property
    def open(self) -> bool:
        return is_open(self.shown)

    @property
    def late(self) -> bool:
        return registered_late(self.shown)


@dataclass
class HouseRow:
    house: RentalHouse
    shown: dict[str, Any]
    residents: list[Resident] = field(default_factory=list)

    @property
    def unverified(self) -> bool:
        verified = self.house.last_verified_at
        return verified is None or clock.now() - verified > UNVERIFIED_AFTER


@dataclass
class RoomRegistry:
    room: Room
    houses: list[HouseRow]
    weeks: list[tuple[str, int, int]]
    """(week starting, arrivals, departures), newest last."""
    pending_permits: int

    @property
    def residents(self) -> list[Resident]:
        return [resident for house in self.houses for resident in house.residents]

    @property
    def current(self) -> int:
        return sum(1 for resident in self.residents if resident.open)

    @property
    def unverified(self) -> list[HouseRow]:
        return [house for house in self.houses if house.unverified and house.house.status != "closed"]

    @property
    def late(self) -> list[Resident]:
        return [resident for resident in self.residents if resident.late]

    @property
    def moved_query(self) -> list[Resident]:
        return [resident for resident in self.residents if resident.open and resident.shown["superseded_at"]]


def shown(record: Any) -> dict[str, Any]:
    mapping = MAPPING_OF_MODEL[type(record)]
    return masked(mapping.sealed, mapping.wire_of(record))


def house_rows(houses: list[RentalHouse]) -> list[HouseRow]:
    rows = {house.id: HouseRow(house, shown(house)) for house in houses}
    occupants = db.session.scalars(current_scope().select(Occupant).where(
        Occupant.house_id.in_(list(rows)), Occupant.deleted.is_(False)).order_by(Occupant.arrived_at_utc))
    for occupant in occupants:
        rows[occupant.house_id].residents.append(Resident(occupant, shown(occupant)))
    return list(rows.values())


def weekly(residents: list[Resident]) -> list[tuple[str, int, int]]:
    """Arrivals and departures in each of the last ``WEEKS`` weeks (Monday to Sunday, station time)."""
    today = station_today()
    first = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    counts = {first + timedelta(weeks=n): [0, 0] for n in range(WEEKS)}
    for resident in residents:
        for index, moment in enumerate((resident.record.arrived_at, resident.record.moved_out_at)):
            if moment is None:
                continue
            day = moment.astimezone(station_zone()).date()
            start = day - timedelta(days=day.weekday())
            if start in counts:
                counts[start][index] += 1
    return [(start.isoformat(), arrived, left) for start, (arrived, left) in counts.items()]


def room_registries(room_id: uuid.UUID | None) -> list[RoomRegistry]:
    """Each room's registry in scope, or one room's."""
    in_scope = current_scope().select(RentalHouse).where(RentalHouse.deleted.is_(False)).order_by(RentalHouse.address)
    if room_id is not None:
        in_scope = in_scope.where(RentalHouse.room_id == room_id)
    houses = db.session.scalars(in_scope).all()
    rooms = {room.id: room for room in db.session.scalars(select(Room).where(
        Room.id.in_({house.room_id for house in houses})).order_by(Room.name))}
    pending: dict[uuid.UUID, int] = dict(db.session.execute(
        select(ResidencePermit.room_id, func.count()).where(current_scope().where(ResidencePermit),
                                                               ResidencePermit.status.in_(PENDING),
                                                               ResidencePermit.deleted.is_(False))
        .group_by(ResidencePermit.room_id)).all())
    registries = []
    for room in rooms.values():
        rows = house_rows([house for house in houses if house.room_id == room.id])
        registry = RoomRegistry(room, rows, [], pending.get(room.id, 0))
        registry.weeks = weekly(registry.residents)
        registries.append(registry)
    return registries


@bp.route("/registry")
@page("chief", "admin")
def registry() -> str:
    room_id = _room_filter()
    return render_template("dashboard/registry.html", registries=room_registries(room_id), room_id=room_id)


def _room_filter() -> uuid.UUID | None:
    try:
        return uuid.UUID(request.args["room"]) if request.args.get("room") else None
    except ValueError:
        return None


def house_page(house_id: uuid.UUID, revealed: dict[str, Any] | None = None, status: int = 200,
               **errors: Any) -> tuple[str, int]:
    house = current_scope().get(db.session(), RentalHouse, house_id)
    row, = house_rows([house])
    permits = db.session.scalars(select(ResidencePermit).where(
        ResidencePermit.occupant_id.in_([resident.record.id for resident in row.residents]),
        ResidencePermit.deleted.is_(False)).order_by(ResidencePermit.applied_at_utc)).all()
    names = {resident.record.id: resident.shown["full_name"] for resident in row.residents}
    officers = dict(db.session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_({house.officer_id} | {resident.record.officer_id for resident in row.residents}))).all())
    return render_template("dashboard/house.html", row=row, room=db.session.get(Room, house.room_id),
                           permits=[(permit, names.get(permit.occupant_id, "")) for permit in permits],
                           officers=officers, revealed=revealed or {}, errors=errors,
                           typed=request.form), status


@bp.route("/registry/houses/<id:house_id>")
@page("chief", "admin")
def house(house_id: uuid.UUID) -> tuple[str, int]:
    return house_page(house_id)


@bp.route("/registry/houses/<id:house_id>/reveal/<any(rental_house,occupant):record_type>/<id:record_id>",
          methods=["POST"])
@page("chief")
def reveal_record(house_id: uuid.UUID, record_type: str, record_id: uuid.UUID) -> tuple[str, int]:
    """One record's personal data on this page, for a stated reason; audited before it is shown, never kept."""
    try:
        reason = reveal_form.load({"reason": request.form.get("reason", "").strip()})["reason"]
    except ValidationError:
        return house_page(house_id, status=422, reveal=str(record_id))
    model = MAPPINGS[record_type].model
    if record_type == "occupant" and db.session.scalar(select(Occupant.house_id).where(
            Occupant.id == record_id)) != house_id:
        raise invalid({"record_id": ["Not a registration of this house."]})
    personal = reveal(db.session(), current_scope(), model, record_id, reason, actor_id=current_person().id,
                      device_id=current_device().id)
    return house_page(house_id, revealed={str(record_id): {**personal, "reason": reason}})


@bp.route("/registry.csv")
@writes
@page("chief", "admin")
def registry_csv() -> Response:
    """Every registration in scope (or in one room), masked, for a spreadsheet; the export is audited.

    The rows are made before the response is sent: the request's session ends before a stream would.
    """
    room_id = _room_filter()
    registries = room_registries(room_id)
    record_audit(db.session(), "personal.export", actor_id=current_person().id, device_id=current_device().id,
                 details={"room_id": room_id and str(room_id), "rows": sum(len(r.residents) for r in registries),
                          "masked": True})
    name = f"beatlog-registry-{station_today().isoformat()}.csv"
    rows = list(registry_rows(registries))
    return Response(csv_lines(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def registry_rows(registries: list[RoomRegistry]) -> Iterator[list[Any]]:
    yield ["ID", _("Room"), _("Address"), _("Room or bed"), _("Full name"), _("Kind of document"),
           _("Document number"), _("Nationality"), _("Phone"), _("Place of household registration"), _("Moved in"),
           _("Registered"), _("Moved out"), _("Registered late"), _("Moved?")]
    for registry in registries:
        for house in registry.houses:
            for resident in house.residents:
                data = resident.shown
                yield [resident.record.id, registry.room.name, house.house.address, data["unit"], data["full_name"],
                       word("document_kind", data["document_kind"]), data["document_number"], data["nationality"],
                       data["phone"], data["household_place"], station_time(resident.record.arrived_at),
                       station_time(resident.record.registered_at), station_time(resident.record.moved_out_at),
                       _("Yes") if resident.late else "",
                       _("Yes") if resident.open and data["superseded_at"] else ""]


@bp.route("/personal-access")
@page("admin")
def personal_access() -> str:
    """Who searched, revealed or exported residents' personal data: when, whose and why (newest first)."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(PERSONAL_ACTIONS))
                                 .order_by(AuditEntry.id.desc()).limit(500)).all()
    people = dict(db.session.execute(select(Person.id, Person.display_name).where(
        Person.id.in_({entry.actor_id for entry in entries if entry.actor_id}))).all())
    houses = _whose(entries)
    return render_template("dashboard/personal_access.html", entries=entries, people=people, houses=houses)


def _whose(entries: Sequence[AuditEntry]) -> dict[uuid.UUID, RentalHouse]:
    """Each revealed record's house (a house is its own), to name whose data it was without showing it."""
    revealed = [entry.record_id for entry in entries if entry.record_id is not None]
    occupants = dict(db.session.execute(select(Occupant.id, Occupant.house_id).where(
        Occupant.id.in_(revealed))).all())
    houses = {house.id: house for house in db.session.scalars(select(RentalHouse).where(
        RentalHouse.id.in_(set(revealed) | set(occupants.values()))))}
    return {record_id: houses[occupants.get(record_id, record_id)] for record_id in revealed
            if occupants.get(record_id, record_id) in houses}
