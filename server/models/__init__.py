"""Beatlog's database models; importing this package registers every table."""

from server.models.base import Base, SyncRecord
from server.models.dashboard import InboxMark
from server.models.device import AccessToken, Device, EnrolmentCode, LoginFailure
from server.models.fieldwork import Followup, Inspection
from server.models.ledger import AuditEntry, Ledger
from server.models.moves import ScopeExit, ServicePeriod
from server.models.org import Person, Room, Station, TrafficSquad
from server.models.planning import Assignment, Notice, ScheduleRule
from server.models.registry import Occupant, RentalHouse, ResidencePermit
from server.models.sync import (
    Blob,
    BlobPossession,
    BlobRef,
    PurgedRecord,
    QuarantinedMutation,
    SyncConflict,
    SyncMutation,
)
from server.models.traffic import Vehicle, WorkOrder, WorkOrderEvent
from server.models.venue import ChecklistTemplate, ChecklistTemplateVersion, Venue
from server.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscriber
from sync.records import RECORD_TYPES

_MODEL_OF_TABLE = {mapper.class_.__tablename__: mapper.class_ for mapper in Base.registry.mappers}
SYNCED_MODELS: dict[str, type[SyncRecord]] = {
    name: _MODEL_OF_TABLE[record_type.table] for name, record_type in RECORD_TYPES.items()
}
"""Wire record type → model, found by the table each type in ``sync.records.RECORD_TYPES`` declares."""

__all__ = [
    "SYNCED_MODELS",
    "AccessToken",
    "Assignment",
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
    "Notice",
    "Occupant",
    "Person",
    "PurgedRecord",
    "QuarantinedMutation",
    "RentalHouse",
    "ResidencePermit",
    "Room",
    "ScheduleRule",
    "ScopeExit",
    "ServicePeriod",
    "Station",
    "SyncConflict",
    "SyncMutation",
    "SyncRecord",
    "TrafficSquad",
    "Vehicle",
    "Venue",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscriber",
    "WorkOrder",
    "WorkOrderEvent",
]
