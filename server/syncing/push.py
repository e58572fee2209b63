"""Applying a batch of device mutations: idempotent, merged field by field, never half-applied.

A push is handled in three steps. Each mutation's data is first validated on its own,
without touching the database. Then, holding the ledger lock, the batch reads the current
state of every record it touches and decides each mutation in order against an in-memory
copy of that state, so a later mutation sees what an earlier one did. Only then is
everything written, in bulk. A mutation is decided whole: it is applied (possibly with some
fields left as a conflict), or refused whole; it is never half-applied.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.config import station_zone
from server.ledger import audit_key, audit_row, lock_ledger
from server.models import Person, QuarantinedMutation, SyncMutation
from server.models.base import utcnow
from server.operations.blobs import readable_hashes
from server.operations.moves import exit_row, served
from server.operations.vehicles import NOTED, file_plates
from server.refusals import Refused
from server.syncing.assignments import AssignedWork
from server.syncing.change import RecordState, Values, change
from server.syncing.dispatch import Dispatch
from server.syncing.maintenance import purged_among
from server.syncing.mutations import (
    Caller,
    Mutation,
    Outcome,
    check_ownership,
    field_errors,
    parse,
    prepare,
)
from server.syncing.notices import Tidings
from server.syncing.residents import DOCUMENT_FIELDS, Registrations, index_of, registered_with
from server.syncing.state import BatchWriter
from server.syncing.wire import MAPPINGS
from sync import protocol
from sync.merge import three_way
from sync.records import RECORD_TYPES

__all__ = ["Caller", "PushBatch", "push"]

QUARANTINE_FULL = "quarantine_full"


class PushBatch:
    def __init__(self, session: Session, caller: Caller) -> None:
        self.session = session
        self.caller = caller
        self.now: datetime = utcnow()
        self.writer = BatchWriter(session)
        self.records: dict[tuple[str, uuid.UUID], RecordState] = {}
        self.prior: dict[uuid.UUID, SyncMutation] = {}
        self.decided: dict[uuid.UUID, tuple[str, dict[str, Any]]] = {}
        self.audit_key = audit_key()
        self.officer_rooms: dict[uuid.UUID, uuid.UUID | None] = {}
        self.blobs: set[str] = set()
        self.service: dict[tuple[uuid.UUID, uuid.UUID, datetime], bool] = {}
        self.purged: set[tuple[str, uuid.UUID]] = set()
        self.quarantine_room: int | None = None
        self.turned_away: list[str] = []
        self.dispatch = Dispatch(session, self.now)
        self.registrations = Registrations(self.records, self.now)
        self.tidings = Tidings(caller.person_id)
        self.assigned = AssignedWork(session, self.records, station_zone(current_app.config))

    def run(self, envelopes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        mutations = [parse(envelope) for envelope in envelopes]
        validated = [prepare(mutation) for mutation in mutations]
        lock_ledger(self.session)
        self.load_state(mutations, validated)
        outcomes = [self.decide(mutation, values) for mutation, values in zip(mutations, validated, strict=True)]
        if self.turned_away:
            self.audit("sync.quarantine_full", details={"mutation_ids": self.turned_away})
        self.writer.write(self.records.values())
        file_plates(self.session, self.dispatch.plates, actor_id=self.caller.person_id,
                    device_id=self.caller.device_id, now=self.now, key=self.audit_key, left=self.dispatch.left)
        self.tidings.write(self.session)
        return [outcome.wire() for outcome in outcomes]

    def load_state(self, mutations: list[Mutation], validated: list[Values | Refused]) -> None:
        ids = [mutation.mutation_id for mutation in mutations]
        self.prior = {row.mutation_id: row for row in self.session.scalars(
            select(SyncMutation).where(SyncMutation.mutation_id.in_(ids)))}
        wanted: dict[str, set[uuid.UUID]] = {name: set() for name in MAPPINGS}
        officers: set[uuid.UUID] = set()
        hashes: set[str] = set()
        for mutation, values in zip(mutations, validated, strict=True):
            if isinstance(values, Values):  # a refused mutation (a read-only type, say) needs no state
                wanted[mutation.type].add(mutation.record_id)
                for name, referenced in RECORD_TYPES[mutation.type].references.items():
                    value = values.loaded.get(name)
                    if value is None:
                        continue
                    if referenced == "person":
                        officers.add(value)
                    elif RECORD_TYPES[referenced].device_writable:
                        wanted[referenced].add(value)
                hashes.update(RECORD_TYPES[mutation.type].blob_hashes(values.wire))
        for name, record_ids in wanted.items():
            if record_ids:
                for state in RecordState.load(self.session, MAPPINGS[name], record_ids):
                    self.records[(name, state.id)] = state
        self.load_registrations(mutations, validated)
        self.purged = purged_among(self.session, [mutation.key for mutation in mutations
                                                  if mutation.op == "create" and mutation.key not in self.records])
        if officers:
            self.officer_rooms = dict(self.session.execute(
                select(Person.id, Person.room_id).where(Person.id.in_(officers), Person.role == "officer")).all())
        self.blobs = readable_hashes(self.session, hashes, self.caller.scope)

    def load_registrations(self, mutations: list[Mutation], validated: list[Values | Refused]) -> None:
        """The registrations of the documents the batch's registrations name, wherever they are."""
        indexes: set[str | None] = set()
        for mutation, values in zip(mutations, validated, strict=True):
            if mutation.type == "occupant" and isinstance(values, Values):
                known = self.records.get(mutation.key)
                indexes.add(index_of({**(known.data if known else {}), **values.wire}))
        found = [record_id for record_id in registered_with(self.session, indexes)
                 if ("occupant", record_id) not in self.records]
        for state in RecordState.load(self.session, MAPPINGS["occupant"], found):
            self.records[("occupant", state.id)] = state

    def decide(self, mutation: Mutation, values: Values | Refused) -> Outcome:
        replay = self.replayed(mutation)
        if replay is not None:
            return replay
        try:
            if isinstance(values, Refused):
                raise values
            outcome = getattr(self, mutation.op)(mutation, values)
        except Refused as refusal:
            outcome = self.refuse(mutation, refusal)
        result = outcome.wire()
        self.decided[mutation.mutation_id] = (mutation.payload_hash, result)
        if remembered(outcome):
            self.writer.mutation_row(mutation, result, self.caller, self.now)
        return outcome

    def replayed(self, mutation: Mutation) -> Outcome | None:
        """The first answer again, for a mutation already decided (in an earlier push or this one)."""
        if mutation.mutation_id in self.decided:
            payload_hash, first_result = self.decided[mutation.mutation_id]
        elif mutation.mutation_id in self.prior:
            stored = self.prior[mutation.mutation_id]
            payload_hash, first_result = stored.payload_hash, stored.result
        else:
            return None
        if payload_hash != mutation.payload_hash:
            return Outcome(mutation.mutation_id, protocol.REJECTED, mutation.record_id, extra={
                "code": "mutation_id_reused",
                "message": "This mutation id was already used for a different change.",
                "errors": {"mutation_id": ["Already used for a different change."]},
                "retryable": False,
            })
        extra = {k: v for k, v in first_result.items() if k not in ("mutation_id", "status", "id", "version",
                                                                       "conflict_id")}
        conflict_id = first_result.get("conflict_id")
        return Outcome(
            mutation.mutation_id,
            protocol.DUPLICATE,
            mutation.record_id,
            version=first_result.get("version"),
            conflict_id=uuid.UUID(conflict_id) if conflict_id else None,
            extra={**extra, "first_status": first_result["status"]},
        )

    def refuse(self, mutation: Mutation, refusal: Refused) -> Outcome:
        """Refuse whole; a refusal for good is quarantined and audited, while the device's quota lasts."""
        if not refusal.retryable:
            if not self.claim_quarantine_slot():
                self.turned_away.append(str(mutation.mutation_id))
                refusal = Refused(QUARANTINE_FULL, "This device has too many refused changes waiting for an "
                                  "administrator; this one was not stored in quarantine. Keep it and ask an "
                                  "administrator to decide the waiting ones.")
            else:
                self.writer.quarantine(mutation, refusal, self.caller, self.now)
                self.tidings.refused(mutation.type, mutation.record_id, refusal.message)
                self.audit("sync.refused", record_type=mutation.type, record_id=mutation.record_id,
                           details={"mutation_id": str(mutation.mutation_id), "code": refusal.code})
        return Outcome(mutation.mutation_id, protocol.REJECTED, mutation.record_id, extra={
            "code": refusal.code, "message": refusal.message, "errors": refusal.fields,
            "retryable": refusal.retryable,
        })

    def claim_quarantine_slot(self) -> bool:
        """Take one of the device's quarantine slots; False when its open quarantined mutations fill the quota."""
        if self.quarantine_room is None:
            stored = self.session.scalar(select(func.count()).select_from(QuarantinedMutation).where(
                QuarantinedMutation.device_id == self.caller.device_id, QuarantinedMutation.status == "open"))
            self.quarantine_room = current_app.config["QUARANTINE_MAX_PER_DEVICE"] - (stored or 0)
        if self.quarantine_room <= 0:
            return False
        self.quarantine_room -= 1
        return True

    def audit(self, action: str, **entry: Any) -> None:
        self.writer.audit(audit_row(self.session, action, actor_id=self.caller.person_id,
                                    device_id=self.caller.device_id, at=self.now, key=self.audit_key, **entry))

    def create(self, mutation: Mutation, values: Values) -> Outcome:
        state = self.records.get(mutation.key)
        if state is not None:
            return self.update_existing(mutation, values, state, base={}, reason="exists")
        if mutation.key in self.purged:
            raise Refused("purged", f"This {mutation.type} was deleted and purged; its id is not used again.")
        room_id, squad_id = self.place_of(mutation.type, values.loaded)
        self.check_scope(mutation.type, room_id, squad_id, values.wire)
        check_ownership(self.caller, mutation.type, "create", None, values.wire)
        self.check_author(mutation.type, values.loaded, values.wire, room_id)
        self.check_same_parent(mutation.type, values.loaded)
        self.check_blobs(mutation.type, values.wire)
        order = None
        if mutation.type == "work_order":
            self.check_venue(values.loaded, room_id)
            values = self.dispatch.routed(values)
            squad_id = values.loaded["squad_id"]
        elif mutation.type == "work_order_event":
            order = self.records[("work_order", values.loaded["work_order_id"])]
            self.dispatch.check_step(self.caller.scope.role, order, values)
            values = self.dispatch.placed(order, values)
        earlier = self.registrations.open_elsewhere(mutation.record_id, values.wire) \
            if mutation.type == "occupant" else []
        if earlier:
            values = self.registrations.flagged(values)
        state = RecordState.new(MAPPINGS[mutation.type], mutation.record_id, room_id, squad_id)
        self.records[mutation.key] = state
        self.change(state, mutation, values, "create", {"mutation_id": str(mutation.mutation_id)})
        self.supersede(earlier, mutation)
        if order is not None:
            folded = self.dispatch.refolded(order, mutation.record_id, values.wire)
            if folded is not None:
                self.change(order, mutation, folded, "fold", {"mutation_id": str(mutation.mutation_id),
                                                              "event_id": str(mutation.record_id)})
        return Outcome(mutation.mutation_id, protocol.APPLIED, mutation.record_id, version=state.version)

    def update(self, mutation: Mutation, values: Values) -> Outcome:
        state = self.existing(mutation)
        if mutation.base_version is None or mutation.base_version > state.version:
            raise Refused("invalid", "The base version is not one this server issued.",
                          {"base_version": [f"Must be between 1 and {state.version}."]})
        return self.update_existing(mutation, values, state, base=mutation.base, reason="field_conflict")

    def update_existing(
        self, mutation: Mutation, values: Values, state: RecordState, base: dict[str, Any], reason: str
    ) -> Outcome:
        self.check_scope(mutation.type, state.room_id, state.squad_id, {**state.data, **values.wire})
        for name in RECORD_TYPES[mutation.type].immutable_fields & values.wire.keys():
            if values.wire[name] != state.data.get(name):
                raise Refused("immutable_field", f"{name} cannot change after the record is created.",
                              {name: ["Cannot change."]})
        check_ownership(self.caller, mutation.type, "change", state.data,
                        {name: value for name, value in values.wire.items() if value != state.data.get(name)})
        if mutation.type == "assignment":
            values = self.assigned.checked(self.caller, state, values)
        version_before = state.version
        if state.deleted or RECORD_TYPES[mutation.type].locked(state.data):
            differing = {k: v for k, v in values.wire.items() if state.data.get(k) != v}
            if not differing:
                return Outcome(mutation.mutation_id, protocol.APPLIED, mutation.record_id, version=state.version)
            conflicts = {k: {"base": base.get(k), "server": state.data.get(k), "device": v}
                         for k, v in differing.items()}
            return self.conflict(mutation, state, "deleted" if state.deleted else "locked", conflicts)
        merge = three_way(base, state.data, values.wire)
        if merge.applied:
            check = RECORD_TYPES[mutation.type].check
            if check is not None:
                try:
                    check({**state.data, **merge.applied})
                except ValidationError as error:
                    raise Refused("invalid", "The record would be inconsistent.", field_errors(error)) from None
            self.check_blobs(mutation.type, merge.applied)
            applied = Values({name: values.loaded[name] for name in merge.applied}, merge.applied)
            changed = {name: [state.data.get(name), value] for name, value in merge.applied.items()}
            self.change(state, mutation, applied, "update",
                        {"mutation_id": str(mutation.mutation_id), "changed": changed})
            flagged = self.dispatch.replated(state) if mutation.type == "work_order" and "plate" in changed else None
            if flagged is not None:
                self.change(state, mutation, flagged, "fold", {"mutation_id": str(mutation.mutation_id)})
            if mutation.type == "occupant" and DOCUMENT_FIELDS & changed.keys():
                self.registered_again(state, mutation)
        if merge.conflicts:
            return self.conflict(mutation, state, reason, merge.conflicts)
        merged = merge.applied and mutation.base_version != version_before
        status = protocol.MERGED if merged else protocol.APPLIED
        return Outcome(mutation.mutation_id, status, mutation.record_id, version=state.version)

    def delete(self, mutation: Mutation, values: Values) -> Outcome:
        state = self.existing(mutation)
        self.check_scope(mutation.type, state.room_id, state.squad_id, state.data)
        check_ownership(self.caller, mutation.type, "delete", state.data, {})
        if state.deleted:
            return Outcome(mutation.mutation_id, protocol.APPLIED, mutation.record_id, version=state.version)
        deletion = {"deleted": {"base": False, "server": False, "device": True}}
        if RECORD_TYPES[mutation.type].locked(state.data):
            return self.conflict(mutation, state, "locked", deletion)
        if mutation.base_version != state.version:
            return self.conflict(mutation, state, "changed_since_base", deletion)
        self.change(state, mutation, Values({}, {}), "delete", {"mutation_id": str(mutation.mutation_id)},
                    deleted=True)
        return Outcome(mutation.mutation_id, protocol.APPLIED, mutation.record_id, version=state.version)

    def supersede(self, earlier: list[RecordState], mutation: Mutation) -> None:
        """Mark earlier open registrations of a document "moved?" (``server.syncing.residents``)."""
        for state in earlier:
            self.change(state, mutation, self.registrations.superseded(), "supersede",
                        {"mutation_id": str(mutation.mutation_id), "by": str(mutation.record_id)})

    def registered_again(self, state: RecordState, mutation: Mutation) -> None:
        """A registration whose document changed, or that was opened again, meets the one-open rule anew."""
        earlier = self.registrations.open_elsewhere(state.id, state.data)
        if earlier and not state.data.get("earlier_registration"):
            self.change(state, mutation, Values.of(MAPPINGS["occupant"], {"earlier_registration": True}), "flag",
                        {"mutation_id": str(mutation.mutation_id)})
        self.supersede(earlier, mutation)

    def conflict(self, mutation: Mutation, state: RecordState, reason: str, fields: dict[str, Any]) -> Outcome:
        conflict_id = uuid.uuid4()
        self.writer.conflict_row(conflict_id, mutation, state, reason, fields, self.caller, self.now)
        self.audit("conflict.open", record_type=mutation.type, record_id=mutation.record_id,
                   record_version=state.version,
                   details={"conflict_id": str(conflict_id), "reason": reason, "fields": sorted(fields)})
        return Outcome(mutation.mutation_id, protocol.CONFLICT, mutation.record_id, version=state.version,
                       conflict_id=conflict_id, extra={"reason": reason})

    def change(
        self, state: RecordState, mutation: Mutation, values: Values, action: str, details: dict[str, Any],
        deleted: bool | None = None,
    ) -> None:
        if state.mapping.name == "work_order" and NOTED & values.wire.keys():
            self.dispatch.noted(state, values.wire)
        self.tidings.changed(state.mapping.name, state.id, state.room_id, state.data, values.wire)
        self.writer.written(change(self.session, state, values, action, actor_id=self.caller.person_id,
                                   device_id=self.caller.device_id, details=details, deleted=deleted,
                                   now=self.now, key=self.audit_key))
        if state.id == mutation.record_id and not self.caller.scope.covers(state.room_id, state.squad_id):
            # Work recorded before a move, accepted for the old room: it leaves the sender's devices. (A record
            # the push changes on its own, as the one-open-registration rule does elsewhere, never reached them.)
            self.writer.exit(exit_row(mutation.type, state.id, state.version, state.seq, self.now,
                                      self.caller.person_id, person_id=self.caller.person_id))

    def existing(self, mutation: Mutation) -> RecordState:
        state = self.records.get(mutation.key)
        if state is None:
            raise Refused("not_found", f"No {mutation.type} {mutation.record_id} on the server.")
        return state

    def place_of(self, record_type: str, loaded: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID | None]:
        """A new record's room and squad: the room it names, or its parent's room and squad (the parent must exist).

        A new work order's squad is decided by routing it (``Dispatch.routed``).
        """
        parent = RECORD_TYPES[record_type].parent
        if parent is None:
            return loaded[RECORD_TYPES[record_type].room_field or ""], None
        found = self.records.get((parent.type, loaded[parent.field]))
        if found is None or found.deleted or found.room_id is None:
            raise Refused("invalid", f"The {parent.type} does not exist.", {parent.field: [f"No such {parent.type}."]})
        return found.room_id, found.squad_id

    def check_venue(self, loaded: dict[str, Any], room_id: uuid.UUID) -> None:
        """A work order's venue, where it names one, is a venue of its room."""
        venue_id = loaded.get("venue_id")
        found = venue_id and self.records.get(("venue", venue_id))
        if venue_id is not None and (not found or found.deleted or found.room_id != room_id):
            raise Refused("invalid", "The venue is not one of this room's.", {"venue_id": ["No such venue here."]})

    def check_scope(self, record_type: str, room_id: uuid.UUID | None, squad_id: uuid.UUID | None,
                    data: dict[str, Any]) -> None:
        """The record is in the sender's scope, or is their own work dated when they served its room."""
        if self.caller.scope.covers(room_id, squad_id):
            return
        own = self.caller.scope.role == "officer" and data.get("officer_id") == str(self.caller.person_id)
        if not (own and room_id is not None and self.served_then(self.caller.person_id, room_id, record_type, data)):
            raise Refused("out_of_scope", "This record is outside your room or station.")

    def check_author(self, record_type: str, loaded: dict[str, Any], wire: dict[str, Any], room_id: uuid.UUID) -> None:
        """The named officer is an officer who served the venue's room when the work was done."""
        officer_id = loaded.get("officer_id")
        if officer_id is None:
            return
        if officer_id not in self.officer_rooms:
            raise Refused("invalid", "No such officer.", {"officer_id": ["Not an officer."]})
        if self.officer_rooms[officer_id] != room_id and not self.served_then(officer_id, room_id, record_type, wire):
            raise Refused("invalid", "The officer did not serve this venue's room when the work was done.",
                          {"officer_id": ["Not an officer of this room at that time."]})

    def served_then(self, officer_id: uuid.UUID, room_id: uuid.UUID, record_type: str, data: dict[str, Any]) -> bool:
        """The officer served the room when the work is dated (inspected or visited; undated work never)."""
        moment = work_time(record_type, data)
        if moment is None:
            return False
        key = (officer_id, room_id, moment)
        if key not in self.service:
            self.service[key] = served(self.session, officer_id, room_id, moment)
        return self.service[key]

    def check_same_parent(self, record_type: str, loaded: dict[str, Any]) -> None:
        """Records it names that must share its parent do (a re-check follows an inspection of its venue)."""
        declared = RECORD_TYPES[record_type]
        for name in declared.same_parent:
            if loaded.get(name) is None or declared.parent is None:
                continue
            named, parent = declared.references[name], declared.parent
            found = self.records.get((named, loaded[name]))
            if found is None or found.deleted or found.data.get(parent.field) != str(loaded[parent.field]):
                raise Refused("invalid", f"{name} names no {named} of this {parent.type}.",
                              {name: [f"No such {named} of this {parent.type}."]})

    def check_blobs(self, record_type: str, wire: dict[str, Any]) -> None:
        """Each blob is one the sender may read; any other, stored or not, is missing to them."""
        missing = {}
        for name in RECORD_TYPES[record_type].blob_fields:
            unknown = [h for h in RECORD_TYPES[record_type].blob_hashes({name: wire.get(name)}) if h not in self.blobs]
            if unknown:
                missing[name] = [f"Upload blob {h} first." for h in unknown]
        if missing:
            raise Refused("missing_blob", "Upload the photos and signature before the record.", missing,
                          retryable=True)


def work_time(record_type: str, data: dict[str, Any]) -> datetime | None:
    """When the work a record holds was done, by the device's clock, from its wire form."""
    value = data.get(RECORD_TYPES[record_type].work_time or "")
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def remembered(outcome: Outcome) -> bool:
    """Whether an answer is kept for replays: not when resending may one day be answered otherwise."""
    if outcome.status != protocol.REJECTED:
        return True
    return not outcome.extra["retryable"] and outcome.extra["code"] != QUARANTINE_FULL


def push(session: Session, caller: Caller, envelopes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decide and apply a batch of mutations; one result per mutation, in order."""
    return PushBatch(session, caller).run(envelopes)
