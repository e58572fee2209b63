"""The rental registry through the API: masked reads, a search by document, and a chief's reveal.

Lists and single records come through ``server.api.records`` with their personal fields masked
(``masked_schema``). A search by document number is a POST, so the number never appears in a
URL or an access log; it and every reveal are audited (``server.operations.personal_data``).
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from marshmallow import Schema, fields, pre_dump, validate

from server.access import allow, current_device, current_person, current_scope
from server.api.common import api_blueprint
from server.extensions import db
from server.models import Occupant, RentalHouse
from server.models.base import SyncRecord
from server.operations.personal_data import find_by_document, reveal
from server.syncing.wire import MAPPINGS
from sync import vocab
from sync.fields import StrictSchema, choice, text
from sync.registry import NATIONALITY, masked

blp = api_blueprint("registry", "Find a resident's registrations by document, and reveal one record's personal data "
                                "(a chief, with a reason). Both are audited.")

ENVELOPE = ("id", "version", "updated_at", "updated_by", "deleted")


@cache
def masked_schema(record_type: str) -> type[Schema]:
    """The record schema of a type holding personal data, dumping a record with those fields masked."""
    mapping = MAPPINGS[record_type]

    def personal_data_masked(self: Schema, record: SyncRecord, **kwargs: Any) -> dict[str, Any]:
        envelope = {name: getattr(record, name) for name in ENVELOPE}
        return {**envelope, **masked(mapping.sealed, mapping.values_of(record))}

    shown = {name: fields.Str(metadata={"description": "Masked (张*, 330402********1234, 138****5678)"})
             for name in mapping.sealed}
    name = f"Masked{mapping.record_type.record_schema.__name__}"
    return type(name, (mapping.record_type.record_schema,), {**shown, "personal_data_masked": pre_dump(
        personal_data_masked)})


MaskedOccupant = masked_schema("occupant")
MaskedRentalHouse = masked_schema("rental_house")


class DocumentSearch(StrictSchema):
    document_kind = choice(vocab.DOCUMENT_KINDS, required=True)
    document_number = fields.Str(required=True, validate=validate.Length(1, 30))
    nationality = fields.Str(load_default="", validate=validate.Regexp(NATIONALITY))
    purpose = text(200, required=True)


class DocumentHolders(Schema):
    occupants = fields.List(fields.Nested(MaskedOccupant))
    houses = fields.List(fields.Nested(MaskedRentalHouse), metadata={"description": "Houses this person lets"})


class RevealRequest(StrictSchema):
    reason = text(300, required=True, min_length=4)


class Revealed(Schema):
    record_type = fields.Str()
    id = fields.UUID()
    personal = fields.Dict(keys=fields.Str(), values=fields.Str(),
                           metadata={"description": "The record's personal fields, unmasked"})


@blp.route("/residents/search", methods=["POST"])
@allow("officer", "chief")
@blp.arguments(DocumentSearch)
@blp.response(200, DocumentHolders)
def search(body: dict[str, Any]) -> dict[str, Any]:
    """Who holds this document in your scope: registrations and houses they let, masked. Audited, not the number."""
    found = find_by_document(db.session(), current_scope(), body["document_kind"], body["document_number"],
                             body["nationality"], actor_id=current_person().id, device_id=current_device().id,
                             purpose=body["purpose"])
    return {"occupants": found.occupants, "houses": found.houses}


def revealing(path: str, model: type[SyncRecord], name: str) -> None:
    def reveal_record(body: dict[str, Any], record_id: uuid.UUID) -> dict[str, Any]:
        personal = reveal(db.session(), current_scope(), model, record_id, body["reason"],
                          actor_id=current_person().id, device_id=current_device().id)
        return {"record_type": name, "id": record_id, "personal": personal}

    reveal_record.__doc__ = f"One {name.replace('_', ' ')}'s personal data, unmasked, for a stated reason (audited)."
    view = blp.response(200, Revealed)(reveal_record)
    view = blp.arguments(RevealRequest)(view)
    blp.route(f"{path}/<id:record_id>/reveal", methods=["POST"], endpoint=f"reveal_{name}")(allow("chief")(view))


revealing("/occupants", Occupant, "occupant")
revealing("/rental-houses", RentalHouse, "rental_house")
