"""The chief's planning page: the station's schedule rules, assigning work, the queue of work handed
back or missed, and coverage per room and officer with the figures behind the yearly stars.

A missed scheduled inspection is not queued: the upkeep has already planned the venue's next one,
and the coverage counts the miss."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.access import current_person, current_scope
from server.dashboard import bp, on_refusal
from server.dashboard.auth import page
from server.dashboard.coverage import coverage
from server.dashboard.forms import AssignForm, ReassignForm, RuleForm, YearQuery, submitted
from server.dashboard.present import station_today, station_zone
from server.extensions import db
from server.models import Assignment, Person, Room, ScheduleRule, Venue
from server.operations.planning import assign, cancel, reassign, save_rule
from server.refusals import Refused

rule_form = RuleForm()
assign_form = AssignForm()
reassign_form = ReassignForm()
year_query = YearQuery()
LISTED = 200


def planning_page(status: int = 200, **errors: Any) -> tuple[str, int]:
    scope = current_scope()
    today = station_today()
    year = submitted(year_query, request.args)["year"] or today.year
    rooms = db.session.scalars(scope.select(Room).where(Room.deleted.is_(False)).order_by(Room.name)).all()
    room_ids = [room.id for room in rooms]
    officers = db.session.scalars(select(Person).where(
        Person.role == "officer", Person.active.is_(True), Person.deleted.is_(False), Person.room_id.in_(room_ids))
        .order_by(Person.display_name)).all()
    venues = db.session.scalars(select(Venue).where(Venue.room_id.in_(room_ids), Venue.deleted.is_(False))
                                .order_by(Venue.name)).all()
    work = db.session.scalars(select(Assignment).where(
        Assignment.room_id.in_(room_ids), Assignment.deleted.is_(False),
        Assignment.status.in_(("open", "missed", "handed_back")))
        .order_by(Assignment.due_date, Assignment.id).limit(LISTED)).all()
    rules = db.session.scalars(select(ScheduleRule).where(ScheduleRule.station_id == scope.station_id,
                                                          ScheduleRule.deleted.is_(False))
                               .order_by(ScheduleRule.venue_kind, ScheduleRule.risk_level)).all()
    handed_back = {item.handed_back_from for item in work if item.handed_back_from is not None}
    former = {person.id: person.display_name for person in db.session.scalars(
        select(Person).where(Person.id.in_(handed_back)))} if handed_back else {}
    return render_template(
        "dashboard/planning.html", rules=rules, former=former, rooms={room.id: room for room in rooms},
        officers=officers,
        people={person.id: person for person in officers}, venues={venue.id: venue for venue in venues},
        queue=[item for item in work if item.status == "handed_back" or (item.status == "missed"
                                                                        and item.origin == "chief")],
        assigned=[item for item in work if item.status == "open" and item.origin == "chief"],
        scheduled=[item for item in work if item.status == "open" and item.origin == "schedule"
                   and (item.due_date - today).days <= 7],
        covered=coverage(db.session(), scope, year, today, station_zone()), year=year, today=today,
        errors=errors, typed=request.form), status


def planning_refused(refusal: Refused, **_view_args: Any) -> tuple[str, int]:
    return planning_page(422, **(refusal.fields or {"form": [refusal.message]}))


@bp.route("/planning")
@page("chief")
def planning() -> tuple[str, int]:
    return planning_page()


@bp.route("/planning/rules", methods=["POST"])
@page("chief")
@on_refusal(planning_refused)
def new_rule() -> Any:
    save_rule(db.session(), submitted(rule_form, request.form), scope=current_scope(), actor_id=current_person().id)
    flash(_("The rule is saved: each venue it covers gets its next scheduled inspection within the hour."), "done")
    return redirect(url_for("dashboard.planning"))


@bp.route("/planning/rules/<id:rule_id>", methods=["POST"])
@page("chief")
@on_refusal(planning_refused)
def change_rule(rule_id: uuid.UUID) -> Any:
    save_rule(db.session(), submitted(rule_form, request.form), scope=current_scope(), actor_id=current_person().id,
              rule_id=rule_id)
    flash(_("The rule is saved."), "done")
    return redirect(url_for("dashboard.planning"))


@bp.route("/planning/assignments", methods=["POST"])
@page("chief")
@on_refusal(planning_refused)
def new_assignment() -> Any:
    made = assign(db.session(), submitted(assign_form, request.form), scope=current_scope(),
                  actor_id=current_person().id)
    flash(_("Assigned to %(name)s: it reaches their phone at its next sync.",
            name=db.session.get_one(Person, made.officer_id).display_name), "done")
    return redirect(url_for("dashboard.planning"))


@bp.route("/planning/assignments/<id:assignment_id>/reassign", methods=["POST"])
@page("chief")
@on_refusal(planning_refused)
def reassign_work(assignment_id: uuid.UUID) -> Any:
    chosen = submitted(reassign_form, request.form)
    reassign(db.session(), assignment_id, chosen["officer_id"], chosen["due_date"], scope=current_scope(),
             actor_id=current_person().id)
    flash(_("Assigned again."), "done")
    return redirect(url_for("dashboard.planning"))


@bp.route("/planning/assignments/<id:assignment_id>/cancel", methods=["POST"])
@page("chief")
@on_refusal(planning_refused)
def cancel_work(assignment_id: uuid.UUID) -> Any:
    cancel(db.session(), assignment_id, scope=current_scope(), actor_id=current_person().id)
    flash(_("The assignment is cancelled."), "done")
    return redirect(url_for("dashboard.planning"))
