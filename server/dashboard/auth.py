"""Signing in to the dashboard and out of it; who may open which page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from server.access import allow, browser_session_id, current_person, current_token, public, signed_in_by_cookie
from server.dashboard import bp, on_refusal
from server.dashboard.forms import LoginForm
from server.errors import STATUS_OF_KIND, ApiError
from server.extensions import db
from server.operations.devices import DeviceInfo, sign_in, sign_out
from server.refusals import Kind, Refused

View = TypeVar("View", bound=Callable[..., Any])
REVIEWERS = ("chief", "admin")
DASHBOARD_ROLES = (*REVIEWERS, "squad_lead")
"""Who signs in to the dashboard: a squad leader sees only the work-order pages."""
LANDING = {"chief": "dashboard.inbox", "admin": "dashboard.inbox", "squad_lead": "dashboard.orders"}
"""The page each role lands on after signing in."""
login_form = LoginForm()


def page(*roles: str) -> Callable[[View], View]:
    """A dashboard page for these roles (chiefs and admins unless narrowed)."""

    def declare(view: View) -> View:
        return signed_in_by_cookie(allow(*(roles or REVIEWERS))(view))

    return declare


def get_or_404(model: type[Any], record_id: uuid.UUID | None) -> Any:
    """The row, or the dashboard's 404 page."""
    found = db.session.get(model, record_id) if record_id is not None else None
    if found is None:
        raise ApiError(404, "not_found", f"No such {getattr(model, '__tablename__', 'record')}.")
    return found


def safe_next(target: str, fallback: str = "dashboard.inbox") -> str:
    """Only a path on this site, never another host; else the ``fallback`` page."""
    return target if target.startswith("/dashboard") and not target.startswith("//") else url_for(fallback)


def login_refused(refusal: Refused) -> tuple[str, int]:
    """The form again. A counted failure stays counted (its refusal keeps it); an officer's refusal
    rolls back the token just issued, so they leave no browser session behind."""
    if refusal.kind is Kind.FORBIDDEN:
        return render_template("dashboard/login.html", next="",
                               error=_("The dashboard is for station chiefs, traffic squad leaders and "
                                       "administrators.")), 403
    message = _("Too many attempts. Wait a few minutes and try again.") if refusal.kind is Kind.TOO_MANY else \
        _("The user name or password is wrong.")
    return render_template("dashboard/login.html", error=message, next=request.form.get("next", "")), \
        STATUS_OF_KIND[refusal.kind]


@bp.route("/login", methods=["GET", "POST"])
@public
@on_refusal(login_refused)
def login() -> Any:
    if request.method == "GET":
        return render_template("dashboard/login.html", error="", next=request.args.get("next", ""))
    try:
        form = login_form.load(request.form)
    except ValidationError:
        return render_template("dashboard/login.html", error=_("Enter your user name and password."),
                               next=request.form.get("next", "")), 422
    browser = DeviceInfo(id=uuid.uuid4(), name=f"Dashboard · {request.user_agent.browser or 'browser'}",
                         platform="web")
    signed_in = sign_in(db.session(), form["username"].strip().lower(), form["password"], browser,
                        request.remote_addr or "")
    if signed_in.person.role not in DASHBOARD_ROLES:
        raise Refused("dashboard_not_for_role", "The dashboard is for station chiefs, traffic squad leaders and "
                      "administrators.", kind=Kind.FORBIDDEN)
    language = session.get("lang")
    session.clear()
    session.update(session_id=browser_session_id(signed_in.token), **({"lang": language} if language else {}))
    return redirect(safe_next(form["next"], LANDING[signed_in.person.role]))


@bp.route("/logout", methods=["POST"])
@page(*DASHBOARD_ROLES)
def logout() -> Response:
    sign_out(db.session(), current_token())
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect(url_for("dashboard.login"))


@bp.route("/")
@page(*DASHBOARD_ROLES)
def home() -> Response:
    return redirect(url_for(LANDING[current_person().role]))
