"""People: the directory within scope, and an admin's changes to it."""

from __future__ import annotations

import uuid
from typing import Any

from flask_smorest.pagination import PaginationParameters

from server.access import ROLES, allow, current_person
from server.api.common import MAX_PAGE_SIZE, PAGE_SIZE, api_blueprint, in_scope, page, scoped
from server.api.schemas import (
    WEAK_PASSWORD_RESPONSE,
    DeviceSchema,
    PasswordSet,
    PersonCreate,
    PersonQuery,
    PersonUpdate,
)
from server.errors import ErrorSchema
from server.extensions import db
from server.models import Device, Person
from server.operations import people
from sync.records import PersonRecord

blp = api_blueprint("people", "Officers, chiefs and admins.")


@blp.route("/people")
@allow(*ROLES)
@blp.arguments(PersonQuery, location="query")
@blp.response(200, PersonRecord(many=True))
@blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def list_people(filters: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Person]:
    statement = scoped(Person).filter_by(**filters).order_by(Person.username)
    return page(statement, pagination_parameters)


@blp.route("/people", methods=["POST"])
@allow("admin")
@blp.arguments(PersonCreate)
@blp.alt_response(422, schema=ErrorSchema, description=WEAK_PASSWORD_RESPONSE)
@blp.response(201, PersonRecord)
def create_person(body: dict[str, Any]) -> Person:
    body.pop("active")
    return people.create_person(db.session(), actor_id=current_person().id, **body)


@blp.route("/people/<id:person_id>")
@allow(*ROLES)
@blp.response(200, PersonRecord)
def get_person(person_id: uuid.UUID) -> Person:
    return in_scope(Person, person_id)


@blp.route("/people/<id:person_id>", methods=["PATCH"])
@allow("admin")
@blp.arguments(PersonUpdate)
@blp.response(200, PersonRecord)
def update_person(changes: dict[str, Any], person_id: uuid.UUID) -> Person:
    """Rename, move, promote, rate or disable a person; disabling ends their sessions now."""
    return people.update_person(db.session(), person_id, changes, actor_id=current_person().id)


@blp.route("/people/<id:person_id>/password", methods=["POST"])
@allow("admin")
@blp.arguments(PasswordSet)
@blp.alt_response(422, schema=ErrorSchema, description=WEAK_PASSWORD_RESPONSE)
@blp.response(204)
def set_password(body: dict[str, Any], person_id: uuid.UUID) -> None:
    """Reset a password; the person must sign in again on every device."""
    people.set_password(db.session(), person_id, body["password"], actor_id=current_person().id)


@blp.route("/people/<id:person_id>/devices")
@allow(*ROLES)
@blp.response(200, DeviceSchema(many=True))
def list_person_devices(person_id: uuid.UUID) -> list[Device]:
    """The devices a person has signed in on, newest first."""
    person = in_scope(Person, person_id)
    statement = scoped(Device).where(Device.person_id == person.id).order_by(Device.enrolled_at.desc())
    return list(db.session.scalars(statement))
