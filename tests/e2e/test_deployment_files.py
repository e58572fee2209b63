"""The deployment files on their own: systemd accepts the units, they run commands an installation has,
the example environment file lists every setting, and the renderer refuses a half-filled template."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from server.config import settings_from_env, web_server_settings
from tests.conftest import PII_KEYS, need
from tests.e2e.deployment import (
    DEPLOY,
    EXAMPLE_ENV_FILE,
    REPO,
    UNITS,
    Installation,
    listed_setting,
    unit,
)

UNIT_NAMES = ("beatlog-web.service", "beatlog-worker.service")
SANDBOX = ("User", "Group", "EnvironmentFile", "WorkingDirectory", "ReadWritePaths", "UMask", "NoNewPrivileges",
           "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectProc", "ProtectKernelTunables",
           "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname",
           "RestrictAddressFamilies", "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID",
           "LockPersonality", "RemoveIPC", "CapabilityBoundingSet", "SystemCallArchitectures", "SystemCallFilter",
           "SystemCallErrorNumber")
NOT_FOR_PRODUCTION = {"BEATLOG_DEMO"}


@pytest.fixture
def installation(tmp_path: Path) -> Installation:
    """The layout with an environment file made from the example, its secrets filled in."""
    installed = Installation(tmp_path)
    installed.write_env_file({"SECRET_KEY": "units-secret", "BEATLOG_AUDIT_KEY": "units-audit-key", **PII_KEYS,
                              "BEATLOG_INSTANCE_PATH": str(installed.path("/var/lib/beatlog"))})
    return installed


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    need(found is not None, "checking the units needs systemd-analyze (apt-get install systemd)")
    assert found is not None
    return found


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_systemd_accepts_the_unit_without_a_single_warning(installation: Installation, tmp_path: Path,
                                                            name: str) -> None:
    """Verified with the layout's paths moved here, so that systemd finds the commands it would run."""
    here = tmp_path / "units" / name
    here.parent.mkdir()
    here.write_text(installation.here(UNITS / name))
    verified = subprocess.run([systemd_analyze(), "verify", str(here)], capture_output=True, text=True, check=False)
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_systemd_rates_the_units_sandbox_at_most_2_of_10_exposed(name: str) -> None:
    rated = subprocess.run([systemd_analyze(), "security", "--offline=yes", "--threshold=20", str(UNITS / name)],
                           capture_output=True, text=True, check=False)
    assert rated.returncode == 0, rated.stdout


def test_both_units_run_as_the_beatlog_user_in_the_same_sandbox() -> None:
    web, worker = (unit(name) for name in UNIT_NAMES)
    assert web.service("User") == ["beatlog"]
    assert {key: web.service(key) for key in SANDBOX} == {key: worker.service(key) for key in SANDBOX}
    assert web.service("ReadWritePaths") == ["/var/lib/beatlog"]
    assert web.service("EnvironmentFile") == ["/etc/beatlog/beatlog.env"]


def test_the_web_unit_runs_gunicorn_of_the_installation_with_a_configuration_it_accepts(
    installation: Installation,
) -> None:
    web = unit("beatlog-web.service")
    (exec_start,) = web.service("ExecStart")
    command = installation.command(exec_start)
    assert command[:2] == [str(Path(sys.prefix) / "bin" / "gunicorn"), "--config"]
    assert Path(command[2]) == DEPLOY / "gunicorn.conf.py"
    installation.make_runtime_directories(web)
    checked = subprocess.run([*command, "--check-config"], env=installation.environment(web),
                             cwd=installation.path(web.service("WorkingDirectory")[0]),
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_web_unit_gives_prometheus_a_directory_systemd_empties_at_each_start() -> None:
    web = unit("beatlog-web.service")
    assert web.service("RuntimeDirectory") == ["beatlog-web"]
    assert "PROMETHEUS_MULTIPROC_DIR=/run/beatlog-web" in web.service("Environment")


def test_the_worker_unit_runs_the_installations_worker_command(installation: Installation) -> None:
    worker = unit("beatlog-worker.service")
    (exec_start,) = worker.service("ExecStart")
    command = installation.command(exec_start)
    assert command == [str(Path(sys.prefix) / "bin" / "flask"), "--app", "server", "worker"]
    helped = subprocess.run([*command, "--help"], env=installation.environment(worker),
                            cwd=installation.path(worker.service("WorkingDirectory")[0]),
                            capture_output=True, text=True, check=False)
    assert helped.returncode == 0, helped.stdout + helped.stderr


class Reading(dict):
    """An empty environment that notes every name read from it."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, name: str, default: object = None) -> object:
        self.read.add(name)
        return default


def settings_read() -> set[str]:
    """The variables the settings code reads, and the instance folder's, which ``create_app`` reads first."""
    environ = Reading()
    settings_from_env(environ, ".", secret_given=True)
    web_server_settings(environ)
    return environ.read | {"BEATLOG_INSTANCE_PATH"}


def test_the_example_environment_file_lists_every_production_setting_and_nothing_else() -> None:
    listed = [name for line in EXAMPLE_ENV_FILE.read_text().splitlines() if (name := listed_setting(line))]
    expected = settings_read() - NOT_FOR_PRODUCTION
    assert len(listed) == len(set(listed))
    assert set(listed) == expected, (f"deploy/beatlog.env lacks {sorted(expected - set(listed))} "
                                     f"and lists {sorted(set(listed) - expected)}, which are not settings")


def render(env_file: Path, *values: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEPLOY / "render.py"), str(DEPLOY / "nginx" / "beatlog.conf"),
                           "--env-file", str(env_file), *values], env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, check=False)


NGINX_VALUES = ("SERVER_NAME=beatlog.example.org", "HTTP_LISTEN=80", "HTTPS_LISTEN=443",
                "TLS_CERTIFICATE=/etc/ssl/beatlog/fullchain.pem", "TLS_CERTIFICATE_KEY=/etc/ssl/beatlog/privkey.pem")


def rendered_lines(done: subprocess.CompletedProcess) -> list[str]:
    assert done.returncode == 0, done.stderr
    return [line.strip() for line in done.stdout.splitlines()]


def test_nginx_takes_its_body_limit_upstream_and_monitoring_networks_from_the_apps_settings(
    installation: Installation,
) -> None:
    lines = rendered_lines(render(installation.env_file, *NGINX_VALUES))
    assert "client_max_body_size 8388608;" in lines and "server 127.0.0.1:8000;" in lines
    assert "allow 127.0.0.0/8; allow ::1/128;" in lines
    changed = installation.write_env_file({"BEATLOG_MAX_BODY_BYTES": "1000", "BEATLOG_PORT": "8100",
                                           "BEATLOG_METRICS_ALLOW": "127.0.0.1,10.0.5.20"})
    lines = rendered_lines(render(changed, *NGINX_VALUES))
    assert "client_max_body_size 1000;" in lines and "server 127.0.0.1:8100;" in lines
    assert "allow 127.0.0.1/32; allow 10.0.5.20/32;" in lines


@pytest.mark.parametrize(("values", "complaint"), [
    (NGINX_VALUES[:-1], "no value for TLS_CERTIFICATE_KEY"),
    ((*NGINX_VALUES, "SERVERNAME=typo.example.org"), "no placeholder for SERVERNAME"),
    ((*NGINX_VALUES, "MONITORING_ALLOW=allow all;"), "MONITORING_ALLOW follow the app's settings"),
])
def test_the_renderer_prints_nothing_for_a_value_missing_unknown_or_the_apps(
    installation: Installation, values: Mapping[str, str], complaint: str,
) -> None:
    done = render(installation.env_file, *values)
    assert (done.returncode, done.stdout) == (2, "")
    assert complaint in done.stderr


def test_gunicorn_hands_each_exited_worker_to_the_metrics_child_exit_hook() -> None:
    from server.metrics import child_exit

    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["child_exit"] is child_exit
