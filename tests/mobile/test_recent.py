"""The venues Today offers first: those opened or worked at lately, and those around the officer."""

from __future__ import annotations

import uuid

from mobile.recent import nearby_venues, recent_venues, remember_opened
from mobile.services.location import Fix
from mobile.store import Records, Store
from tests.mobile.test_store import venue

HERE = (30.7700, 120.7500)


def fix_at(lat: float, lon: float) -> Fix:
    return Fix(lat=lat, lon=lon, accuracy_m=8.0, mocked=False, fixed_at="2026-12-02T09:00:00+08:00")


def placed(records: Records, name: str, lat: float, lon: float) -> str:
    position = {"lat": lat, "lon": lon, "accuracy_m": 5.0, "mocked": False, "fixed_at": "2026-12-01T09:00:00+08:00"}
    return records.save("venue", venue(name=name, location=position)).id


def test_venues_opened_on_this_phone_come_first_newest_first_then_those_of_the_officers_latest_logs(
        records: Records, store: Store) -> None:
    officer, someone_else = str(uuid.uuid4()), str(uuid.uuid4())
    inspected, by_someone_else, opened_first, opened_last = (records.save("venue", venue(name=name)).id for name in (
        "月河宾馆", "南湖网吧", "凤桥商务酒店", "梅湾粽子店"))
    for venue_id, officer_id in ((inspected, officer), (by_someone_else, someone_else)):
        records.save("inspection", {"venue_id": venue_id, "officer_id": officer_id,
                                    "inspected_at": "2026-12-01T10:00:00+08:00"}, submit=False)
    remember_opened(store, opened_first)
    remember_opened(store, opened_last)
    remember_opened(store, inspected)

    assert [v.id for v in recent_venues(records, officer)] == [inspected, opened_last, opened_first]
    assert [v.id for v in recent_venues(records, officer, limit=2)] == [inspected, opened_last]


def test_nearby_venues_are_those_within_the_radius_of_the_fix_nearest_first_and_none_without_a_fix(
        records: Records) -> None:
    near = placed(records, "月河宾馆", HERE[0] + 0.0005, HERE[1])
    nearer = placed(records, "凤桥商务酒店", HERE[0], HERE[1] + 0.0002)
    placed(records, "南湖网吧", HERE[0] + 0.01, HERE[1])
    records.save("venue", venue(name="没有位置的店"))

    assert [v.id for v in nearby_venues(records, fix_at(*HERE))] == [nearer, near]
    assert nearby_venues(records, None) == []


def test_two_venues_at_the_same_position_are_both_nearby(records: Records) -> None:
    """Two shops in one building share a fix: equal distances must not compare the venues themselves."""
    shops = {placed(records, name, HERE[0] + 0.0003, HERE[1]) for name in ("一楼超市", "二楼茶馆")}

    assert {v.id for v in nearby_venues(records, fix_at(*HERE))} == shops
