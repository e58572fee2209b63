"""Who is asking, and what they may see: enforced here for every endpoint.

Each view declares its policy with ``@allow(...)`` (roles) or ``@public``; a hook before
every request authenticates the bearer token, checks the role and builds the caller's
``Scope``. An endpoint that declares nothing is refused, so a forgotten policy fails
closed. Views never filter by room or station themselves: they ask the scope.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from flask import session as browser_session
from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import Session, joinedload

from server import requestlog
from server.errors import ApiError
from server.models import (
    AccessToken,
    Device,
    Person,
    Room,
    Station,
)
from server.models.base import utcnow
from server.refusals import not_found
from server.syncing.wire import MAPPING_OF_MODEL, MAPPINGS
from sync.rules import ROLES, TRAFFIC_ROLES

View = TypeVar("View", bound=Callable[..., Any])

__all__ = ["ROLES", "TRAFFIC_ROLES", "Scope", "allow", "public"]
EXEMPT_ENDPOINTS = frozenset({"static", "api-docs.openapi_json", "dashboard.static"})
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def allow(*roles: str) -> Callable[[View], View]:
    """Let these roles call the view; everyone else gets 403."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def declare(view: View) -> View:
        view.access_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return declare


def signed_in_by_cookie(view: View) -> View:
    """The dashboard's pages: the sign-in comes from the signed session cookie's session id."""
    view.signed_in_by_cookie = True  # type: ignore[attr-defined]
    return view


def public(view: View) -> View:
    """Let anyone call the view, signed in or not."""
    view.access_roles = None  # type: ignore[attr-defined]
    return view


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Scope:
    """The records a person may see: an officer their room, a chief their station, an admin all.

    Traffic police see no room's records: only what is routed to their squad (``squad_id``:
    work orders and their events, by ``RecordType.squad_field``) and their squad's people.

    A scope holds values, or (``Scope.parametric``) bound parameters standing for them, so a
    hot query can be built once per role and run with ``bind_values()``.
    """

    person_id: Any
    role: str
    station_id: Any
    room_ids: Any
    squad_id: Any = None

    @classmethod
    def of(cls, session: Session, person: Person) -> Scope:
        if person.role == "admin":
            return cls.unlimited(person.id)
        if person.role in TRAFFIC_ROLES:
            return cls(person.id, person.role, None, frozenset(), person.squad_id)
        if person.role == "chief":
            rooms = frozenset(session.scalars(select(Room.id).where(Room.station_id == person.station_id)))
            return cls(person.id, person.role, person.station_id, rooms)
        rooms = frozenset([person.room_id]) if person.room_id else frozenset()
        return cls(person.id, person.role, person.station_id, rooms)

    @classmethod
    def unlimited(cls, person_id: uuid.UUID | None = None) -> Scope:
        """An administrator's scope (the command line's too): every record."""
        return cls(person_id, "admin", None, None)

    @classmethod
    def parametric(cls, role: str) -> Scope:
        rooms: BindParameter[list[uuid.UUID]] | None = (
            None if role == "admin" else bindparam("scope_rooms", expanding=True))
        squad: BindParameter[uuid.UUID] | None = bindparam("scope_squad") if role in TRAFFIC_ROLES else None
        return cls(bindparam("scope_person"), role, bindparam("scope_station"), rooms, squad)

    def bind_values(self) -> dict[str, Any]:
        return {"scope_person": self.person_id, "scope_station": self.station_id,
                "scope_rooms": sorted(self.room_ids or ()), "scope_squad": self.squad_id}

    @property
    def everything(self) -> bool:
        return self.room_ids is None

    def covers_room(self, room_id: uuid.UUID | None) -> bool:
        return self.room_ids is None or room_id in self.room_ids

    def covers(self, room_id: uuid.UUID | None, squad_id: uuid.UUID | None) -> bool:
        """Whether a record in this room, routed to this squad (None: to none), is in the scope."""
        return self.covers_room(room_id) or (squad_id is not None and squad_id == self.squad_id)

    def _rooms(self, column: Any) -> ColumnElement[bool]:
        """``column`` is one of the scope's rooms: true or false, never NULL (a chief has no room)."""
        if self.room_ids is None:
            return true()
        if isinstance(self.room_ids, BindParameter):
            return column.is_not(None) & column.in_(self.room_ids)
        return (column.is_not(None) & column.in_(self.room_ids)) if self.room_ids else false()

    def _station(self, column: Any) -> ColumnElement[bool]:
        """``column`` is the scope's station: true or false, never NULL (an admin has no station)."""
        return column.is_not(None) & (column == self.station_id)

    def where(self, model: type, position: Any = None) -> ColumnElement[bool]:
        """The condition selecting the rows of ``model`` this scope may see.

        A synced record is seen in the rooms its declaration places it (``RecordType``: its
        room, its parent's, or everywhere); a person also by the chiefs of their station.

        ``position`` (a table with ``room_id``, ``station_id`` and ``role`` columns, such as
        ``scope_exit``) applies the same rule to a place a record was in rather than to its row.
        Conditions are two-valued, so ``not_`` of one selects exactly the rows it does not.
        A record addressed to one person (``RecordType.addressee_field``, a notice) is seen by
        that person alone, an administrator included.
        """
        addressed = MAPPING_OF_MODEL.get(model)
        if addressed is not None and addressed.record_type.addressee_field is not None:
            if position is not None:
                return false()
            return self._person(getattr(model, addressed.record_type.addressee_field))
        if self.everything:
            return true()
        if model is Station:
            return false() if self.role in TRAFFIC_ROLES else Station.id == self.station_id
        at: Any = position if position is not None else model
        if model is Person and self.role in TRAFFIC_ROLES:
            return self._squad(at.squad_id) if position is None else false()
        if model is Person:
            if self.role == "chief":
                return self._station(at.station_id)
            return or_(self._rooms(at.room_id), (at.role == "chief") & self._station(at.station_id))
        if model is Device:
            if self.role == "chief":
                return Device.person_id.in_(select(Person.id).where(Person.station_id == self.station_id))
            return Device.person_id == self.person_id
        mapping = MAPPING_OF_MODEL.get(model)
        if mapping is None:
            raise LookupError(f"no scope rule for {model.__name__}")
        if mapping.record_type.station_field is not None:
            return self._stations_of_rooms(getattr(at, mapping.record_type.station_field)) if position is None \
                else false()
        seen_with = mapping.record_type.seen_with
        if seen_with is not None:
            return self._seen_with(model, *seen_with) if position is None else false()
        if position is not None and mapping.room_field == "id":
            raise ValueError(f"a {mapping.name} is its own place: it has no position to apply the rule to")
        in_rooms = self._rooms(getattr(at, mapping.room_field)) if mapping.room_field else true()
        if mapping.squad_field and self.role in TRAFFIC_ROLES and position is None:
            return or_(in_rooms, self._squad(getattr(at, mapping.squad_field)))
        return in_rooms

    def _seen_with(self, model: type, record_type: str, field: str) -> ColumnElement[bool]:
        """A record of ``model`` seen with another: one in scope of that type holds the same ``field``.

        Such a record (a vehicle file) is never placed, so no scope exit is recorded for it.
        """
        other: Any = MAPPINGS[record_type].model
        return exists().where(getattr(other, field) == getattr(model, field), other.deleted.is_(False),
                              self.where(other))

    def _stations_of_rooms(self, column: Any) -> ColumnElement[bool]:
        """``column`` is the station of one of the scope's rooms (an officer's room's, a chief's own)."""
        return column.in_(select(Room.station_id).where(self._rooms(Room.id)))

    def _person(self, column: Any) -> ColumnElement[bool]:
        """``column`` names the scope's person: true or false, never NULL (the command line has no person)."""
        return false() if self.person_id is None else column.is_not(None) & (column == self.person_id)

    def _squad(self, column: Any) -> ColumnElement[bool]:
        """``column`` is the scope's squad: true or false, never NULL."""
        return column.is_not(None) & (column == self.squad_id)

    def select(self, model: type) -> Select:
        return select(model).where(self.where(model))

    def get(self, session: Session, model: type[Any], record_id: uuid.UUID, *, fresh: bool = False) -> Any:
        """The record if it exists within scope; refused as not found otherwise, out of scope or not.

        ``fresh`` reads it from the database even if the session already holds a copy.
        """
        statement = self.select(model).where(model.id == record_id)
        if fresh:
            statement = statement.execution_options(populate_existing=True)
        record = session.scalars(statement).one_or_none()
        if record is None:
            label = getattr(model, "__tablename__", model.__name__).replace("_", " ")
            raise not_found(f"No {label} with id {record_id} in your scope.")
        return record


def current_scope() -> Scope:
    return g.scope


def current_token() -> AccessToken:
    return g.token


def current_person() -> Person:
    return g.person


def current_device() -> Device:
    return g.device


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": f'Bearer error="{code}"'})


def authenticate(session: Session, header: str | None) -> AccessToken:
    if not header:
        raise _unauthorized("auth_required", "Sign in first: send 'Authorization: Bearer <token>'.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("token_invalid", "The Authorization header is not 'Bearer <token>'.")
    return live_token(session, token_digest(token.strip()))


def browser_session_id(token: str) -> str:
    """What a dashboard browser keeps for its sign-in: the token's digest, never the token.

    The digest names the token's row server-side, in a cookie signed with ``SECRET_KEY``;
    read out of the cookie it opens nothing, as the API wants the token itself.
    """
    return token_digest(token)


def live_token(session: Session, digest: str) -> AccessToken:
    """The token with this digest, if it is still good: not revoked, expired or disabled."""
    found = session.scalars(TOKEN_LOOKUP, {"token_hash": digest}).one_or_none()
    if found is None:
        raise _unauthorized("token_invalid", "This token is not valid; sign in again.")
    if found.device.revoked:
        raise _unauthorized("device_revoked", "This device has been revoked; its data must be wiped.")
    if not found.person.active:
        raise _unauthorized("account_disabled", "This account is disabled; ask an administrator.")
    if found.revoked_at is not None or found.device.person_id != found.person_id:
        raise _unauthorized("token_invalid", "This token is not valid; sign in again.")
    if found.expires_at <= utcnow():
        raise _unauthorized("token_expired", "Your sign-in has expired; enter your password again.")
    return found


TOKEN_LOOKUP = (
    select(AccessToken)
    .options(joinedload(AccessToken.device), joinedload(AccessToken.person))
    .where(AccessToken.token_hash == bindparam("token_hash"))
)


def init_app(app: Flask) -> None:
    app.before_request(enforce_policy)


def enforce_policy() -> None:
    if request.endpoint is None or request.endpoint in EXEMPT_ENDPOINTS:
        return
    view = current_app.view_functions[request.endpoint]
    if not hasattr(view, "access_roles"):
        current_app.logger.error("endpoint %s declares no access policy", request.endpoint)
        raise ApiError(403, "forbidden", "This endpoint declares no access policy.")
    roles = view.access_roles
    if roles is None:
        return
    session = current_app.extensions["sqlalchemy"].session
    header = request.headers.get("Authorization")
    if header is None and getattr(view, "signed_in_by_cookie", False) and browser_session.get("session_id"):
        token = live_token(session, browser_session["session_id"])
    else:
        token = authenticate(session, header)
    if token.person.role not in roles:
        raise ApiError(403, "forbidden", f"A {token.person.role} may not do this.")
    g.token = token
    g.person = token.person
    g.device = token.device
    g.scope = Scope.of(session, token.person)
    requestlog.note(person_id=str(token.person_id), device_id=str(token.device_id))
    _note_seen(token.device)


def _note_seen(device: Device) -> None:
    """Keep ``last_seen_at`` roughly current without a write on every read."""
    if request.method in ("GET", "HEAD"):
        return
    now = utcnow()
    if now - device.last_seen_at >= LAST_SEEN_GRANULARITY:
        device.last_seen_at = now
        device.last_address = request.remote_addr or ""
