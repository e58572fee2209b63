"""The officer's forms in the real window: autosaved drafts, answers at a glance, read-only summaries, defaults.

Kivy is imported inside the tests: importing it at collection would open the window before
the fixtures give it a display and a handheld's size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.mobile.ui.driver import Officer, sign_in, unlock
from tests.mobile.ui.test_officer_app import hotel_in_beat, open_venue, pick_photo


def start_inspection(officer: Officer) -> Any:
    venue = hotel_in_beat(officer)
    open_venue(officer, venue, venue.data["name"][:2])
    officer.tap("inspect")
    return officer.on("inspection")


def offline_inspection(start_app: Any, network: Any) -> tuple[Officer, Any]:
    """A signed-in officer, out of coverage, on a new inspection of a hotel in the beat."""
    officer = start_app(network.url, "zh")
    sign_in(officer)
    network.offline = True
    return officer, start_inspection(officer)


def leave_form_sheet(officer: Officer) -> Any:
    from mobile.ui.drafting import LeaveFormSheet

    return officer.wait(lambda: next((w for w in officer.window.children if isinstance(w, LeaveFormSheet)), None),
                        "the keep-or-discard question")


def unsent_inspections(officer: Officer) -> int:
    return len(officer.app.store.query("SELECT 1 FROM outbox WHERE type = 'inspection'"))


def test_a_half_filled_inspection_survives_a_killed_app_and_reopens_where_it_was(
        start_app: Any, network: Any, tmp_path: Path, photo_folder: Path) -> None:
    phone = tmp_path / "phone"
    officer = start_app(network.url, "zh", data_dir=phone)
    sign_in(officer)
    network.offline = True
    form = start_inspection(officer)
    venue_name = form.venue_name
    officer.choose(form.items[0].ids.result, "pass")
    officer.choose(form.items[1].ids.result, "fail")
    officer.type(form.items[1].ids.note, "灭火器过期")
    officer.type("findings", "二楼灭火器过期未更换")
    pick_photo(officer)
    officer.sign("signature")
    photos, signature = list(form.ids.photos.hashes), form.ids.signature.sha256
    drafts = officer.app.drafts
    officer.wait(lambda: (draft := drafts.open_form()) is not None and draft.fields["signature_hash"] == signature,
                 "the form to be autosaved")
    form.ids.photos.annotate(photos[0], {**form.ids.photos.notes[photos[0]], "caption": "二楼东侧灭火器"})
    officer.wait(lambda: (draft := drafts.open_form()) is not None
                 and draft.fields["photo_notes"][photos[0]]["caption"] == "二楼东侧灭火器",
                 "a caption typed on a photo to be autosaved too")
    assert unsent_inspections(officer) == 0, "an unsaved form is never a record to send"
    officer.kill()

    officer = unlock(start_app(network.url, "zh", data_dir=phone))
    form = officer.on("inspection")
    assert form.venue_name == venue_name and form.restored
    assert "已恢复草稿" in form.ids.restored.text
    assert [row.ids.result.value for row in form.items[:3]] == ["pass", "fail", ""]
    assert form.items[1].ids.note.text == "灭火器过期"
    assert form.ids.findings.text == "二楼灭火器过期未更换"
    assert list(form.ids.photos.hashes) == photos and form.ids.signature.sha256 == signature
    assert form.ids.photos.notes[photos[0]]["caption"] == "二楼东侧灭火器"
    assert unsent_inspections(officer) == 0
    officer.back()
    assert officer.screen.name == "inspection", "Back asks before leaving a restored draft"
    officer.tap(leave_form_sheet(officer).ids.keep)
    officer.on("home")


def test_back_on_a_changed_form_offers_keep_draft_or_discard_and_each_does_what_it_says(
        start_app: Any, network: Any) -> None:
    officer, form = offline_inspection(start_app, network)
    officer.choose(form.items[0].ids.result, "fail")
    drafts, writes = officer.app.drafts, []
    keep = drafts.keep
    drafts.keep = lambda *args, **kwargs: (writes.append(args[2].get("findings")), keep(*args, **kwargs))
    officer.tap("findings")
    for character in "安全出口堵塞":
        form.ids.findings.insert_text(character)
        officer.pump(1)
    officer.wait(lambda: writes and writes[-1] == "安全出口堵塞", "the typed findings to be autosaved")
    assert len(writes) <= 3, f"typing is coalesced, not one write per keystroke: {writes}"
    officer.back()
    sheet = leave_form_sheet(officer)
    assert {sheet.ids.keep.text, sheet.ids.discard.text} == {"保留草稿", "放弃"}
    officer.screenshot("inspection-leave")
    officer.tap(sheet.ids.keep)
    officer.on("venue")

    officer.tap("inspect")
    form = officer.on("inspection")
    assert form.restored and form.items[0].ids.result.value == "fail"
    assert form.ids.findings.text == "安全出口堵塞"
    officer.back()
    officer.tap(leave_form_sheet(officer).ids.discard)
    officer.on("venue")

    officer.tap("inspect")
    form = officer.on("inspection")
    assert not form.restored and form.items[0].ids.result.value == "" and form.ids.findings.text == ""
    officer.back()
    officer.on("venue")
    assert not any(type(w).__name__ == "LeaveFormSheet" for w in officer.window.children), "nothing to ask about"
    assert officer.app.drafts.get("inspection", {"venue_id": form.venue.id}) is None
    assert unsent_inspections(officer) == 0


def test_answers_read_at_a_glance_with_progress_and_required_marks_shown_before_submitting(
        start_app: Any, network: Any) -> None:
    officer, form = offline_inspection(start_app, network)
    total = len(form.items)
    assert officer.widget("progress").text == f"0/{total} 已答"
    assert "*" in officer.widget("required_hint").text and officer.widget("required_hint").opacity == 1
    assert all(row.ids.result.parent.children[-1].text.endswith(" *") for row in form.items)
    assert officer.widget("signature_heading").text.endswith(" *")
    assert not officer.widget("findings_heading").text.endswith("*"), "findings are asked for only after a failure"

    chosen = {"pass": form.items[0], "fail": form.items[1], "not_applicable": form.items[2]}
    for result, row in chosen.items():
        officer.choose(row.ids.result, result)
    buttons = {result: row.ids.result.button_for(result) for result, row in chosen.items()}
    assert {result: button.text for result, button in buttons.items()} == {
        "pass": "✓ 合格", "fail": "× 不合格", "not_applicable": "– 不适用"}
    assert len({tuple(button.background_color) for button in buttons.values()}) == 3, "pass, fail, N/A differ"
    assert form.items[0].ids.result.button_for("fail").text == "不合格", "only the chosen answer carries a mark"
    assert officer.widget("progress").text == f"3/{total} 已答"
    assert officer.widget("findings_heading").text.endswith(" *")
    assert officer.widget("photos_heading").text.endswith(" *")
    assert form.errors == {}
    officer.screenshot("inspection-answers")

    officer.back()
    officer.tap(leave_form_sheet(officer).ids.discard)
    officer.on("venue")
    officer.tap("edit")
    venue_form = officer.on("venue_form")
    marked = {text for text in officer.texts() if text.endswith(" *")}
    assert {"名称 *", "场所类型 *", "地址 *"} <= marked, marked
    assert venue_form.errors == {}


def test_a_recheck_is_due_on_the_rectification_deadline_and_a_plan_shows_the_visit_fields_only_for_the_visit(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer)
    network.offline = True
    records = officer.app.records
    ordered = [i for i in records.all("inspection") if i.data.get("rectification_deadline")]
    venue = records.get("venue", ordered[0].data["venue_id"])
    open_venue(officer, venue, venue.data["name"])
    officer.tap("plan_followup")
    form = officer.on("followup")
    assert form.ids.subject_kind.value == "rectification"
    recheck = records.get("inspection", form.ids.inspection.value)
    assert form.ids.due_date.text == recheck.data["rectification_deadline"]

    assert form.ids.outcome.get_root_window() is None and form.ids.satisfaction.get_root_window() is None
    assert form.ids.visit_done.get_root_window() is None and form.ids.record_visit.get_root_window() is not None
    officer.screenshot("followup-plan")
    officer.tap("record_visit")
    assert form.ids.outcome.get_root_window() is not None and form.ids.record_visit.get_root_window() is None
    assert form.ids.visit_done.get_root_window() is not None
    officer.type("outcome", "已整改到位")
    officer.wait(lambda: (draft := officer.app.drafts.open_form()) is not None
                 and draft.fields.get("outcome") == "已整改到位", "the visit's fields to be autosaved too")


def test_an_approved_log_reads_as_a_summary_in_normal_contrast_not_as_greyed_out_controls(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer)
    records = officer.app.records
    approved = [i for i in records.all("inspection") if i.data["status"] == "approved"]
    log = max(approved, key=lambda i: (any(a["result"] == "fail" for a in i.data["checklist"].values()),
                                       bool(i.data.get("review_comment")), bool(i.data.get("photo_hashes"))))
    venue = records.get("venue", log.data["venue_id"])
    open_venue(officer, venue, venue.data["name"])
    officer.tap(officer.wait(lambda: next((row for row in officer.rows("history") if row.record_id == log.id), None),
                             "the approved log in the venue's history"))
    form = officer.on("inspection")
    assert form.locked
    assert form.ids.scroller.get_root_window() is None, "no form controls, disabled or not"
    assert not [w for w in form.walk(restrict=True) if getattr(w, "disabled", False) and w.get_root_window()
                and getattr(w, "opacity", 1)]
    lines = form.ids.summary_items.children[::-1]
    assert len(lines) == len(log.data["checklist"]) or len(lines) == len(form.items)
    from mobile.ui.widgets import DANGER

    failed = [line for line in lines if line.result.startswith("×")]
    assert failed and all(tuple(line.ids.result.color) == DANGER for line in failed)
    assert all(line.ids.result.color[3] == 1 for line in lines)
    if log.data.get("findings"):
        assert form.ids.summary_findings.text == log.data["findings"]
    assert form.ids.review_note.text
    texts = officer.texts()
    assert "已通过审核，本记录已锁定。" in "".join(texts) or any("锁定" in text for text in texts)
    officer.screenshot("inspection-approved")


def open_log(officer: Officer, log: Any) -> Any:
    venue = officer.app.records.get("venue", log.data["venue_id"])
    open_venue(officer, venue, venue.data["name"])
    officer.tap(officer.wait(lambda: next((row for row in officer.rows("history") if row.record_id == log.id), None),
                             "the log in the venue's history"))
    return officer.on("inspection")


def unlock_again(start_app: Any, network: Any, phone: Path, said: list[str] | None = None) -> Officer:
    """The app started again on the phone's data and unlocked; each toast's text goes into ``said``
    (a toast fades in 3 s, sooner than a slow machine may look for it)."""
    officer = start_app(network.url, "zh", data_dir=phone)
    officer.on("unlock")
    if said is not None:
        toast = officer.app.toast
        officer.app.toast = lambda text, *rest: (said.append(text), toast(text, *rest))
    officer.type("password", "demo")
    officer.tap("unlock")
    return officer


def draft_left_open_on_a_log(start_app: Any, network: Any, phone: Path) -> Any:
    """An officer half-edits an existing, unapproved log and the app is killed; the log as it was then."""
    officer = start_app(network.url, "zh", data_dir=phone)
    sign_in(officer)
    network.offline = True
    log = next(i for i in officer.app.records.all("inspection") if i.data["status"] in ("submitted", "returned"))
    form = open_log(officer, log)
    assert not form.locked
    officer.type("findings", "草稿里的旧看法")
    officer.wait(lambda: (draft := officer.app.drafts.open_form()) is not None
                 and draft.fields["findings"] == "草稿里的旧看法", "the edit to be autosaved")
    officer.kill()
    return log


def pull_into(phone: Path, log: Any, version: int, deleted: bool = False, **data: Any) -> None:
    """What a sync round applies to the phone's store while the form is not open."""
    from mobile.account import Account
    from mobile.store import Replica, Store

    store = Store(phone / "store")
    Account(store).open_store("demo")
    try:
        Replica(store).apply_page({"changes": [{"type": "inspection", "id": log.id, "version": version,
                                                "deleted": deleted, "updated_at": "x", "updated_by": None,
                                                "data": {**log.data, **data}}],
                                   "cursor": "later", "has_more": False, "reset": False})
    finally:
        store.close()


def test_a_draft_over_a_log_approved_since_is_discarded_with_a_word_and_the_approved_log_is_shown(
        start_app: Any, network: Any, tmp_path: Path) -> None:
    phone = tmp_path / "phone"
    log = draft_left_open_on_a_log(start_app, network, phone)
    pull_into(phone, log, log.version + 1, status="approved", findings="所长核实后的结论")

    said: list[str] = []
    officer = unlock_again(start_app, network, phone, said)
    officer.on("home")
    officer.wait(lambda: bool(said), "a word about the discarded draft")
    assert said == ["草稿已过期：记录已被更新，未保存的修改已放弃"]
    assert officer.app.drafts.get("inspection", {"record_id": log.id}) is None
    form = open_log(officer, log)
    assert form.locked and not form.restored
    assert form.ids.summary_findings.text == "所长核实后的结论"


def test_a_draft_over_a_log_gone_from_the_phone_does_not_reopen_and_unlock_still_works(
        start_app: Any, network: Any, tmp_path: Path) -> None:
    phone = tmp_path / "phone"
    log = draft_left_open_on_a_log(start_app, network, phone)
    pull_into(phone, log, log.version + 1, deleted=True)

    said: list[str] = []
    officer = unlock_again(start_app, network, phone, said)
    officer.on("home")
    officer.wait(lambda: bool(said), "a word about the discarded draft")
    assert said == ["草稿已过期：记录已不在本机，未保存的修改已放弃"]
    assert officer.app.drafts.open_form() is None
    assert officer.app.drafts.get("inspection", {"record_id": log.id}) is None


def test_closing_the_app_mid_write_and_before_the_autosave_delay_keeps_the_last_edit(
        start_app: Any, network: Any, tmp_path: Path) -> None:
    import threading

    phone = tmp_path / "phone"
    officer = start_app(network.url, "zh", data_dir=phone)
    sign_in(officer)
    network.offline = True
    form = start_inspection(officer)
    drafts, gate = officer.app.drafts, threading.Event()
    keep = drafts.keep

    def slow_keep(*args: Any, **kwargs: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            gate.wait(10)
        keep(*args, **kwargs)

    drafts.keep = slow_keep
    officer.type("findings", "安全出口")
    officer.wait(lambda: form.autosave.running, "the first autosave to be under way")
    officer.type("findings", "安全出口堵塞")
    gate.set()
    officer.close()

    officer = unlock_again(start_app, network, phone)
    form = officer.on("inspection")
    assert form.restored and form.ids.findings.text == "安全出口堵塞"



def test_a_change_pulled_while_a_log_is_open_survives_the_officer_saving_their_own(
        start_app: Any, network: Any) -> None:
    """Saving sends what the officer changed, not the whole form as it was opened over a newer version."""
    from mobile.store import Replica

    officer = start_app(network.url, "zh")
    sign_in(officer)
    network.offline = True
    log = next(i for i in officer.app.records.all("inspection") if i.data["status"] == "returned")
    open_log(officer, log)
    pulled = next(level for level in ("none", "minor", "major") if level != log.data.get("hazard_level"))
    Replica(officer.app.store).apply_page({"changes": [{
        "type": "inspection", "id": log.id, "version": log.version + 1, "deleted": False, "updated_at": "x",
        "updated_by": None, "data": {**log.data, "hazard_level": pulled}}],
        "cursor": "later", "has_more": False, "reset": False})
    officer.type("findings", "民警补充的检查发现")
    officer.tap("save_draft")
    officer.on("venue")

    saved = officer.app.records.get("inspection", log.id)
    assert saved is not None and saved.data["findings"] == "民警补充的检查发现"
    assert saved.data["hazard_level"] == pulled, "the colleague's change pulled meanwhile is kept"


def test_the_form_opened_again_after_a_discarded_one_starts_blank_with_nothing_left_of_the_last(
        start_app: Any, network: Any) -> None:
    """The form's checklist rows are built once and refilled at each opening: none carries an answer, a note
    or a problem over from the form before."""
    officer, form = offline_inspection(start_app, network)
    officer.choose(form.items[0].ids.result, "fail")
    officer.type(form.items[0].ids.note, "灭火器过期")
    officer.tap("submit")
    officer.wait(lambda: form.items[1].error, "the problems beside the unanswered items")
    officer.back()
    officer.tap(leave_form_sheet(officer).ids.discard)
    officer.on("venue")

    officer.tap("inspect")
    again = officer.on("inspection")

    assert [(row.ids.result.value, row.ids.note.text, row.error) for row in again.items] == [
        ("", "", "")] * len(again.items)
    assert officer.widget("progress").text == f"0/{len(again.items)} 已答"
    assert [row.label.split(". ")[0] for row in again.items] == [str(n) for n in range(1, len(again.items) + 1)]
