"""Settings come from the environment, with defaults that work on a laptop."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from server import create_app
from server.config import database_url, settings_from_env, web_server_settings
from tests.conftest import PII_KEYS


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        ("postgres://u:p@db/beatlog", "postgresql+psycopg://u:p@db/beatlog"),
        ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg_3(given: str, expected: str) -> None:
    assert database_url(given) == expected


def test_the_environment_sets_the_database_secret_and_limits(tmp_path: Path) -> None:
    settings = settings_from_env(
        {
            "DATABASE_URL": "postgresql://db/beatlog",
            "SECRET_KEY": "s3cret",
            "BEATLOG_TOKEN_LIFETIME_HOURS": "12",
            "BEATLOG_MAX_BODY_BYTES": "1000",
            "BEATLOG_MAX_BLOB_BYTES": "500",
        },
        str(tmp_path),
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/beatlog"
    assert settings["SECRET_KEY"] == "s3cret"
    assert (settings["TOKEN_LIFETIME_HOURS"], settings["MAX_CONTENT_LENGTH"], settings["MAX_BLOB_BYTES"]) == (
        12, 1000, 500)
    assert not (tmp_path / "secret_key").exists()


def test_a_setting_that_is_not_a_number_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_TOKEN_LIFETIME_HOURS"):
        settings_from_env({"BEATLOG_TOKEN_LIFETIME_HOURS": "a week"}, str(tmp_path))


def test_without_settings_the_database_and_a_private_secret_live_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "BEATLOG_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/beatlog.sqlite"
    secret_file = tmp_path / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == secret_file.read_text() == app.config["AUDIT_KEY"]
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_a_given_config_overrides_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEATLOG_TOKEN_LIFETIME_HOURS", "5")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TOKEN_LIFETIME_HOURS": 1})
    assert app.config["TOKEN_LIFETIME_HOURS"] == 1
    assert app.config["AUDIT_KEY"] == "x"
    assert not (tmp_path / "secret_key").exists()


def test_behind_a_proxy_the_forwarded_client_address_is_used(tmp_path: Path) -> None:
    from flask import request

    from server.access import public

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "PROXY_HOPS": 1})

    @public
    def address() -> str:
        return request.remote_addr or ""

    app.add_url_rule("/whoami", "whoami", address)
    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "10.1.2.3"})
    assert response.get_data(as_text=True) == "10.1.2.3"


PRODUCTION = {"SQLALCHEMY_DATABASE_URI": "postgresql://db.example/beatlog", "SECRET_KEY": "s3cret"}


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "BEATLOG_AUDIT_KEY", "BEATLOG_DEMO", "FLASK_DEBUG", *PII_KEYS):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("audit_key", [None, "", "s3cret"])
def test_production_refuses_to_start_without_an_audit_key_of_its_own(
    tmp_path: Path, bare_environment: None, audit_key: str | None
) -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_AUDIT_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION, "AUDIT_KEY": audit_key})


def test_production_starts_with_a_distinct_audit_key(tmp_path: Path, bare_environment: None) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION, **RESIDENT_KEYS, "AUDIT_KEY": "another"})
    assert app.config["AUDIT_KEY"] == "another"


RESIDENT_KEYS = {"PII_KEYS": PII_KEYS["BEATLOG_PII_KEYS"], "PII_INDEX_KEY": PII_KEYS["BEATLOG_PII_INDEX_KEY"]}


@pytest.mark.parametrize("keys", [{}, {"PII_KEYS": RESIDENT_KEYS["PII_KEYS"]},
                                  {**RESIDENT_KEYS, "PII_INDEX_KEY": RESIDENT_KEYS["PII_KEYS"].partition(":")[2]},
                                  {**RESIDENT_KEYS, "AUDIT_KEY": RESIDENT_KEYS["PII_INDEX_KEY"]}])
def test_production_refuses_to_start_without_residents_data_keys_of_their_own(
    tmp_path: Path, bare_environment: None, keys: dict[str, str]
) -> None:
    with pytest.raises(RuntimeError, match="PII"):
        create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION, "AUDIT_KEY": "another", **keys})


@pytest.mark.parametrize("not_production", [{"TESTING": True}, {"DEBUG": True}, {"DEMO": True},
                                            {"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite"}])
def test_tests_debugging_and_the_demo_may_share_the_secret_as_audit_key(
    tmp_path: Path, bare_environment: None, not_production: dict
) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION, **not_production})
    assert app.config["AUDIT_KEY"] == app.config["SECRET_KEY"]


def test_metrics_may_be_scraped_from_loopback_unless_other_networks_are_listed(tmp_path: Path) -> None:
    default = settings_from_env({}, str(tmp_path))["METRICS_ALLOW"]
    assert [str(network) for network in default] == ["127.0.0.0/8", "::1/128"]
    listed = settings_from_env({"BEATLOG_METRICS_ALLOW": " 10.20.0.0/16 , 192.0.2.7,fd00::/8"}, str(tmp_path))
    assert [str(network) for network in listed["METRICS_ALLOW"]] == ["10.20.0.0/16", "192.0.2.7/32", "fd00::/8"]


@pytest.mark.parametrize("given", ["10.0.0.0/33", "everyone", "10.0.0.1/8"])
def test_a_metrics_network_that_is_not_one_stops_the_start(tmp_path: Path, given: str) -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_METRICS_ALLOW"):
        settings_from_env({"BEATLOG_METRICS_ALLOW": given}, str(tmp_path))


def test_logs_are_json_unless_text_is_asked_for(tmp_path: Path) -> None:
    assert settings_from_env({}, str(tmp_path))["LOG_FORMAT"] == "json"
    assert settings_from_env({"BEATLOG_LOG_FORMAT": " Text "}, str(tmp_path))["LOG_FORMAT"] == "text"
    with pytest.raises(RuntimeError, match="BEATLOG_LOG_FORMAT"):
        settings_from_env({"BEATLOG_LOG_FORMAT": "xml"}, str(tmp_path))


def test_upkeep_intervals_are_name_and_seconds_pairs(tmp_path: Path) -> None:
    settings = settings_from_env({"BEATLOG_UPKEEP_INTERVALS": "expire-sign-ins=600, purge-tombstones = 3600,"},
                                 str(tmp_path), secret_given=True)
    assert settings["UPKEEP_INTERVALS"] == {"expire-sign-ins": 600, "purge-tombstones": 3600}
    assert settings_from_env({}, str(tmp_path), secret_given=True)["UPKEEP_INTERVALS"] == {}


@pytest.mark.parametrize("given", ["expire-sign-ins", "expire-sign-ins=soon", "expire-sign-ins=0", "=60"])
def test_an_upkeep_interval_that_is_not_a_positive_number_of_seconds_is_refused(tmp_path: Path, given: str) -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_UPKEEP_INTERVALS"):
        settings_from_env({"BEATLOG_UPKEEP_INTERVALS": given}, str(tmp_path), secret_given=True)


def test_gunicorn_serves_on_loopback_with_the_port_and_workers_the_environment_sets() -> None:
    web = web_server_settings({"BEATLOG_PORT": "8100", "BEATLOG_WORKERS": "3"})
    assert (web.bind, web.workers) == ("127.0.0.1:8100", 3)


def test_gunicorn_defaults_to_port_8000_and_two_workers_per_processor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    web = web_server_settings({})
    assert (web.bind, web.workers) == ("127.0.0.1:8000", 6)


def test_a_web_server_without_workers_is_refused() -> None:
    with pytest.raises(RuntimeError, match="BEATLOG_WORKERS"):
        web_server_settings({"BEATLOG_WORKERS": "0"})


def test_a_standby_url_comes_from_the_environment_pointed_at_psycopg_and_is_off_unless_given(tmp_path: Path) -> None:
    given = settings_from_env({"DATABASE_REPLICA_URL": "postgresql://standby/beatlog"}, str(tmp_path))
    assert given["DATABASE_REPLICA_URL"] == "postgresql+psycopg://standby/beatlog"
    assert settings_from_env({"DATABASE_REPLICA_URL": ""}, str(tmp_path))["DATABASE_REPLICA_URL"] is None


def test_a_standby_beside_an_sqlite_database_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="DATABASE_REPLICA_URL names a PostgreSQL standby"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "DATABASE_REPLICA_URL": "postgresql://standby/beatlog"})


def test_work_order_deadlines_are_read_in_minutes_per_kind_and_nonsense_stops_the_app(tmp_path: Path) -> None:
    from datetime import timedelta

    deadlines = settings_from_env({"BEATLOG_WORK_ORDER_DEADLINES": "illegal_parking=15/60"},
                                  str(tmp_path))["WORK_ORDER_DEADLINES"]
    assert (deadlines["illegal_parking"].accept, deadlines["illegal_parking"].resolve) == (
        timedelta(minutes=15), timedelta(hours=1))
    assert deadlines["abandoned_vehicle"].accept == timedelta(days=1)
    for raw in ("bicycle=1/2", "illegal_parking=0/5", "illegal_parking=60/30", "illegal_parking=soon"):
        with pytest.raises(RuntimeError, match="BEATLOG_WORK_ORDER_DEADLINES"):
            settings_from_env({"BEATLOG_WORK_ORDER_DEADLINES": raw}, str(tmp_path))
