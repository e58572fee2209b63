"""Beatlog's database models; importing this package registers every table."""

from server.models.base import Base, SyncRecord
from server.models.dashboard import InboxMark
from server.models.device import AccessToken, Device, EnrolmentCode, LoginFailure
from server.models.fieldwork import Followup, Inspection
from server.models.ledger import AuditEntry, Ledger
from server.models.moves import ScopeExit, ServicePeriod
from server.models.org import Person, Room, Station
from server.models.sync import (
    Blob,
    BlobPossession,
    BlobRef,
    PurgedRecord,
    QuarantinedMutation,
    SyncConflict,
    SyncMutation,
)
from server.models.venue import ChecklistTemplate, ChecklistTemplateVersion, Venue

SYNCED_MODELS: dict[str, type[SyncRecord]] = {
    "room": Room,
    "person": Person,
    "checklist_template": ChecklistTemplate,
    "venue": Venue,
    "inspection": Inspection,
    "followup": Followup,
}
"""Wire record type → model, for every type in ``sync.records.RECORD_TYPES``."""

__all__ = [
    "SYNCED_MODELS",
    "AccessToken",
    "AuditEntry",
    "Base",
    "Blob",
    "BlobPossession",
    "BlobRef",
    "ChecklistTemplate",
    "ChecklistTemplateVersion",
    "Device",
    "EnrolmentCode",
    "Followup",
    "InboxMark",
    "Inspection",
    "Ledger",
    "LoginFailure",
    "Person",
    "PurgedRecord",
    "QuarantinedMutation",
    "Room",
    "ScopeExit",
    "ServicePeriod",
    "Station",
    "SyncConflict",
    "SyncMutation",
    "SyncRecord",
    "Venue",
]
