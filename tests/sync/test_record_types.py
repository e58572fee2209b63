"""Each record type is declared once; the declarations hold together."""

from __future__ import annotations

from sync import vocab
from sync.records import DEVICE_WRITTEN, RECORD_TYPES


def test_every_type_is_declared_after_the_types_it_belongs_to_or_names() -> None:
    order = list(RECORD_TYPES)
    for name, record_type in RECORD_TYPES.items():
        named = set(record_type.references.values()) & set(RECORD_TYPES)
        assert all(order.index(other) < order.index(name) for other in named - {name}), name


def test_a_parent_and_same_parent_fields_are_references_the_schema_holds() -> None:
    for name, record_type in RECORD_TYPES.items():
        schema_fields = set(record_type.data_schema().fields)
        for field in {*record_type.references, *record_type.same_parent, *record_type.blob_fields,
                      *record_type.immutable_fields}:
            assert field in schema_fields, (name, field)
        if record_type.parent is not None:
            assert record_type.references[record_type.parent.field] == record_type.parent.type
        assert record_type.same_parent <= set(record_type.references)


def test_blob_hashes_come_from_the_declared_fields_only() -> None:
    inspection = RECORD_TYPES["inspection"]
    data = {"photo_hashes": ["a" * 64, "b" * 64], "signature_hash": "c" * 64, "findings": "d" * 64}
    assert inspection.blob_hashes(data) == ["a" * 64, "b" * 64, "c" * 64]
    assert inspection.blob_hashes({"signature_hash": None}) == []
    assert RECORD_TYPES["venue"].blob_hashes(data) == []


def test_vocabulary_labels_travel_with_the_fields_that_hold_them() -> None:
    assert RECORD_TYPES["venue"].labels == {"kind": vocab.VENUE_KINDS, "risk_level": vocab.RISK_LEVELS}
    assert RECORD_TYPES["followup"].statuses == tuple(vocab.FOLLOWUP_STATUSES)
    assert RECORD_TYPES["room"].statuses == ("-",)


def test_an_approved_log_is_locked_and_other_states_are_not() -> None:
    inspection = RECORD_TYPES["inspection"]
    assert inspection.locked({"status": "approved"})
    others = [status for status in vocab.INSPECTION_STATUSES if status != "approved"]
    assert not any(inspection.locked({"status": status}) for status in others)
    assert not RECORD_TYPES["venue"].locked({"status": "approved"})


def test_the_types_devices_write_are_those_declared_writable() -> None:
    assert DEVICE_WRITTEN == ("venue", "inspection", "followup", "work_order", "work_order_event", "rental_house",
                              "occupant", "residence_permit", "assignment")
