"""The parts of ``make bench-peers`` that need no peer installed: the records every system gets, the
batching, the ratios against the issue's targets, the table, and the Kinto settings it writes."""

from __future__ import annotations

import configparser
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

from bench.harness import RECORDS_SEED, inspections
from bench.peers import PEER_IDS, Record, kinto_settings
from bench.peers_bench import best, measure, ratios, table


def figures(push: int, pull: int) -> dict[str, dict[str, int]]:
    return {"push": {"records_per_s": push}, "pull": {"records_per_s": pull}}


def test_every_system_gets_the_same_records_whatever_ids_they_point_at() -> None:
    beatlog_ids = {name: str(uuid.uuid4()) for name in ("venue", "officer", "template")}
    for_beatlog = [data for _, data in inspections(beatlog_ids, 50, random.Random(RECORDS_SEED))]
    for_peers = [data for _, data in inspections(PEER_IDS, 50, random.Random(RECORDS_SEED))]

    def without_ids(data: dict) -> dict:
        return {key: value for key, value in data.items() if key not in ("venue_id", "officer_id", "template_id")}

    assert [without_ids(data) for data in for_beatlog] == [without_ids(data) for data in for_peers]
    assert {len(json.dumps(data, ensure_ascii=False).encode()) for data in for_beatlog} == \
        {len(json.dumps(data, ensure_ascii=False).encode()) for data in for_peers}
    assert len({data["checklist"]["item_00"]["note"] for data in for_peers}) > 1


class Counting:
    def __init__(self) -> None:
        self.batches: list[int] = []

    def push(self, records: list[Record]) -> float:
        self.batches.append(len(records))
        return 0.5

    def pull(self, page: int) -> tuple[int, float]:
        return sum(self.batches), 0.25


def test_measure_pushes_every_record_once_in_batches_and_divides_by_the_time_on_the_wire() -> None:
    system = Counting()
    records: Iterator[Record] = inspections(PEER_IDS, 1100, random.Random(RECORDS_SEED))

    result = measure(system, records, 1100, 500, 5000)

    assert system.batches == [500, 500, 100]
    assert next(records, None) is None
    assert result["push"] == {"records": 1100, "batch": 500, "seconds": 1.5, "records_per_s": 733}
    assert result["pull"] == {"records": 1100, "page": 5000, "seconds": 0.25, "records_per_s": 4400}


def test_beatlog_is_judged_by_its_records_per_second_over_each_peers_against_the_issues_targets() -> None:
    systems = {"beatlog-sqlite": figures(3000, 40000), "pouchdb-server": figures(2000, 5000),
               "kinto": figures(40, 10000)}

    found = {(row["direction"], row["peer"]): row for row in ratios(systems)}

    assert set(found) == {("push", "pouchdb-server"), ("pull", "pouchdb-server"), ("push", "kinto"),
                          ("pull", "kinto")}
    assert found["push", "pouchdb-server"] == {"beatlog": "beatlog-sqlite", "peer": "pouchdb-server",
                                               "direction": "push", "ratio": 1.5, "target": 1.5, "met": True}
    assert (found["pull", "pouchdb-server"]["ratio"], found["pull", "pouchdb-server"]["met"]) == (8.0, True)
    assert (found["push", "kinto"]["ratio"], found["push", "kinto"]["target"], found["push", "kinto"]["met"]) == \
        (75.0, None, None)
    assert (found["pull", "kinto"]["ratio"], found["pull", "kinto"]["met"]) == (4.0, True)


def test_the_table_shows_every_system_and_says_which_targets_were_not_met() -> None:
    systems = {"beatlog-sqlite": figures(1072, 25951), "beatlog-postgresql": figures(984, 23847),
               "pouchdb-server": figures(2720, 5700), "kinto": figures(41, 5900)}

    text = table(systems, ratios(systems))

    assert "beatlog-postgresql" in text and "25,951" in text and "2,720" in text
    push_row = next(line for line in text.splitlines() if line.startswith("push, beatlog-sqlite ÷ pouchdb-server"))
    assert "0.39×" in push_row and "≥ 1.5: NOT met" in push_row
    pull_row = next(line for line in text.splitlines() if line.startswith("pull, beatlog-postgresql ÷ kinto"))
    assert "4.04×" in pull_row and "≥ 4: met" in pull_row


def test_kinto_is_pointed_at_its_database_and_keeps_its_port_placeholder(tmp_path: Path) -> None:
    ini = tmp_path / "kinto.ini"
    ini.write_text("[server:main]\nuse = egg:waitress#main\nport = %(http_port)s\n\n[app:main]\nuse = egg:kinto\n"
                   "kinto.storage_url = postgresql://postgres:postgres@localhost/postgres\n"
                   "kinto.permission_url = postgresql://postgres:postgres@localhost/postgres\n\n"
                   "[logger_root]\nlevel = INFO\n\n[logger_kinto]\nlevel = DEBUG\n")

    kinto_settings(ini, "postgresql://postgres@127.0.0.1:5432/peers_bench_kinto")

    config = configparser.ConfigParser(interpolation=None)
    config.read(ini)
    assert config["server:main"]["port"] == "%(http_port)s"
    assert config["app:main"]["kinto.storage_url"] == config["app:main"]["kinto.permission_url"] == \
        "postgresql://postgres@127.0.0.1:5432/peers_bench_kinto"
    assert config["logger_root"]["level"] == config["logger_kinto"]["level"] == "WARNING"


def test_a_system_run_several_times_keeps_its_best_push_and_best_pull_and_every_runs_figure() -> None:
    slow_push = {"push": {"records": 10, "seconds": 2.0, "records_per_s": 5},
                 "pull": {"records": 10, "records_per_s": 90}}
    slow_pull = {"push": {"records": 10, "seconds": 1.0, "records_per_s": 10},
                 "pull": {"records": 10, "records_per_s": 30}}

    figures = best([slow_push, slow_pull])

    assert figures["push"] == {"records": 10, "seconds": 1.0, "records_per_s": 10, "runs_records_per_s": [5, 10]}
    assert figures["pull"] == {"records": 10, "records_per_s": 90, "runs_records_per_s": [90, 30]}
