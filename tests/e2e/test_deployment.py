"""The deployment files, working together: nginx (deploy/nginx/beatlog.conf) terminating TLS in front of
gunicorn (deploy/gunicorn.conf.py, started as beatlog-web.service starts it) with the settings of
deploy/beatlog.env, on both databases.

Clients connect from chosen loopback addresses (127.0.0.2, 127.0.0.3, …) while nginx reaches
gunicorn from 127.0.0.1, so what the app sees as the client's address tells which header it used.
"""

from __future__ import annotations

import re
import socket
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter

from server.config import database_url
from server.models import Device
from tests.conftest import PII_KEYS, need, scratch_database
from tests.e2e.conftest import free_port
from tests.e2e.deployment import (
    NGINX,
    SERVER_NAME,
    Installation,
    nginx,
    self_signed_certificate,
    unit,
    wait_for_port,
)

EIGHT_MIB = 8 * 1024 * 1024
OUTSIDE, ELSEWHERE, MONITORING = "127.0.0.2", "127.0.0.3", "127.0.0.9"
"""Client addresses: two on the internet, one in the monitoring network."""


def need_tools() -> None:
    need(Path(NGINX).exists(), f"the deployment tests need Debian's nginx at {NGINX} (apt-get install nginx)")
    need(bool(__import__("shutil").which("openssl")), "the deployment tests need the openssl command")


@dataclass
class Site:
    """The installation behind nginx: its ports, certificate and database."""

    installation: Installation
    http_port: int
    https_port: int
    certificate: Path
    database_url: str

    def client(self, source: str = OUTSIDE) -> Client:
        return Client(self, source)

    def last_address(self, device_id: str) -> str:
        """The client address the app recorded for a device."""
        engine = sa.create_engine(database_url(self.database_url))
        try:
            with engine.connect() as connection:
                return connection.scalar(sa.select(Device.last_address).where(Device.id == uuid.UUID(device_id)))
        finally:
            engine.dispose()


class FromAddress(HTTPAdapter):
    """Connections from ``source``, TLS checked against the site's name whatever address the URL holds."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self.source, 0), server_hostname=SERVER_NAME, **kwargs)


class Client:
    """A browser or handheld at ``source``, reaching the site as https://beatlog.test:<port>."""

    def __init__(self, site: Site, source: str) -> None:
        self.site = site
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = str(site.certificate)
        self.http.mount("https://", FromAddress(source))
        self.http.mount("http://", FromAddress(source))

    def origin(self, scheme: str = "https") -> str:
        return f"{scheme}://{SERVER_NAME}:{self.site.https_port if scheme == 'https' else self.site.http_port}"

    def request(self, method: str, path: str, scheme: str = "https", **kwargs: Any) -> requests.Response:
        port = self.site.https_port if scheme == "https" else self.site.http_port
        headers = {"Host": f"{SERVER_NAME}:{port}", **kwargs.pop("headers", {})}
        return self.http.request(method, f"{scheme}://127.0.0.1:{port}{path}", headers=headers,
                                 allow_redirects=False, timeout=60, **kwargs)

    def sign_in(self, username: str, password: str = "demo", **kwargs: Any) -> requests.Response:
        return self.request("POST", "/api/v1/auth/login", json={
            "username": username, "password": password, "device_id": str(uuid.uuid4()), "device_name": "test"},
            **kwargs)


@contextmanager
def behind_nginx(installation: Installation, database: str = "") -> Iterator[Site]:
    """nginx serving the rendered site in front of whatever listens at the environment file's BEATLOG_PORT."""
    certificate, key = self_signed_certificate(installation.root, SERVER_NAME)
    http_port, https_port = free_port(), free_port()
    site_conf = installation.render_nginx_site(
        SERVER_NAME=SERVER_NAME, HTTP_LISTEN=f"127.0.0.1:{http_port}", HTTPS_LISTEN=f"127.0.0.1:{https_port}",
        TLS_CERTIFICATE=str(certificate), TLS_CERTIFICATE_KEY=str(key),
    )
    with nginx(installation.root / "nginx", site_conf, (http_port, https_port)):
        yield Site(installation, http_port, https_port, certificate, database)


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo on a fresh database, installed, migrated and served through nginx as the runbook does it."""
    need_tools()
    installation = Installation(tmp_path_factory.mktemp("deployment"))
    web_port = free_port()
    with scratch_database(backend, installation.root) as database:
        installation.write_env_file({
            "DATABASE_URL": database,
            "SECRET_KEY": "deployment-secret-key",
            "BEATLOG_AUDIT_KEY": "deployment-audit-key",
            **PII_KEYS,
            "BEATLOG_INSTANCE_PATH": str(installation.path("/var/lib/beatlog")),
            "BLOB_STORE": str(installation.path("/var/lib/beatlog/blobs")),
            "BEATLOG_PORT": str(web_port),
            "BEATLOG_WORKERS": "2",
            "BEATLOG_LOGIN_MAX_FAILURES_PER_ACCOUNT": "2",
            "BEATLOG_METRICS_ALLOW": f"127.0.0.1,::1,{MONITORING}",
        })
        for command in (("db", "upgrade"), ("demo", "load")):
            done = installation.flask(*command)
            assert done.returncode == 0, done.stderr
        log = installation.root / "beatlog-web.log"
        with installation.start(unit("beatlog-web.service"), log) as web:
            wait_for_port(web_port, web, log)
            with behind_nginx(installation, database) as served:
                yield served


def test_while_gunicorn_is_down_nginx_answers_503_in_the_apps_error_shape(tmp_path: Path) -> None:
    need_tools()
    installation = Installation(tmp_path)
    installation.write_env_file({"BEATLOG_PORT": str(free_port()), "BEATLOG_METRICS_ALLOW": MONITORING})
    with behind_nginx(installation) as down:
        answer = down.client().request("GET", "/api/v1/ping")
    assert (answer.status_code, answer.headers["Content-Type"]) == (503, "application/json")
    assert answer.json() == {"code": "unavailable", "message": "The server is not answering; try again shortly.",
                             "fields": {}, "request_id": answer.json()["request_id"]}


def test_plain_http_is_redirected_to_the_same_address_over_https(site: Site) -> None:
    response = site.client().request("GET", "/dashboard/?lang=en", scheme="http")
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{SERVER_NAME}/dashboard/?lang=en"


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_request_naming_another_host_is_dropped_unanswered(site: Site, scheme: str) -> None:
    with pytest.raises(requests.ConnectionError):
        site.client().request("GET", "/dashboard/login", scheme=scheme, headers={"Host": "intruder.example"})


def tls_handshake(site: Site, **context_settings: Any) -> tuple[str, str]:
    """The protocol and cipher a handshake with the site settles on."""
    context = ssl.create_default_context(cafile=str(site.certificate))
    for name, value in context_settings.items():
        if name == "ciphers":
            context.set_ciphers(value)
        else:
            setattr(context, name, value)
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=SERVER_NAME) as tls:
        cipher, protocol, _ = tls.cipher()  # type: ignore[misc]
        return protocol, cipher


def test_tls_1_3_and_1_2_are_spoken_with_forward_secret_ciphers_only(site: Site) -> None:
    assert tls_handshake(site)[0] == "TLSv1.3"
    protocol, cipher = tls_handshake(site, maximum_version=ssl.TLSVersion.TLSv1_2)
    assert protocol == "TLSv1.2" and cipher.startswith("ECDHE-RSA-") and cipher.endswith(("GCM-SHA256", "GCM-SHA384"))
    with pytest.raises(ssl.SSLError):
        tls_handshake(site, maximum_version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-GCM-SHA256")


def test_a_chief_signs_in_to_the_dashboard_over_https_with_a_secure_session_cookie(site: Site) -> None:
    browser = site.client()
    form = browser.request("GET", "/dashboard/login")
    assert form.status_code == 200
    assert form.headers["Strict-Transport-Security"] == "max-age=63072000"
    csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = browser.request("POST", "/dashboard/login", headers={"Referer": f"{browser.origin()}/dashboard/login"},
                                data={"csrf_token": csrf, "username": "chief1", "password": "demo", "next": ""})
    assert signed_in.status_code == 302, signed_in.text
    (cookie,) = (cookie for cookie in browser.http.cookies if cookie.name == "session")
    assert cookie.secure and cookie.has_nonstandard_attr("HttpOnly")
    inbox = browser.request("GET", "/dashboard/inbox")
    assert inbox.status_code == 200 and "chief1" in inbox.text


def test_the_app_sees_each_clients_own_address_through_nginx_and_a_forwarded_for_header_cannot_change_it(
    site: Site,
) -> None:
    attacker, officer = site.client(OUTSIDE), site.client(ELSEWHERE)
    for _ in range(2):
        assert attacker.sign_in("officer2", "wrong password").status_code == 401
    throttled = attacker.sign_in("officer2", headers={"X-Forwarded-For": ELSEWHERE})
    assert (throttled.status_code, throttled.json()["code"]) == (429, "login_throttled")
    signed_in = officer.sign_in("officer2", headers={"X-Forwarded-For": OUTSIDE})
    assert signed_in.status_code == 200, signed_in.text
    assert site.last_address(signed_in.json()["device_id"]) == ELSEWHERE


def test_a_body_over_the_apps_limit_is_refused_by_nginx_in_the_apps_error_shape(site: Site) -> None:
    client = site.client()
    too_large = client.request("POST", "/api/v1/sync/push", data=b"x" * (EIGHT_MIB + 1),
                               headers={"Content-Type": "application/json", "X-Request-Id": "phone-7:push-12"})
    assert too_large.status_code == 413
    assert too_large.headers["Content-Type"] == "application/json"
    assert too_large.json() == {
        "code": "payload_too_large", "fields": {}, "request_id": "phone-7:push-12",
        "message": f"The request body is larger than the server accepts ({EIGHT_MIB} bytes).",
    }


def test_the_apps_answer_to_a_body_it_did_not_read_reaches_the_client(site: Site) -> None:
    """The app refuses an unsigned push at the limit before reading it; gunicorn must still take the body."""
    client = site.client()
    for _ in range(3):
        refused = client.request("POST", "/api/v1/sync/push", data=b"x" * EIGHT_MIB,
                                 headers={"Content-Type": "application/json"})
        assert (refused.status_code, refused.json()["code"]) == (401, "auth_required")


@pytest.mark.parametrize("path", ["/metrics", "/health/live", "/health/ready"])
def test_metrics_and_health_answer_the_monitoring_network_through_nginx(site: Site, path: str) -> None:
    answer = site.client(MONITORING).request("GET", path)
    assert answer.status_code == 200, answer.text
    if path == "/metrics":
        assert "beatlog_http_request_duration_seconds" in answer.text and "beatlog_database_up 1.0" in answer.text
    else:
        assert answer.json()["status"] == "pass"


@pytest.mark.parametrize("path", ["/metrics", "/health/live", "/health/ready"])
def test_metrics_and_health_are_refused_outside_the_monitoring_network(site: Site, path: str) -> None:
    refused = site.client(OUTSIDE).request("GET", path, headers={"X-Request-Id": "not\tplain"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert re.fullmatch("[0-9a-f]{32}", refused.json()["request_id"]), "nginx's own id, not the client's text"


def test_the_runbooks_admin_command_reads_the_services_settings_and_verifies_the_trail(site: Site) -> None:
    assert site.client().sign_in("chief1").status_code == 200
    verified = site.installation.flask("audit", "verify")
    assert verified.returncode == 0 and "The audit trail is intact." in verified.stdout, verified.stderr


def test_the_app_answers_with_the_clients_request_id_or_nginxs_own_in_place_of_one_that_is_not_plain(
    site: Site,
) -> None:
    client = site.client()
    assert client.request("GET", "/api/v1/ping", headers={"X-Request-Id": "phone-7:pull-3"}).headers[
        "X-Request-Id"] == "phone-7:pull-3"
    replaced = client.request("GET", "/api/v1/ping", headers={"X-Request-Id": "a b"}).headers["X-Request-Id"]
    assert re.fullmatch("[0-9a-f]{32}", replaced)
