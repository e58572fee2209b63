"""The alert rules and the Grafana dashboard in docs/ops/ ask only for series the server exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.phone import DeviceFactory, hostile_push
from tests.server.test_metrics import a_push_of_every_outcome
from tests.world import World

OPS = Path(__file__).parents[2] / "docs" / "ops"
ALERTS = OPS / "alerts.yml"
DASHBOARD = OPS / "grafana-dashboard.json"
SELECTOR = re.compile(r"\b(beatlog_\w+)\s*(?:\{([^}]*)\})?")
MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
TARGET_LABELS = {"instance", "job"}
"""Labels Prometheus itself gives every series it scrapes."""


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]]


def expressions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def every_expression() -> list[str]:
    dashboard = list(expressions(json.loads(DASHBOARD.read_text())))
    assert dashboard, "the dashboard has no queries"
    return [rule["expr"] for rule in alert_rules()] + dashboard


@pytest.fixture
def exported(client: FlaskClient, world: World, device: DeviceFactory) -> dict[str, set[str]]:
    """Each series name the server exports, with its label names, once every kind has been counted."""
    hostile_push(client, world, "officer_a1", *a_push_of_every_outcome(world))
    device("officer_a1b").pull()
    text = client.get("/metrics").get_data(as_text=True)
    series: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
    return series


def test_the_alerts_cover_what_the_on_call_engineer_must_hear_about() -> None:
    rules = {rule["alert"]: rule for rule in alert_rules()}
    assert set(rules) == {"BeatlogDevicesSilent", "BeatlogConflictsWaiting", "BeatlogLedgerLockSlow",
                          "BeatlogServerErrors", "BeatlogDatabaseDown"}
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in ("page", "ticket"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["runbook"], name
        assert rule["annotations"]["runbook"].startswith("docs/operations.md#metrics-and-logs"), name


def test_every_series_an_alert_or_panel_asks_for_is_exported_with_those_labels(
    exported: dict[str, set[str]]
) -> None:
    for expression in every_expression():
        named = SELECTOR.findall(expression)
        assert named, expression
        labels = set().union(*(exported.get(name, set()) for name, _ in named))
        for name, matchers in named:
            assert name in exported, f"{name} (in {expression!r}) is not exported"
            assert set(MATCHER.findall(matchers)) <= exported[name], f"{name}{{{matchers}}} names an unknown label"
        for grouping in GROUPING.findall(expression):
            grouped = {label.strip() for label in grouping.split(",") if label.strip()}
            assert grouped <= labels | TARGET_LABELS, f"{expression!r} groups by labels its series lack"


def test_each_alert_has_its_runbook_entry() -> None:
    runbook = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    for rule in alert_rules():
        assert f"`{rule['alert']}`" in runbook, rule["alert"]
