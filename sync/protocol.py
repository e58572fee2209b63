"""What both ends of a sync agree on: versions, statuses, codes and limits."""

from __future__ import annotations

from collections.abc import Mapping

SCHEMA_VERSION = 5
"""The wire schema this code speaks. The server also accepts the versions back to ``OLDEST_ACCEPTED_SCHEMA_VERSION``."""

OLDEST_ACCEPTED_SCHEMA_VERSION = 2

FIELDS_SINCE: Mapping[int, Mapping[str, tuple[str, ...]]] = {
    2: {"followup": ("rectified",)},
    3: {"inspection": ("photo_notes", "signer_name"), "followup": ("photo_notes",)},
}
"""Fields each schema version added, per record type; older apps are sent records without them."""

TYPES_SINCE: Mapping[int, tuple[str, ...]] = {
    4: ("rental_house", "occupant", "residence_permit"),
    5: ("schedule_rule", "assignment", "notice"),
}
"""Record types each schema version added. An older app is never sent them: the rental registry's
residents must not reach an app that keeps its store unencrypted (before version 4), and an app
before version 5 would not know what to do with an assignment or a notice."""

API_PREFIX = "/api/v1"
SCHEMA_HEADER = "X-Beatlog-Schema"

APPLIED = "applied"
MERGED = "merged"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"
RESULT_STATUSES = (APPLIED, MERGED, DUPLICATE, CONFLICT, REJECTED)
CONFLICT_REASONS = ("field_conflict", "locked", "deleted", "changed_since_base", "exists")
"""Why a push result is a conflict (its ``reason``); docs/protocol.md says when each applies."""

OPS = ("create", "update", "delete")

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
WEAK_PASSWORD = "weak_password"
"""The refusal of a password the policy rejects (too short, too common, the user name);
the server enforces it (``server/passwords.py``), the handheld states it before enrolment."""

MAX_PUSH_MUTATIONS = 1000
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000


def types_unknown_to(schema_version: int) -> frozenset[str]:
    """The record types an app speaking ``schema_version`` does not know, and is not sent."""
    return frozenset(name for version, names in TYPES_SINCE.items() if version > schema_version for name in names)


def fields_unknown_to(schema_version: int) -> dict[str, set[str]]:
    """Per record type, the fields an app speaking ``schema_version`` does not know."""
    unknown: dict[str, set[str]] = {}
    for version, added in FIELDS_SINCE.items():
        if version > schema_version:
            for record_type, names in added.items():
                unknown.setdefault(record_type, set()).update(names)
    return unknown
