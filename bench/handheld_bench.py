"""The handheld store: saving an inspection and searching venues, with 10,000 venues loaded.

    python -m bench.handheld_bench --venues 10000 --saves 500 --searches 200
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bench.harness import inspection, machine
from mobile.store import Records, Replica, Store
from tests.phone import STORE_KEY

STREETS = ("中山东路", "南湖路", "禾兴南路", "广益路", "东升东路", "纺工路", "由拳路", "戚家浜路", "环城东路", "庆丰路")
PREFIXES = ("南湖", "月河", "梅湾", "禾兴", "东栅", "七星", "新丰", "凤桥", "余新", "大桥", "竹林", "湘家荡")
SUFFIXES = ("宾馆", "网吧", "商铺", "超市", "足浴店", "物流有限公司", "出租房", "KTV", "五金店", "饭店")


def timings(run: Callable[[int], Any], count: int) -> dict[str, float]:
    spent = []
    for index in range(count):
        started = time.perf_counter()
        run(index)
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return {"count": count, "median_ms": round(statistics.median(spent), 3),
            "p95_ms": round(spent[int(count * 0.95) - 1], 3), "max_ms": round(spent[-1], 3)}


def pulled(record_type: str, record_id: str, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """A change as a pull page carries it."""
    return {"type": record_type, "id": record_id, "version": version, "deleted": False, "updated_at": "",
            "updated_by": None, "data": data}


def land(replica: Replica, changes: list[dict[str, Any]], page_size: int = 1000) -> None:
    """Store changes as a first sync does, a pull page at a time."""
    for start in range(0, len(changes), page_size):
        replica.apply_page({"changes": changes[start:start + page_size], "cursor": "", "has_more": False,
                            "reset": False})


def load_venues(replica: Replica, count: int, room: str, rng: random.Random, kind: str = "shop") -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    land(replica, [pulled("venue", venue_id, {
        "room_id": room, "name": f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)}{index}", "kind": kind,
        "responsible_person": "", "address": f"嘉兴市南湖区{rng.choice(STREETS)}{rng.randint(1, 999)}号",
        "phone": "", "location": None, "risk_level": "low", "notes": ""}) for index, venue_id in enumerate(ids)])
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venues", type=int, default=10000)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(2018)
    with tempfile.TemporaryDirectory() as directory:
        store = Store(directory, key=STORE_KEY)
        records = Records(store)
        room, officer = str(uuid.uuid4()), str(uuid.uuid4())
        started = time.perf_counter()
        venues = load_venues(Replica(store), args.venues, room, rng)
        loaded_s = time.perf_counter() - started
        start = datetime(2026, 11, 1, 9, tzinfo=timezone(timedelta(hours=8)))
        template = str(uuid.uuid4())

        def save(index: int) -> None:
            data = inspection(rng.choice(venues), officer, template, start + timedelta(minutes=index), rng)
            records.save("inspection", data)

        words = [rng.choice(PREFIXES) + rng.choice(SUFFIXES)[:1] for _ in range(args.searches)]
        report = {
            "benchmark": "handheld", "machine": machine(),
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "settings": vars(args),
            "venues_loaded_s": round(loaded_s, 2),
            "save_inspection": timings(save, args.saves),
            "search_three_characters": timings(lambda i: records.search_venues(words[i]), args.searches),
            "search_two_characters": timings(lambda i: records.search_venues(rng.choice(PREFIXES)), args.searches),
            "search_address": timings(lambda i: records.search_venues(rng.choice(STREETS)), args.searches),
        }
        store.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
