"""Notices: what every dashboard page shows at its top (an account under attack, demo passwords), and
a chief's or an administrator's own notices (``server.operations.notices``), with their count in the
navigation and a page listing them, each linking to its record."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from server.access import current_person
from server.dashboard import bp
from server.dashboard.auth import page
from server.demo.exposure import demo_password_accounts
from server.extensions import db
from server.models import Notice
from server.operations.devices import Attack, accounts_under_attack
from server.operations.notices import latest, mark_read, unread_count


def under_attack() -> list[Attack]:
    """For an admin, the accounts whose failed sign-ins reached the alarm (for others, none)."""
    person = g.get("person")
    if person is None or person.role != "admin":
        return []
    return accounts_under_attack(db.session())


def demo_accounts() -> list[str]:
    """For anyone signed in, the demo accounts that still take the demo password."""
    return demo_password_accounts(db.session()) if g.get("person") is not None else []


def unread_notices() -> int:
    person = g.get("person")
    return unread_count(db.session(), person.id) if person is not None else 0


@bp.context_processor
def notices() -> dict[str, Any]:
    return {"under_attack": under_attack, "demo_accounts": demo_accounts, "unread_notices": unread_notices}


SUBJECT_PAGES = {"inspection": ("dashboard.inspection", "inspection_id"),
                 "followup": ("dashboard.followup", "followup_id"), "work_order": ("dashboard.order", "order_id"),
                 "venue": ("dashboard.venue", "venue_id")}


def subject_link(notice: Notice) -> str | None:
    """Where a notice's record is shown: its own page, the planning page for work, the conflicts for a conflict."""
    if notice.kind == "conflict_waiting":
        if current_person().role != "admin":
            return url_for("dashboard.inbox", conflict="true")
        return url_for("dashboard.conflict", conflict_id=notice.subject_id)
    if notice.kind == "under_attack":
        return url_for("dashboard.person", person_id=notice.subject_id)
    if notice.subject_type == "assignment":
        return url_for("dashboard.planning") + "#queue"
    if notice.subject_type not in SUBJECT_PAGES:
        return None
    endpoint, argument = SUBJECT_PAGES[notice.subject_type]
    values: dict[str, Any] = {argument: notice.subject_id}
    return url_for(endpoint, **values)


@bp.route("/notices")
@page()
def notice_list() -> str:
    person = current_person()
    shown = latest(db.session(), person.id)
    return render_template("dashboard/notices.html", notices=shown, link=subject_link)


@bp.route("/notices/read", methods=["POST"])
@page()
def read_notices() -> Any:
    person = current_person()
    read = mark_read(db.session(), person.id, [notice.id for notice in latest(db.session(), person.id)])
    flash(_("%(count)d notices marked read.", count=read), "done")
    return redirect(url_for("dashboard.notice_list"))
