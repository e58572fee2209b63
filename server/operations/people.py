"""Creating and changing people: officers, chiefs and admins."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.ledger import lock_ledger, record_audit
from server.models import AccessToken, Person, Room, Station, TrafficSquad
from server.models.base import utcnow
from server.operations.moves import placed, position_of
from server.operations.planning import hand_back
from server.operations.records import locked
from server.passwords import hash_new_password
from server.refusals import Kind, Refused, invalid
from server.syncing.change import write_record
from sync.rules import TRAFFIC_ROLES

PLACEMENT_FIELDS = ("role", "room_id", "station_id")


def _invalid(fields: Mapping[str, str]) -> Refused:
    return invalid({name: [message] for name, message in fields.items()})


def placement(
    session: Session, role: str, room_id: uuid.UUID | None, station_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Check where a person of ``role`` sits and return their (room, station).

    An officer sits in a room and so in its station; a chief sits in a station; an admin
    sits above both.
    """
    if role == "officer":
        if room_id is None:
            raise _invalid({"room_id": "An officer belongs to a police room."})
        room = session.get(Room, room_id)
        if room is None or room.deleted:
            raise _invalid({"room_id": f"No police room with id {room_id}."})
        if station_id is not None and station_id != room.station_id:
            raise _invalid({"station_id": "An officer's station is the station of their room."})
        return room.id, room.station_id
    if role == "chief":
        if room_id is not None:
            raise _invalid({"room_id": "A station chief belongs to a station, not a room."})
        if station_id is None or session.get(Station, station_id) is None:
            raise _invalid({"station_id": "A station chief belongs to an existing station."})
        return None, station_id
    if room_id is not None or station_id is not None:
        raise _invalid({"role": f"A {role.replace('_', ' ')} belongs to no room or station."})
    return None, None


def squad_placement(session: Session, role: str, squad_id: uuid.UUID | None) -> uuid.UUID | None:
    """Check the squad of a person of ``role``: traffic police belong to one, nobody else does."""
    if role not in TRAFFIC_ROLES:
        if squad_id is not None:
            raise _invalid({"squad_id": "Only traffic police belong to a traffic squad."})
        return None
    if squad_id is None or session.get(TrafficSquad, squad_id) is None:
        raise _invalid({"squad_id": "Traffic police belong to an existing traffic squad."})
    return squad_id


def create_person(
    session: Session,
    *,
    actor_id: uuid.UUID | None,
    username: str,
    display_name: str,
    role: str,
    password: str = "",
    demo_password_hash: str | None = None,
    room_id: uuid.UUID | None = None,
    station_id: uuid.UUID | None = None,
    squad_id: uuid.UUID | None = None,
    star_level: int = 0,
    person_id: uuid.UUID | None = None,
) -> Person:
    """Create a person who can sign in with ``password``, which the password policy must accept.

    Only the demo loader passes ``demo_password_hash`` instead (``passwords.hash_demo_password``):
    the demo's documented weak password is the one password that skips the policy.
    """
    username = username.lower()
    lock_ledger(session)
    if session.scalars(select(Person.id).where(Person.username == username)).first():
        raise Refused("username_taken", f"The username {username!r} is taken.", {"username": ["Taken."]},
                      kind=Kind.CONFLICT)
    password_hash = demo_password_hash or hash_new_password(password, username)
    room_id, station_id = placement(session, role, room_id, station_id)
    squad_id = squad_placement(session, role, squad_id)
    person = Person(
        id=person_id or uuid.uuid4(),
        username=username,
        display_name=display_name,
        role=role,
        room_id=room_id,
        station_id=station_id,
        squad_id=squad_id,
        star_level=star_level,
        password_hash=password_hash,
        password_changed_at=utcnow(),
    )
    write_record(session, person, "create", actor_id=actor_id, details={"username": username, "role": role})
    placed(session, person, None)
    return person


def update_person(
    session: Session, person_id: uuid.UUID, changes: Mapping[str, Any], *, actor_id: uuid.UUID | None
) -> Person:
    """Apply ``changes`` (display name, role, room, station, stars, active) to the person."""
    person = locked(session, Person, person_id)
    changes = dict(changes)
    was = position_of(person)
    if actor_id == person.id and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        raise Refused("cannot_demote_self", "You cannot disable yourself or give up your own role.",
                      kind=Kind.CONFLICT)
    if any(name in changes for name in PLACEMENT_FIELDS):
        role = changes.get("role", person.role)
        if (role in TRAFFIC_ROLES) != (person.role in TRAFFIC_ROLES):
            raise Refused("role_fixed", "Traffic police and community police are separate accounts: a role does "
                          "not change between them.", {"role": ["Cannot change between these roles."]},
                          kind=Kind.CONFLICT)
        room_id = changes.get("room_id", person.room_id if role == "officer" else None)
        station_id = changes.get("station_id", None if role == "officer" else person.station_id)
        if role == "admin":
            room_id = station_id = None
        changes["room_id"], changes["station_id"] = placement(session, role, room_id, station_id)
        changes["role"] = role
    changed = {name: [_plain(getattr(person, name)), _plain(value)] for name, value in changes.items()
               if _plain(getattr(person, name)) != _plain(value)}
    if not changed:
        return person
    if changes.get("active") is False:
        revoke_tokens(session, person.id)
    write_record(session, person, "update", {name: changes[name] for name in changed}, actor_id=actor_id,
                 details={"changed": changed})
    placed(session, person, was)
    if "active" in changed and not person.active:
        hand_back(session, person, "disabled", actor_id=actor_id)
    elif "room_id" in changed or "role" in changed:
        hand_back(session, person, "moved", actor_id=actor_id)
    return person


def set_password(session: Session, person_id: uuid.UUID, password: str, *, actor_id: uuid.UUID | None) -> None:
    """Set a new password the policy accepts; every token the person holds stops working."""
    person = locked(session, Person, person_id)
    person.password_hash = hash_new_password(password, person.username)
    person.password_changed_at = utcnow()
    revoke_tokens(session, person.id)
    record_audit(session, "person.password_set", actor_id=actor_id, record_type="person", record_id=person.id)


def revoke_tokens(session: Session, person_id: uuid.UUID) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.person_id == person_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
