"""Plain words, in the officer's language, for what the server said and what a form lacks."""

from __future__ import annotations

from typing import Any

from mobile.forms import Problem
from mobile.session import AuthError, Offline, ServerError, SyncError, UpgradeRequired
from mobile.store import LocalRecord, SyncState
from mobile.ui.i18n import _, tr
from sync import vocab
from sync.protocol import PASSWORD_MIN_LENGTH, WEAK_PASSWORD


def field_name(name: str) -> str:
    """A wire field's name as the dashboard shows it too (``sync.vocab.FIELD_NAMES``)."""
    return tr.label(vocab.FIELD_NAMES, name.split(".")[0]) or _("Other details")


def record_kind(record_type: str) -> str:
    """What kind of record an outbox row or a problem is about, for every type a phone writes."""
    return {"venue": _("Venue"), "inspection": _("Inspection"), "followup": _("Follow-up"),
            "work_order": _("Work order"), "work_order_event": _("Work order step"),
            "rental_house": _("Rental house"), "occupant": _("Registered resident"),
            "residence_permit": _("Residence permit application"), "assignment": _("Assignment")}.get(
        record_type, record_type)


def field_list(names: Any) -> str:
    """Field labels in the officer's language, each once, in a stable order."""
    return ("、" if tr.language == "zh" else ", ").join(sorted({field_name(name) for name in names}))


def attention_text(record: LocalRecord) -> str:
    """What a record that needs the officer is, in one line: "Venue · Phone conflicts with someone else's change"."""
    if record.state is SyncState.CONFLICT:
        reason = record.detail.get("reason")
        if reason == "locked":
            what = _("approved and locked before your change arrived")
        elif reason == "deleted":
            what = _("deleted by someone else before your change arrived")
        else:
            what = _("%(fields)s conflicts with someone else's change") % {
                "fields": field_list(record.detail.get("yours") or {}) or _("a detail")}
    elif record.detail.get("left_scope"):
        what = _("no longer in your room's beat")
    else:
        fields = field_list(record.detail.get("errors") or {})
        what = _("%(fields)s not accepted by the server") % {"fields": fields} if fields \
            else _("not accepted by the server")
    return f"{record_kind(record.type)} · {what}"


def problem_text(problem: Problem) -> str:
    return {
        "required": _("Fill this in."),
        "invalid": _("This value is not valid."),
        "answer_required": _("Choose pass, fail or not applicable."),
        "note_for_failure": _("Say what failed."),
        "findings_required": _("Describe what you found."),
        "photo_required": _("Take at least one photo of the problem."),
        "deadline_required": _("Set a deadline for the rectification."),
        "deadline_in_past": _("The deadline must be after today."),
        "signature_required": _("The venue's representative signs here."),
    }.get(problem.code, _("This value is not valid."))


def rejection_text(code: str) -> str:
    return {
        "invalid": _("The server found details that are not valid."),
        "immutable_field": _("A detail that cannot change after the first save was changed."),
        "not_found": _("The server no longer has this record."),
        "out_of_scope": _("This venue is no longer in your room's beat."),
        "not_yours": _("Only the officer who recorded it may change it."),
        "reviewer_only": _("Only a station chief may approve or return a log."),
        "missing_blob": _("A photo or signature has not reached the server yet."),
        "purged": _("This record was deleted on the server long ago and cannot be created again."),
        "quarantine_full": _("The server holds too many refused changes from this phone; this one stays here. "
                             "Ask an administrator to decide the waiting ones."),
    }.get(code, _("The server did not accept this change."))


UNCORRECTABLE = frozenset({"not_found", "out_of_scope", "purged"})
"""Refusals no correction on the phone can cure: the server keeps the change for an administrator."""


def sync_explanation(record: LocalRecord) -> str:
    """Why a record is in the state it is in, in a sentence or two."""
    if record.detail.get("left_scope"):
        return left_scope_text(record)
    if record.state is SyncState.DRAFT:
        return _("A draft stays on this phone until you submit it.")
    if record.state is SyncState.QUEUED:
        return _("Saved on this phone. It will be sent at the next sync.")
    if record.state is SyncState.SENDING:
        return _("Being sent to the server.")
    if record.state is SyncState.SYNCED:
        return _("The server has this record.")
    if record.state is SyncState.CONFLICT:
        return conflict_text(record.detail)
    errors = record.detail.get("errors") or {}
    code = record.detail.get("code", "")
    lines = [rejection_text(code)]
    lines += [field_name(name) for name in errors]
    return "\n".join(lines[:1] + ([_("Check: %(fields)s") % {"fields": ", ".join(lines[1:])}] if lines[1:] else [])
                     + [kept_for_admin() if code in UNCORRECTABLE else _("Correct it and save again to resend it.")])


def kept_for_admin() -> str:
    return _("The server refused your change and keeps it for an administrator to decide.")


def left_scope_text(record: LocalRecord) -> str:
    """Work on a record that left the officer's room or station: nothing to correct on the phone."""
    opening = _("This record is no longer in your room's beat, so it is not in your lists any more.")
    if record.state is SyncState.REJECTED:
        return f"{opening}\n{kept_for_admin()}"
    return f"{opening}\n" + _("Your change will still be sent; if the server refuses it, an administrator decides.")


def conflict_text(detail: dict[str, Any]) -> str:
    reason = detail.get("reason")
    if reason == "locked":
        opening = _("Your chief approved this log before your change arrived, so it is locked.")
    elif reason == "deleted":
        opening = _("Someone deleted this record before your change arrived.")
    else:
        opening = _("Someone else changed the same details at the same time.")
    fields = ", ".join(sorted({field_name(name) for name in detail.get("yours") or {}}))
    kept = _("The server kept its version. Your version of %(fields)s is kept safe until an administrator "
             "decides.") % {"fields": fields or _("this record")}
    return f"{opening}\n{kept}"


def sign_in_error(error: BaseException) -> str:
    if isinstance(error, Offline):
        return _("Cannot reach the server. Check the address and the network.")
    if isinstance(error, UpgradeRequired):
        return _("This app is too old for the server. Update the app; your records are kept.")
    if isinstance(error, ServerError):
        return _("The server is busy. Try again in a minute.")
    code = getattr(error, "code", "")
    if code == "code_invalid":
        return _("This enrolment code is not valid, already used or expired. Ask for a new one.")
    if code == WEAK_PASSWORD:
        return _("The server refused this password: it is too short, too common or contains your user name. "
                 "Use at least %(count)s characters.") % {"count": PASSWORD_MIN_LENGTH}
    if isinstance(error, AuthError) and code == "account_disabled":
        return _("This account is disabled. Ask your station.")
    if isinstance(error, AuthError):
        return _("The user name or password is wrong.")
    if code == "device_in_use":
        return _("Another officer is signed in on this phone. They must sign out first.")
    if code == "login_throttled":
        return _("Too many attempts. Wait a few minutes and try again.")
    if isinstance(error, SyncError):
        return _("The server refused the sign-in.")
    return _("Something went wrong. Try again.")


def sync_problem(code: str) -> str:
    """A banner for the home screen after a sync round went wrong in a way the officer must act on."""
    if code in ("", "wiped"):
        return ""
    if code == "needs_password":
        return _("Enter your password again to keep syncing. Your records are safe on this phone.")
    if code == "upgrade_required":
        return _("Update the app to keep syncing. Your records are safe on this phone.")
    return _("The last sync did not finish. It will try again by itself.")
