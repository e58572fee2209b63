"""The rental registry in the real app: a house and a resident registered offline, the ID number checked as
typed, a move-out in two touches, a permit application, Today's registry work; masked on every list."""

from __future__ import annotations

import re
from typing import Any

from sync.identity import with_check_digit
from tests.mobile.ui.driver import Officer, sign_in
from tests.mobile.ui.test_screens import english_words
from tests.mobile.ui.test_work_orders import wait_sent

WHOLE_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")



def unmasked(officer: Officer) -> list[str]:
    return [text for text in officer.texts() if WHOLE_ID.search(text) or re.search(r"(?<![0-9])1[3-9][0-9]{9}", text)]


def test_an_officer_registers_a_house_and_a_resident_offline_and_moves_one_out_in_two_touches(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "zh")
    sign_in(officer, "officer1")
    assert any("出租房" in text or "未核查" in text for text in officer.texts())
    network.offline = True
    officer.tap("registry")
    officer.on("registry")
    assert officer.rows("houses") and unmasked(officer) == [] and english_words(officer) == []
    officer.screenshot("registry")
    officer.tap("new_house")
    officer.on("house_form")
    officer.type("address", "嘉兴市南湖区枫杨路88号")
    officer.type("landlord_name", "演示房东")
    officer.type("landlord_phone", "13912345678")
    officer.type("units", "101 102")
    officer.tap("save")
    officer.on("house")
    officer.tap("register")
    officer.on("occupant_form")
    officer.choose("unit", "101")
    officer.type("full_name", "演示张甲")
    number = with_check_digit("33040219950615123")
    officer.type("document_number", number[:10] + "1301")
    assert officer.widget("document_problem").text, "a month 13 is flagged as it is typed"
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    officer.type("document_number", wrong)
    assert officer.widget("document_problem").text
    officer.type("document_number", number)
    assert officer.widget("document_problem").text == ""
    officer.type("phone", "13800001111")
    officer.screenshot("register-resident")
    officer.tap("save")
    house = officer.on("house")
    row = officer.wait(lambda: next((r for r in house.ids.residents.children if "演***" in getattr(r, "title", "")),
                                    None), "the new resident's row")
    assert number not in row.subtitle and number[-4:] in row.subtitle and unmasked(officer) == []
    assert english_words(officer) == []
    officer.screenshot("house")
    registration = next(r for r in officer.app.records.all("occupant") if r.data["document_number"] == number)
    officer.touches = 0
    officer.tap(row.children[0].children[1])
    assert officer.app.records.get("occupant", registration.id).data["moved_out_at"] is None
    row = next(r for r in house.ids.residents.children if getattr(r, "record_id", "") == registration.id)
    officer.tap(row.children[0].children[1])
    assert officer.touches == 2
    assert officer.app.records.get("occupant", registration.id).data["moved_out_at"] is not None
    network.offline = False
    wait_sent(officer)
    assert officer.app.records.get("occupant", registration.id).state.value == "synced"


def test_a_permit_application_is_taken_in_two_touches_and_today_lists_houses_to_visit(
        start_app: Any, network: Any) -> None:
    officer = start_app(network.url, "en")
    sign_in(officer, "officer1")
    home = officer.on("home")
    officer.wait(lambda: any(text.startswith("Houses not verified for 90 days") for text in officer.texts()),
                 "Today's registry work, drawn below the rest")
    officer.screenshot("today-registry")
    open_registration = next(r for r in officer.app.records.all("occupant")
                             if not r.data["moved_out_at"] and r.data["document_kind"] == "resident_id"
                             and not any(p.data["occupant_id"] == r.id
                                         for p in officer.app.records.all("residence_permit")))
    officer.app.go("house", record_id=open_registration.data["house_id"])
    house = officer.on("house")
    row = next(r for r in house.ids.residents.children if getattr(r, "record_id", "") == open_registration.id)
    officer.tap(row.children[0].children[0])
    row = next(r for r in house.ids.residents.children if getattr(r, "record_id", "") == open_registration.id)
    officer.tap(row.children[0].children[0])
    permits = [p for p in officer.app.records.all("residence_permit") if p.data["occupant_id"] == open_registration.id]
    assert [p.data["status"] for p in permits] == ["applied"]
    assert home is not None and unmasked(officer) == []
    wait_sent(officer)
