"""Beatlog installed from deploy/ into a temporary folder, the way docs/operations.md installs it.

``Installation`` maps the paths the units and the runbook use (/opt/beatlog/venv, /etc/beatlog, …)
to this checkout, its virtual environment and a temporary folder, and runs a unit's ExecStart as
systemd would: its Environment= and EnvironmentFile= settings, its WorkingDirectory and a fresh
RuntimeDirectory, but no sandbox and no user switch. Debian's nginx serves the rendered site
(deploy/render.py) from a prefix of its own, on loopback ports, with a self-signed certificate.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from tests.e2e.conftest import wait_until

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
NGINX = "/usr/sbin/nginx"
SERVER_NAME = "beatlog.test"
"""The site's name in the certificate and nginx's server_name; clients connect to 127.0.0.1 under it."""


@dataclass(frozen=True)
class Unit:
    """A systemd unit file: each section's settings, every value of a setting given more than once."""

    name: str
    sections: dict[str, dict[str, list[str]]]

    @staticmethod
    def read(path: Path) -> Unit:
        sections: dict[str, dict[str, list[str]]] = {}
        current: dict[str, list[str]] = {}
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line[1:-1], {})
                continue
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
        return Unit(path.name, sections)

    def service(self, key: str) -> list[str]:
        return self.sections["Service"].get(key, [])


def unit(name: str) -> Unit:
    return Unit.read(UNITS / name)


EXAMPLE_ENV_FILE = DEPLOY / "beatlog.env"
SETTING_LINE = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=")


def listed_setting(line: str) -> str | None:
    """The setting a line of deploy/beatlog.env sets (``NAME=value``) or shows at its default (``# NAME=value``)."""
    found = SETTING_LINE.match(line)
    return found[1] if found else None


class Installation:
    """The installed layout of docs/operations.md, under ``root`` for what an install writes."""

    installed_env_file = "/etc/beatlog/beatlog.env"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths = {
            "/opt/beatlog/venv": Path(sys.prefix),
            "/opt/beatlog/src": REPO,
            "/etc/beatlog": root / "etc",
            "/var/lib/beatlog": root / "state",
            "/run": root / "run",
        }
        for made in ("etc", "state", "run"):
            (root / made).mkdir(parents=True, exist_ok=True)

    def path(self, installed: str) -> Path:
        """Where an installed path is here; an error for one outside the layout."""
        for prefix, here in self.paths.items():
            if installed == prefix or installed.startswith(prefix + "/"):
                return here / installed[len(prefix):].lstrip("/")
        raise ValueError(f"{installed} is not part of the installed layout")

    @property
    def env_file(self) -> Path:
        return self.path(self.installed_env_file)

    def write_env_file(self, settings: Mapping[str, str]) -> Path:
        """deploy/beatlog.env with ``settings`` filled in where it lists them, as the install step does."""
        remaining = dict(settings)
        lines = []
        for line in EXAMPLE_ENV_FILE.read_text().splitlines():
            name = listed_setting(line)
            lines.append(f"{name}={remaining.pop(name)}" if name in remaining else line)
        assert not remaining, f"deploy/beatlog.env does not list {sorted(remaining)}"
        self.env_file.write_text("\n".join(lines) + "\n")
        return self.env_file

    def here(self, unit_file: Path) -> str:
        """A unit file's text with the installed layout's paths replaced by where they are here."""
        text = unit_file.read_text()
        for prefix in ("/opt/beatlog/venv", "/opt/beatlog/src", "/etc/beatlog", "/var/lib/beatlog"):
            text = text.replace(prefix, str(self.path(prefix)))
        return text

    def environment(self, service: Unit) -> dict[str, str]:
        """What systemd gives the unit's process: its EnvironmentFile= and Environment= settings.

        This test's own environment stays underneath (its clock, PATH), and PYTHONPATH puts this
        checkout first, so the processes run the code under test.
        """
        environment = {**os.environ, "PYTHONPATH": str(REPO)}
        for env_file in service.service("EnvironmentFile"):
            values = dotenv_values(self.path(env_file.lstrip("-")))
            environment.update({name: value for name, value in values.items() if value is not None})
        for assignment in service.service("Environment"):
            name, _, value = assignment.partition("=")
            environment[name] = str(self.path(value)) if value.startswith("/") else value
        return environment

    def command(self, line: str) -> list[str]:
        """A command line with each installed path replaced by where it is here."""
        return [str(self.path(word)) if word.startswith("/") else word for word in shlex.split(line)]

    def make_runtime_directories(self, service: Unit) -> None:
        """The unit's RuntimeDirectory, made empty as systemd makes it at each start."""
        for directory in service.service("RuntimeDirectory"):
            runtime = self.path(f"/run/{directory}")
            shutil.rmtree(runtime, ignore_errors=True)
            runtime.mkdir(parents=True)

    @contextmanager
    def start(self, service: Unit, log: Path) -> Iterator[subprocess.Popen]:
        """The unit's ExecStart running as systemd starts it, stopped (SIGTERM) at the end."""
        self.make_runtime_directories(service)
        (exec_start,) = service.service("ExecStart")
        (working_directory,) = service.service("WorkingDirectory")
        with log.open("w") as output:
            process = subprocess.Popen(self.command(exec_start), env=self.environment(service),
                                       cwd=self.path(working_directory), stdout=output, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=60)

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """An admin command as the runbook's ``beatlog`` shell function runs it (without the user switch)."""
        command = self.command(f"/opt/beatlog/venv/bin/flask --app server --env-file {self.installed_env_file}")
        return subprocess.run([*command, *args], env={**os.environ, "PYTHONPATH": str(REPO), "FLASK_SKIP_DOTENV": "1"},
                              cwd=self.path("/var/lib/beatlog"), capture_output=True, text=True, timeout=600,
                              check=False)

    def render_nginx_site(self, **values: str) -> str:
        """deploy/nginx/beatlog.conf filled in by deploy/render.py, as the install step does."""
        command = self.command(
            f"/opt/beatlog/venv/bin/python /opt/beatlog/src/deploy/render.py /opt/beatlog/src/deploy/nginx/beatlog.conf"
            f" --env-file {self.installed_env_file}"
        )
        done = subprocess.run([*command, *(f"{name}={value}" for name, value in values.items())],
                              env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close(), process, log, seconds=60)


def self_signed_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """An RSA certificate for ``name`` and its key, made with the openssl command."""
    certificate, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


@contextmanager
def nginx(directory: Path, site: str, ports: tuple[int, ...]) -> Iterator[Path]:
    """Debian's nginx in the foreground with ``site`` in its http block (as sites-enabled/ is); yields its error log.

    As root its workers run as root too: the default user (nobody) could not enter the test's folders.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "beatlog.conf").write_text(site)
    temp = {kind: directory / "temp" / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.geteuid() == 0 else ""
    (directory / "temp").mkdir(exist_ok=True)
    temp_paths = "\n".join(f"    {kind}_temp_path {path};" for kind, path in temp.items())
    (directory / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
{temp_paths}
    include {directory}/beatlog.conf;
}}
""")
    command = [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-e", str(directory / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    log = directory / "error.log"
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for port in ports:
            wait_for_port(port, process, log)
        yield log
    finally:
        process.terminate()
        process.wait(timeout=20)
