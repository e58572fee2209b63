"""One device mutation as the server handles it: parsed, validated alone, and answered.

Validation here needs no database, so a push runs it for the whole batch before taking
the ledger lock.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from marshmallow import ValidationError

from server.access import Scope
from server.refusals import Kind, Refused
from server.syncing.change import Values
from server.syncing.wire import MAPPINGS
from sync import ownership
from sync.records import RECORD_TYPES


@dataclass(frozen=True)
class Caller:
    person_id: uuid.UUID
    device_id: uuid.UUID
    scope: Scope


@dataclass
class Mutation:
    mutation_id: uuid.UUID
    type: str
    record_id: uuid.UUID
    op: str
    base_version: int | None
    data: dict[str, Any]
    base: dict[str, Any]

    @property
    def key(self) -> tuple[str, uuid.UUID]:
        return self.type, self.record_id

    def payload(self) -> dict[str, Any]:
        return {
            "mutation_id": str(self.mutation_id),
            "type": self.type,
            "id": str(self.record_id),
            "op": self.op,
            "base_version": self.base_version,
            "data": self.data,
            "base": self.base,
        }

    @cached_property
    def payload_hash(self) -> str:
        payload = json.dumps(self.payload(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Outcome:
    mutation_id: uuid.UUID
    status: str
    record_id: uuid.UUID
    version: int | None = None
    conflict_id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        result = {
            "mutation_id": str(self.mutation_id),
            "status": self.status,
            "id": str(self.record_id),
            "version": self.version,
            "conflict_id": self.conflict_id and str(self.conflict_id),
        }
        result.update(self.extra)
        return result


def parse(envelope: dict[str, Any]) -> Mutation:
    """A loaded envelope as a mutation; a ``null`` ``data`` or ``base`` is the same as none sent."""
    return Mutation(
        mutation_id=envelope["mutation_id"],
        type=envelope["type"],
        record_id=envelope["id"],
        op=envelope["op"],
        base_version=envelope["base_version"],
        data=envelope["data"] or {},
        base=envelope["base"] or {},
    )


def field_errors(error: ValidationError) -> dict[str, Any]:
    return error.normalized_messages()


def prepare(mutation: Mutation) -> Values | Refused:
    """Validate a mutation on its own, before any database work."""
    record_type = RECORD_TYPES[mutation.type]
    if not record_type.device_writable:
        return Refused("read_only_type", f"Devices do not write {mutation.type} records.")
    data_schema = MAPPINGS[mutation.type].data
    if mutation.op == "delete":
        if mutation.data:
            return Refused("invalid", "A delete carries no data.", {"data": ["Must be empty for a delete."]})
        return Values({}, {})
    if mutation.op == "update":
        if not mutation.data:
            return Refused("invalid", "An update changes at least one field.", {"data": ["Empty."]})
        missing_base = sorted(set(mutation.data) - set(mutation.base))
        if missing_base:
            return Refused(
                "missing_base",
                "An update sends, for each changed field, the value it started from.",
                {name: ["No base value sent."] for name in missing_base},
            )
    try:
        loaded = data_schema.load(mutation.data, partial=mutation.op == "update")
    except ValidationError as error:
        return Refused("invalid", "Some fields are invalid.", field_errors(error))
    return Values(loaded, data_schema.dump(loaded))


def check_ownership(
    caller: Caller, record_type: str, action: str, current: dict[str, Any] | None, written: dict[str, Any]
) -> None:
    """Refuse (``not_yours``, ``reviewer_only``, ``review_endpoint`` …) what the ownership matrix forbids a push."""
    refused = ownership.refusal(caller.scope.role, str(caller.person_id), record_type, action, current, written)
    if refused is not None:
        raise Refused(refused.code, refused.message, refused.errors, kind=Kind.FORBIDDEN)
