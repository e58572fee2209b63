"""An admin's edits of venues and checklist templates, validated by the shared wire schemas.

A template edit keeps the version it replaces in ``checklist_template_version``: logs carry
the template version they were recorded under, so the dashboard can still show them with
the labels the officer saw. Devices receive the new version on their next pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ChecklistTemplate, ChecklistTemplateVersion, Venue
from server.operations.moves import position_of, room_to_move_to, venue_moved
from server.operations.records import authorise, edit_record, locked
from server.refusals import invalid
from server.syncing.change import write_record
from sync.records import ChecklistTemplateData, VenueData

TEMPLATE_DATA = ChecklistTemplateData()
VENUE_EDITS = VenueData(partial=True, exclude=("location",))


def edit_template(session: Session, template_id: uuid.UUID, changes: Mapping[str, Any], *,
                  actor_id: uuid.UUID) -> ChecklistTemplate:
    """New titles or items (keys, labels in both languages, order) for the kind's template."""
    template = locked(session, ChecklistTemplate, template_id)
    try:
        loaded = TEMPLATE_DATA.load({"venue_kind": template.venue_kind, "title_zh": template.title_zh,
                                     "title_en": template.title_en, "items": template.items, **changes})
    except ValidationError as error:
        raise invalid(error.normalized_messages()) from None
    if (loaded["title_zh"], loaded["title_en"], loaded["items"]) == (template.title_zh, template.title_en,
                                                                     template.items):
        return template
    authorise(template, "change", TEMPLATE_DATA.dump(loaded), role="admin", person_id=actor_id, via="console")
    if session.get(ChecklistTemplateVersion, (template.id, template.version)) is None:
        session.add(ChecklistTemplateVersion(template_id=template.id, version=template.version,
                                             title_zh=template.title_zh, title_en=template.title_en,
                                             items=list(template.items)))
    edited = {name: loaded[name] for name in ("title_zh", "title_en", "items")}
    return write_record(session, template, "update", edited, actor_id=actor_id,
                        details={"items": [item["key"] for item in loaded["items"]]})


def template_as_of(session: Session, template_id: uuid.UUID, version: int | None) -> Any:
    """The template as it was at ``version`` (the current one when that is the current version)."""
    current = session.get(ChecklistTemplate, template_id)
    if current is None or version is None or current.version == version:
        return current
    kept = session.get(ChecklistTemplateVersion, (template_id, version))
    if kept is not None:
        return kept
    older = session.scalars(select(ChecklistTemplateVersion).where(
        ChecklistTemplateVersion.template_id == template_id, ChecklistTemplateVersion.version > version)
        .order_by(ChecklistTemplateVersion.version)).first()
    return older or current


def edit_venue(session: Session, venue_id: uuid.UUID, changes: Mapping[str, Any], *, actor_id: uuid.UUID) -> Venue:
    """Correct a venue's details, or move it to another room (its logs go with it, see ``venue_moved``)."""
    venue = locked(session, Venue, venue_id)
    try:
        loaded = VENUE_EDITS.load(dict(changes))
    except ValidationError as error:
        raise invalid(error.normalized_messages()) from None
    authorise(venue, "change", VENUE_EDITS.dump(loaded), role="admin", person_id=actor_id, via="console")
    before = position_of(venue)
    if loaded.get("room_id", venue.room_id) != venue.room_id:
        room_to_move_to(session, loaded["room_id"])
    edit_record(session, venue, loaded, actor_id=actor_id)
    if position_of(venue) != before:
        venue_moved(session, venue, before, actor_id=actor_id)
    return venue
