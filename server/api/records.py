"""Read access to the synced records within the caller's scope.

Devices write these records through sync; here the dashboard and tools read them, one at
a time or in filtered pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema
from sqlalchemy import Select, or_

from server.access import ROLES, allow
from server.api.common import MAX_PAGE_SIZE, PAGE_SIZE, api_blueprint, in_scope, page, scoped
from server.api.registry import masked_schema
from server.api.schemas import (
    AssignmentQuery,
    FollowupQuery,
    InspectionQuery,
    NoticeQuery,
    OccupantQuery,
    RentalHouseQuery,
    ResidencePermitQuery,
    RoomQuery,
    ScheduleRuleQuery,
    StationSchema,
    VehicleQuery,
    VenueQuery,
    WorkOrderEventQuery,
    WorkOrderQuery,
)
from server.models import (
    Assignment,
    ChecklistTemplate,
    Followup,
    Inspection,
    Notice,
    Occupant,
    RentalHouse,
    ResidencePermit,
    Room,
    ScheduleRule,
    Station,
    Vehicle,
    Venue,
    WorkOrder,
    WorkOrderEvent,
)
from server.syncing.wire import MAPPINGS
from sync.search import LIKE_ESCAPE, like_containing

Filters = Callable[[Select, dict[str, Any]], Select]

blp = api_blueprint("records", "Stations, rooms, venues, checklists, inspections, follow-ups, work orders, "
                               "vehicle files and the rental registry (personal data masked) in scope.")


def _equal(model: type, *names: str) -> Filters:
    def apply(statement: Select, filters: dict[str, Any]) -> Select:
        for name in names:
            if name in filters:
                statement = statement.where(getattr(model, name) == filters[name])
        if not filters.get("include_deleted", False) and hasattr(model, "deleted"):
            statement = statement.where(model.deleted.is_(False))
        return statement

    return apply


def _venue_filters(statement: Select, filters: dict[str, Any]) -> Select:
    statement = _equal(Venue, "kind", "room_id")(statement, filters)
    if "q" in filters:
        pattern = like_containing(filters["q"])
        statement = statement.where(
            or_(Venue.name.like(pattern, escape=LIKE_ESCAPE), Venue.address.like(pattern, escape=LIKE_ESCAPE))
        )
    return statement


def _inspection_filters(statement: Select, filters: dict[str, Any]) -> Select:
    statement = _equal(Inspection, "status", "room_id", "officer_id", "venue_id", "hazard_level")(statement, filters)
    if "since" in filters:
        statement = statement.where(Inspection.inspected_at_utc >= filters["since"])
    if "until" in filters:
        statement = statement.where(Inspection.inspected_at_utc < filters["until"])
    return statement


def _followup_filters(statement: Select, filters: dict[str, Any]) -> Select:
    statement = _equal(Followup, "status", "room_id", "officer_id", "venue_id", "subject_kind")(statement, filters)
    if "due_before" in filters:
        statement = statement.where(Followup.due_date < filters["due_before"])
    return statement


def readable(
    blueprint: Blueprint,
    path: str,
    name: str,
    model: type,
    schema: type[Schema],
    query: type[Schema] | None,
    filters: Filters,
    order_by: tuple[Any, ...],
) -> None:
    """Register ``GET path`` (a filtered page) and ``GET path/<id>`` (one record) for a model."""

    def list_records(
        filter_args: dict[str, Any] | None = None, pagination_parameters: PaginationParameters | None = None
    ) -> list[Any]:
        statement = filters(scoped(model), filter_args or {}).order_by(*order_by)
        return page(statement, pagination_parameters)

    def get_record(record_id: uuid.UUID) -> Any:
        return in_scope(model, record_id)

    list_view: Callable[..., Any] = blueprint.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)(
        list_records
    )
    list_view = blueprint.response(200, schema(many=True))(list_view)
    if query is not None:
        list_view = blueprint.arguments(query, location="query", as_kwargs=False)(list_view)
    list_view = blueprint.doc(summary=f"List {name.replace('_', ' ')} in your scope")(list_view)
    blueprint.route(path, endpoint=f"list_{name}")(allow(*ROLES)(list_view))

    get_view = blueprint.response(200, schema)(get_record)
    get_view = blueprint.doc(summary=f"One of the {name.replace('_', ' ')} in your scope")(get_view)
    blueprint.route(f"{path}/<id:record_id>", endpoint=f"get_{name}")(allow(*ROLES)(get_view))


def readable_type(path: str, record_type: str, query: type[Schema] | None, filters: Filters,
                  order_by: Callable[[Any], tuple[Any, ...]]) -> None:
    """Register the two reads of a synced record type, from its declaration (model, record schema)."""
    mapping = MAPPINGS[record_type]
    schema = masked_schema(record_type) if mapping.sealed else mapping.record_type.record_schema
    readable(blp, path, f"{record_type}s", mapping.model, schema, query, filters, order_by(mapping.model))


readable(blp, "/stations", "stations", Station, StationSchema, None, lambda s, f: s, (Station.name,))
readable_type("/rooms", "room", RoomQuery, _equal(Room, "station_id"), lambda room: (room.name,))
readable_type("/venues", "venue", VenueQuery, _venue_filters, lambda venue: (venue.name, venue.id))
readable_type("/checklist-templates", "checklist_template", None, _equal(ChecklistTemplate),
              lambda template: (template.venue_kind,))
readable_type("/inspections", "inspection", InspectionQuery, _inspection_filters,
              lambda inspection: (inspection.inspected_at_utc.desc(), inspection.id))
readable_type("/followups", "followup", FollowupQuery, _followup_filters,
              lambda followup: (followup.due_date, followup.id))
readable_type("/work-orders", "work_order", WorkOrderQuery,
              _equal(WorkOrder, "status", "kind", "room_id", "officer_id", "assignee_id", "plate"),
              lambda order: (order.reported_at_utc.desc(), order.id))
readable_type("/work-order-events", "work_order_event", WorkOrderEventQuery, _equal(WorkOrderEvent, "work_order_id"),
              lambda event: (event.work_order_id, event.position))
readable_type("/vehicles", "vehicle", VehicleQuery, _equal(Vehicle, "plate", "flagged"),
              lambda vehicle: (vehicle.last_reported_at.desc(), vehicle.id))
readable_type("/rental-houses", "rental_house", RentalHouseQuery, _equal(RentalHouse, "room_id", "status"),
              lambda house: (house.address, house.id))
readable_type("/occupants", "occupant", OccupantQuery, _equal(Occupant, "house_id", "room_id"),
              lambda occupant: (occupant.registered_at_utc.desc(), occupant.id))
readable_type("/residence-permits", "residence_permit", ResidencePermitQuery,
              _equal(ResidencePermit, "occupant_id", "room_id", "status"),
              lambda permit: (permit.applied_at_utc.desc(), permit.id))
readable_type("/schedule-rules", "schedule_rule", ScheduleRuleQuery, _equal(ScheduleRule, "station_id"),
              lambda rule: (rule.venue_kind, rule.risk_level, rule.id))
readable_type("/assignments", "assignment", AssignmentQuery,
              _equal(Assignment, "room_id", "officer_id", "venue_id", "origin", "status"),
              lambda assignment: (assignment.due_date, assignment.id))
readable_type("/notices", "notice", NoticeQuery, _equal(Notice, "kind"), lambda notice: (notice.seq.desc(),))
