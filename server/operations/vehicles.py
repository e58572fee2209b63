"""Vehicle files (一车一档): one server-written record per plate, folded from the orders naming it.

A report that names a plate, or changes the plate, colour or make it names, rewrites the
files of the plates concerned in the same transaction (``file_plates``; the push calls it once
per batch, after its writes, so the orders it reads include the batch's). A file whose plate
no order names any more (its only report's plate was a typo, corrected) is deleted, and comes
back if the plate is reported again. Who sees a file follows the orders: anyone who sees an
order naming the plate (``server.access.Scope``). A file is never placed anywhere, so when a
report stops naming a plate, everyone who could see that report is sent a ``left_scope``
tombstone of the plate's file, unless they still see it through another order (``Left``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from server.models import Person, Room, ScopeExit, Vehicle, WorkOrder
from server.operations.moves import exit_row
from server.operations.records import locked
from server.syncing.change import write_record
from sync.vehicles import Sighting, vehicle_file

NOTED = frozenset({"plate", "vehicle_colour", "vehicle_make"})
"""The report fields a vehicle file is folded from (a report's time never changes)."""


@dataclass(frozen=True)
class Left:
    """A report that stopped naming ``plate``: the room it was reported in and the squad it went to."""

    plate: str
    room_id: uuid.UUID
    squad_id: uuid.UUID | None


def file_plates(session: Session, plates: Iterable[str], *, actor_id: uuid.UUID | None,
                device_id: uuid.UUID | None = None, now: datetime | None = None, key: bytes | None = None,
                again: bool = False, left: Iterable[Left] = ()) -> None:
    """Bring the files of these plates up to date with the orders naming them (the caller holds the ledger lock).

    ``again`` writes a new version even of a file that did not change, so that devices which
    have just come to see an order naming the plate (its room was given to their squad) are sent it.
    ``left`` are reports that stopped naming a plate (whose file is among ``plates``).
    """
    how: dict[str, Any] = {"actor_id": actor_id, "device_id": device_id, "now": now, "key": key}
    for plate in sorted({plate for plate in plates if plate}):
        sightings = reports_of(session, plate)
        vehicle_id = session.scalar(select(Vehicle.id).where(Vehicle.plate == plate))
        if vehicle_id is None:
            if sightings:
                write_record(session, Vehicle(), "file", wire_values(plate, sightings), **how)
            continue
        vehicle = locked(session, Vehicle, vehicle_id)
        if not sightings:
            if not vehicle.deleted:
                write_record(session, vehicle, "delete", deleted=True, **how)
            continue
        values = wire_values(plate, sightings)
        changed = {name: value for name, value in values.items() if getattr(vehicle, name) != value}
        if changed or vehicle.deleted or again:
            write_record(session, vehicle, "file", changed, deleted=False, **how)
    for report in left:
        leave(session, report, actor_id)


def refile_report(session: Session, before: Mapping[str, Any], order: WorkOrder, *, actor_id: uuid.UUID | None,
                  device_id: uuid.UUID | None = None) -> None:
    """After a report was changed outside a push (an admin's resolution of its conflict): its plates' files."""
    if all(before.get(name) == getattr(order, name) for name in NOTED):
        return
    old = before.get("plate") or ""
    left = [Left(old, order.room_id, order.squad_id)] if old and old != order.plate else []
    file_plates(session, {old, order.plate}, actor_id=actor_id, device_id=device_id, left=left)


def leave(session: Session, report: Left, actor_id: uuid.UUID | None) -> None:
    """Address the plate's file's tombstone to everyone who saw the report (the pull sends it only to
    those who no longer see the file)."""
    vehicle = session.scalars(select(Vehicle).where(Vehicle.plate == report.plate)).one_or_none()
    if vehicle is None:
        return
    station_id = session.scalar(select(Room.station_id).where(Room.id == report.room_id))
    saw = or_(and_(Person.role == "officer", Person.room_id == report.room_id),
              and_(Person.role == "chief", Person.station_id == station_id))
    if report.squad_id is not None:
        saw = or_(saw, Person.squad_id == report.squad_id)
    for person_id in session.scalars(select(Person.id).where(saw)):
        session.add(ScopeExit(**exit_row("vehicle", vehicle.id, vehicle.version, vehicle.seq, vehicle.updated_at,
                                         actor_id, person_id=person_id)))


def reports_of(session: Session, plate: str, since: datetime | None = None) -> list[Sighting]:
    """The orders naming ``plate`` (reported since ``since``), each at the time its device gave, or when
    the server received it if that is earlier: a phone whose clock runs years ahead cannot make its
    report the plate's latest, nor keep it out of the repeat window."""
    statement = select(WorkOrder.reported_at_utc, WorkOrder.created_at, WorkOrder.vehicle_colour,
                       WorkOrder.vehicle_make).where(WorkOrder.plate == plate, WorkOrder.deleted.is_(False))
    if since is not None:
        statement = statement.where(WorkOrder.reported_at_utc >= since)
    return [Sighting(min(row.reported_at_utc, row.created_at), row.vehicle_colour, row.vehicle_make)
            for row in session.execute(statement)]


def wire_values(plate: str, sightings: list[Sighting]) -> dict[str, object]:
    """The file's field values; its recent report times as the UTC text every stored time takes."""
    values = vehicle_file(plate, sightings)
    values["recent_reports"] = [moment.astimezone(UTC).isoformat() for moment in values["recent_reports"]]
    return values
