"""The station chiefs' and admins' web dashboard, served by the same app under /dashboard.

Pages are rendered on the server (Jinja) with one small local script; nothing is fetched
from the internet. Sign-in uses the same accounts and the same token machinery as the API:
the token lives in the signed session cookie, so scope, revocation and expiry are checked
by ``server.access`` exactly as for a handheld. Every form carries a CSRF token
(Flask-WTF); every page carries security headers.

An operation's refusal (``Refused``) escapes the view like any error, so the request's work is
rolled back (``server/transaction.py``); the view names the page that shows it with
``@on_refusal`` (its form again with the reasons, or a message on the page it came from), and
a view that names none answers with the error page of the refusal's kind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from server import replica
from server.access import public
from server.errors import STATUS_OF_KIND
from server.refusals import Refused

View = TypeVar("View", bound=Callable[..., Any])
RefusalPage = Callable[..., ResponseReturnValue]

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates", static_folder="static")
csrf = CSRFProtect()
babel = Babel()
LANGUAGES = ("zh", "en")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def init_app(app: Flask) -> None:
    from server.api import BLUEPRINTS
    from server.dashboard import (  # noqa: F401  (registers the views)
        admin,
        auth,
        catalog,
        conflicts,
        deadlines,
        figures,
        inbox,
        logs,
        notices,
        order_figures,
        orders,
        people,
        places,
        planning,
        quarantine,
        registry,
        reports,
        squads,
        values,
        webhooks,
    )

    app.register_blueprint(bp)
    app.add_url_rule("/", "site_root", site_root)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    csrf.init_app(app)
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)
    babel.init_app(app, locale_selector=locale, default_translation_directories="dashboard/translations")
    app.jinja_env.globals["current_locale"] = locale


@public
def site_root() -> WerkzeugResponse:
    """The address ``make run`` prints first leads to the dashboard (its sign-in when signed out)."""
    return redirect(url_for("dashboard.home"))


@public
def favicon() -> Response:
    return send_from_directory(bp.static_folder or "", "favicon.ico", mimetype="image/vnd.microsoft.icon")


@bp.after_request
def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.before_request
def read_standby_if_fresh() -> None:
    """Runs after sign-in was checked (the app's hooks come first): a page that only reads may read the standby."""
    replica.route_dashboard_reads()


@bp.before_request
def remember_language() -> None:
    if request.args.get("lang") in LANGUAGES:
        session["lang"] = request.args["lang"]


def on_refusal(page: RefusalPage) -> Callable[[View], View]:
    """Show a refusal escaping this view with ``page(refusal, **view_args)``.

    The page is rendered after the request's work was rolled back, so it shows what is
    committed. It may raise the refusal on (or another error) for the plain error page.
    """

    def declare(view: View) -> View:
        view.refusal_page = page  # type: ignore[attr-defined]
        return view

    return declare


def error_page(status: int, reason: str) -> WerkzeugResponse | tuple[str, int]:
    """Sign-in for 401, a plain page for the status otherwise."""
    if status == 401:
        return redirect(url_for("dashboard.login", next=request.full_path))
    return render_template("dashboard/error.html", status=status, reason=reason), status


@bp.errorhandler(HTTPException)
def render_error(error: HTTPException) -> WerkzeugResponse | tuple[str, int]:
    if isinstance(error, CSRFError):
        return error_page(400, "csrf")
    return error_page(error.code or 500, getattr(error, "error_code", ""))


@bp.errorhandler(Refused)
def render_refusal(refusal: Refused) -> ResponseReturnValue:
    """The view's page for the refusal, or the error page of its kind."""
    page = getattr(current_app.view_functions.get(request.endpoint or ""), "refusal_page", None)
    if page is not None:
        try:
            return page(refusal, **(request.view_args or {}))
        except Refused as passed_on:
            refusal = passed_on
        except HTTPException as error:
            return render_error(error)
    return error_page(STATUS_OF_KIND[refusal.kind], refusal.code)
