"""Pull: the changes after an opaque cursor, in commit order, within the caller's scope.

Every synced record carries ``seq``, the position of its latest change in commit order
(see ``server.ledger``). A page reads the ledger's committed ``seq`` first and never
returns anything above it, so a change committed late by a slow transaction cannot be
skipped: it either has a sequence number below the watermark and is visible, or above it
and is left for the next page.

A cursor is in one of four phases:

``full``
    Everything in scope, type by type, up to a watermark; the first page says ``reset``
    so the device can drop what it is not sent again. Used for a first sync, a cursor
    from another database (``epoch``), or one older than the purged tombstones.
``leave`` then ``enter``
    After the caller's scope changed (an officer moved to another room): tombstones,
    marked ``left_scope``, for every record that left the scope, then every record that
    entered it; then ``live`` resumes where it was.
``live``
    Changes after ``seq``, all types merged in sequence order, with the ``left_scope``
    tombstones of records that moved out of the scope since (``scope_exit``).

A page says ``has_more: false`` only when its cursor has reached the watermark it read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from server.access import Scope
from server.database import as_utf8, read_utf8, utf8
from server.ledger import LEDGER_ROW
from server.models import Ledger, ScopeExit
from server.replica import require_replayed
from server.syncing.cursor import PULL_ORDER, Cursor
from server.syncing.wire import MAPPINGS, WireMapping, left_scope_entry, wire_json
from sync.protocol import fields_unknown_to, types_unknown_to
from sync.records import RECORD_TYPES


def scope_key(scope: Scope, schema_version: int) -> dict[str, Any]:
    """The scope a cursor was issued for; ``squad`` only for traffic police and ``schema`` only from
    version 4 on (the types sent depend on it), so earlier cursors stay valid."""
    key = {
        "person": str(scope.person_id),
        "role": scope.role,
        "station": scope.station_id and str(scope.station_id),
        "rooms": None if scope.room_ids is None else sorted(str(room) for room in scope.room_ids),
    }
    if scope.squad_id is not None:
        key["squad"] = str(scope.squad_id)
    if schema_version >= SCHEMA_KEYED_FROM:
        key["schema"] = schema_version
    return key


SCHEMA_KEYED_FROM = 4
"""From this schema version on a cursor's scope names its version: an app updated to one that is sent
more types (the rental registry) gets them in an enter phase, as if its scope had grown."""


def sends(name: str, role: str, schema_version: int) -> bool:
    """Whether a device of ``role`` speaking ``schema_version`` is sent records of this type (in its scope)."""
    return RECORD_TYPES[name].reaches(role) and name not in types_unknown_to(schema_version)


def schema_of(key: dict[str, Any]) -> int:
    return int(key.get("schema", SCHEMA_KEYED_FROM - 1))


def scope_from_key(key: dict[str, Any]) -> Scope:
    rooms = key["rooms"]
    return Scope(
        person_id=uuid.UUID(key["person"]),
        role=key["role"],
        station_id=uuid.UUID(key["station"]) if key["station"] else None,
        room_ids=None if rooms is None else frozenset(uuid.UUID(room) for room in rooms),
        squad_id=uuid.UUID(key["squad"]) if key.get("squad") else None,
    )


@dataclass
class Page:
    """A page of changes, each the UTF-8 JSON text of one change as stored: the body is joined from them
    without parsing or decoding any."""

    changes: list[bytes] = field(default_factory=list)
    cursor: str = ""
    has_more: bool = False
    reset: bool = False

    def body(self, server_time: str) -> bytes:
        ending = (f'],"cursor":{json.dumps(self.cursor)},"has_more":{_bool(self.has_more)},'
                  f'"reset":{_bool(self.reset)},"server_time":"{server_time}"}}')
        return b"".join((b'{"changes":[', b",".join(self.changes), ending.encode()))


def _bool(value: bool) -> str:
    return "true" if value else "false"


class Puller:
    def __init__(self, session: Session, scope: Scope, schema_version: int) -> None:
        self.session = session
        self.scope = scope
        self.unknown_fields = fields_unknown_to(schema_version)
        self.schema_version = schema_version

    def page(self, raw_cursor: str, limit: int, *, not_before: int | None = None) -> Page:
        """The page after ``raw_cursor``; read on a standby, ``not_before`` is the device's own latest write.

        There the page must not be older than that write nor than the cursor: if the standby's
        ledger has not reached both (or is of another epoch), ``StandbyBehind`` is raised and
        the primary answers instead.
        """
        ledger = self.session.get_one(Ledger, LEDGER_ROW)
        key = scope_key(self.scope, self.schema_version)
        cursor, reset = self.start(raw_cursor, ledger, key, not_before)
        page = Page(reset=reset)
        while len(page.changes) < limit:
            if cursor.phase == "live":
                self.live(cursor, page, limit, ledger.seq)
                break
            self.phase_step(cursor, page, limit)
        # The last page carries everything up to the watermark read above: a resync (or a scope
        # change) that ends on a full page hands back a cursor below it, so there is more to send.
        page.has_more = page.has_more or cursor.phase != "live" or cursor.seq < ledger.seq
        page.cursor = cursor.encode(self.scope.person_id)
        return page

    def start(self, raw_cursor: str, ledger: Ledger, key: dict[str, Any],
              not_before: int | None = None) -> tuple[Cursor, bool]:
        def full() -> tuple[Cursor, bool]:
            return Cursor(ledger.epoch, 0, key, phase="full", high=ledger.seq), True

        cursor = Cursor.decode(raw_cursor, self.scope.person_id) if raw_cursor else None
        if not_before is not None:
            require_replayed(ledger, cursor, not_before)
        if cursor is None:
            return full()
        if cursor.epoch != ledger.epoch or (cursor.phase == "live" and cursor.seq < ledger.purged_seq):
            return full()
        if cursor.scope != key:
            if cursor.phase != "live":
                return full()
            return Cursor(ledger.epoch, cursor.seq, key, phase="leave", high=ledger.seq, previous=cursor.scope), False
        return cursor, False

    def phase_step(self, cursor: Cursor, page: Page, limit: int) -> None:
        """Take rows of the current type of a full/leave/enter phase; move on when it runs out."""
        mapping = MAPPINGS[PULL_ORDER[cursor.type_index]]
        wanted = limit - len(page.changes)
        condition = self.phase_condition(cursor, mapping)
        if cursor.phase == "leave":
            rows = self.session.execute(leaving_statement(mapping, condition, cursor.after_id, wanted + 1)).all()
            for row in rows[:wanted]:
                page.changes.append(left_scope_entry(mapping.name, row.id, row.version, row.updated_at,
                                                     row.updated_by).encode())
                cursor.after_id = str(row.id)
        else:
            # What entered the scope and changed since the cursor comes in the live phase that
            # follows; the enter phase sends only what is older, so no record comes twice.
            upper = cursor.seq if cursor.phase == "enter" else cursor.high
            rows = read_utf8(self.session.connection(),
                             self.statement(mapping, condition, cursor.after, upper, wanted + 1))
            taken = rows[:wanted]
            page.changes += self.entries(mapping, [row.wire for row in taken])
            if taken:
                cursor.after = taken[-1].seq
        if len(rows) > wanted:
            return
        cursor.after, cursor.after_id = 0, ""
        cursor.type_index += 1
        if cursor.type_index == len(PULL_ORDER):
            self.next_phase(cursor)

    def phase_condition(self, cursor: Cursor, mapping: WireMapping) -> ColumnElement[bool]:
        """Which rows of a type a full, leave or enter phase takes.

        A type the device was not sent before (a role or an app version that is not sent it) enters
        whole; a type it is no longer sent leaves whole, as if its place had gone from the scope.
        """
        model = mapping.model
        sent = sends(mapping.name, self.scope.role, self.schema_version)
        if cursor.phase == "full":
            return and_(self.scope.where(model), model.deleted.is_(False)) if sent else false()
        previous = scope_from_key(cursor.previous)  # type: ignore[arg-type]
        sent_before = sends(mapping.name, previous.role, schema_of(cursor.previous))  # type: ignore[arg-type]
        if cursor.phase == "leave" and not sent:
            if not sent_before:
                return false()
            return or_(previous.where(model), left_since(previous, mapping.name, cursor.seq))
        if cursor.phase == "enter" and not sent_before:
            return and_(self.scope.where(model), model.deleted.is_(False)) if sent else false()
        if not (sent and sent_before):
            return false()
        if cursor.phase == "leave":
            # A record that left a place the new scope also covers since the cursor gets its
            # tombstone in the live phase that follows; sending it here too would send it twice.
            return and_(or_(previous.where(model), left_since(previous, mapping.name, cursor.seq)),
                        not_(self.scope.where(model)), not_(left_since(self.scope, mapping.name, cursor.seq)))
        return and_(self.scope.where(model), not_(previous.where(model)), model.deleted.is_(False))

    def next_phase(self, cursor: Cursor) -> None:
        cursor.type_index = 0
        if cursor.phase == "leave":
            cursor.phase = "enter"
            return
        if cursor.phase == "full":
            cursor.seq = cursor.high
        cursor.phase = "live"
        cursor.previous = None

    def live(self, cursor: Cursor, page: Page, limit: int, high: int) -> None:
        """All types' changes after the cursor in one query, merged in sequence order.

        A cursor at the watermark has nothing in (cursor, high] to send: the no-op round a
        device makes every few minutes then costs no query beyond the ledger row.
        """
        if cursor.seq >= high:
            return
        wanted = limit - len(page.changes)
        parameters = {**self.scope.bind_values(), "after": cursor.seq, "high": high, "wanted": wanted + 1}
        rows = read_utf8(self.session.connection(), live_statement(self.scope.role, self.schema_version), parameters)
        if len(rows) > wanted:
            page.has_more = True
            rows = rows[:wanted]
        for row in rows:
            if row.left:
                page.changes.append(as_utf8(row.wire))
            else:
                page.changes += self.entries(MAPPINGS[PULL_ORDER[row.type_index]], [row.wire])
        if rows:
            cursor.seq = rows[-1].seq
        if not page.has_more:
            cursor.seq = max(cursor.seq, high)

    @staticmethod
    def statement(mapping: WireMapping, condition: ColumnElement[bool], after: Any, high: Any, limit: Any) -> Select:
        """Rows in ``(after, high]`` in sequence order, with their stored entries."""
        table = mapping.model
        return (
            select(table.seq, utf8(table.wire).label("wire"))
            .where(condition, table.seq > after, table.seq <= high)
            .order_by(table.seq)
            .limit(limit)
        )

    def entries(self, mapping: WireMapping, stored: list[Any]) -> list[bytes]:
        """Stored changes as the device's schema version reads them: without the fields it does not know."""
        if mapping.sealed:
            stored = [mapping.entry(as_utf8(wire).decode()) for wire in stored]
        unknown = self.unknown_fields.get(mapping.name)
        if not unknown:
            return [as_utf8(wire) for wire in stored]
        return [wire_json(without(json.loads(wire), unknown)).encode() for wire in stored]


def without(change: dict[str, Any], unknown: set[str]) -> dict[str, Any]:
    change["data"] = {name: value for name, value in change["data"].items() if name not in unknown}
    return change


def leaving_statement(mapping: WireMapping, condition: ColumnElement[bool], after_id: str, limit: int) -> Select:
    """Rows after ``after_id`` in id order, whatever their sequence number, with their envelopes.

    The leave phase pages by id, not by ``seq``: a record that changes while the phase runs
    keeps its place, so it is not skipped (it would not come back in the live phase, which
    only looks at the new scope).
    """
    table = mapping.model
    after = table.id > uuid.UUID(after_id) if after_id else true()
    return (
        select(table.seq, table.id, table.version, table.updated_at, table.updated_by)
        .where(condition, after)
        .order_by(table.id)
        .limit(limit)
    )


MOVABLE = tuple(name for name, mapping in MAPPINGS.items()
                if mapping.room_field not in (None, "id") or mapping.record_type.seen_with)
"""The types whose records can leave a scope while it stays the same (see ``server.operations.moves``):
those whose room is a field that can change, or their parent's, and those seen with another record
(``server.operations.vehicles``)."""


@cache
def live_statement(role: str, schema_version: int) -> Select:
    """The live-phase query for a role, built once: every type's changes in (after, high], merged.

    Besides the records' own changes it takes, from ``scope_exit``, the tombstones of records
    that left a place this scope covers (or were addressed to this person) and are not in
    the scope now; an admin sees everything, so nothing leaves an admin's scope.
    """
    scope = Scope.parametric(role)
    after: BindParameter[int] = bindparam("after")
    high: BindParameter[int] = bindparam("high")
    wanted: BindParameter[int] = bindparam("wanted")
    branches = [
        Puller.statement(MAPPINGS[name], scope.where(MAPPINGS[name].model), after, high, wanted)
        .add_columns(literal(index).label("type_index"), literal(0).label("left"))
        for index, name in enumerate(PULL_ORDER) if sends(name, role, schema_version)
    ]
    if not scope.everything:
        branches += [exits_statement(scope, name, after, high, wanted) for name in MOVABLE
                     if sends(name, role, schema_version)]
    merged = union_all(*(select(branch.subquery()) for branch in branches)).subquery()
    return select(merged).order_by(merged.c.seq).limit(wanted)


def seen_before_exit(scope: Scope, model: type) -> ColumnElement[bool]:
    """Whether a ``scope_exit`` row left a place ``scope`` covers, or was addressed to its person."""
    return or_(scope.where(model, ScopeExit), ScopeExit.person_id == scope.person_id)


def left_since(previous: Scope, name: str, seq: int) -> ColumnElement[bool]:
    """Whether a record left a place of the ``previous`` scope after ``seq``.

    A device whose scope changed may still hold a record that was in its old scope when it
    last pulled and has moved on since to a place neither scope covers: the leave phase
    must send it a tombstone too, since the live phase looks only at the new scope.
    """
    if name not in MOVABLE:
        return false()
    model = MAPPINGS[name].model
    return exists().where(ScopeExit.record_type == name, ScopeExit.record_id == model.id, ScopeExit.seq > seq,
                          seen_before_exit(previous, model))


def exits_statement(scope: Scope, name: str, after: Any, high: Any, limit: Any) -> Select:
    """Tombstones of ``name`` records that left this scope in (after, high]."""
    model = MAPPINGS[name].model
    was_seen = seen_before_exit(scope, model)
    return (
        select(ScopeExit.seq, utf8(ScopeExit.wire).label("wire"), literal(PULL_ORDER.index(name)).label("type_index"),
               literal(1).label("left"))
        .join(model, model.id == ScopeExit.record_id)
        .where(ScopeExit.record_type == name, ScopeExit.seq > after, ScopeExit.seq <= high, was_seen,
               not_(scope.where(model)))
        .order_by(ScopeExit.seq)
        .limit(limit)
    )
