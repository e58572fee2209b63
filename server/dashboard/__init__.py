"""The station chiefs' and admins' web dashboard, served by the same app under /dashboard.

Pages are rendered on the server (Jinja) with one small local script; nothing is fetched
from the internet. Sign-in uses the same accounts and the same token machinery as the API:
the token lives in the signed session cookie, so scope, revocation and expiry are checked
by ``server.access`` exactly as for a handheld. Every form carries a CSRF token
(Flask-WTF); every page carries security headers.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, redirect, render_template, request, session, url_for
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

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
        people,
        places,
        quarantine,
        reports,
    )

    app.register_blueprint(bp)
    csrf.init_app(app)
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)
    babel.init_app(app, locale_selector=locale, default_translation_directories="dashboard/translations")
    app.jinja_env.globals["current_locale"] = locale


@bp.after_request
def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.before_request
def remember_language() -> None:
    if request.args.get("lang") in LANGUAGES:
        session["lang"] = request.args["lang"]


@bp.errorhandler(HTTPException)
def render_error(error: HTTPException) -> WerkzeugResponse | tuple[str, int]:
    """Dashboard pages answer errors as pages: sign-in for 401, a plain page otherwise."""
    if error.code == 401:
        return redirect(url_for("dashboard.login", next=request.full_path))
    if isinstance(error, CSRFError):
        return render_template("dashboard/error.html", status=400, reason="csrf"), 400
    return render_template("dashboard/error.html", status=error.code or 500, reason=getattr(error, "error_code", "")), \
        error.code or 500
