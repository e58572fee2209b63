"""The handheld's HTTP session against a scripted server on a loopback port."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mobile.session import AuthError, Offline, RequestRejected, ServerError, Session, UpgradeRequired
from sync.protocol import SCHEMA_VERSION
from tests.e2e.conftest import free_port


class Script:
    """Answers to give, in order: (status, headers, body)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], dict]] = []
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.bodies: list[bytes] = []


@pytest.fixture
def scripted() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            script.seen.append((self.command, self.path, dict(self.headers)))
            length = int(self.headers.get("Content-Length") or 0)
            script.bodies.append(self.rfile.read(length))
            status, headers, body = script.answers.pop(0) if script.answers else (200, {}, {"ok": True})
            payload = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_HEAD = answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", script
    server.shutdown()
    server.server_close()


class RecordingStop(threading.Event):
    """A stop event whose waits are recorded instead of slept."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0.0)
        return self.is_set()


def session(url: str, **options: object) -> tuple[Session, RecordingStop]:
    stop = RecordingStop()
    return Session(url, "bl_token", stop=stop, jitter=lambda: 1.0, **options), stop  # type: ignore[arg-type]


def test_requests_carry_the_token_and_the_schema_version(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    session(url)[0].get("/api/v1/ping")
    _, _, headers = script.seen[0]
    assert headers["Authorization"] == "Bearer bl_token" and headers["X-Beatlog-Schema"] == str(SCHEMA_VERSION)


def test_server_errors_are_retried_with_exponential_backoff(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(503, {}, {}), (502, {}, {}), (200, {}, {"done": True})]
    client, stop = session(url, backoff=0.5)
    assert client.get("/x") == {"done": True}
    assert stop.waits == [0.5, 1.0]


def test_retry_after_is_honoured(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(429, {"Retry-After": "7"}, {}), (200, {}, {})]
    client, stop = session(url)
    client.get("/x")
    assert stop.waits == [7.0]


def test_backoff_is_capped_and_jittered(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(503, {}, {})] * 4 + [(200, {}, {})]
    stop = RecordingStop()
    client = Session(url, stop=stop, backoff=1.0, max_backoff=3.0, retries=4, jitter=lambda: 0.5)
    client.get("/x")
    assert stop.waits == [0.5, 1.0, 1.5, 1.5]


def test_a_server_that_keeps_failing_is_reported_with_its_last_answer(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(503, {}, {"code": "unavailable"})] * 3
    with pytest.raises(ServerError) as raised:
        session(url, retries=2)[0].get("/x")
    assert raised.value.status == 503 and raised.value.request.url.endswith("/x")


@pytest.mark.parametrize(("status", "code", "error"), [
    (401, "token_expired", AuthError), (401, "device_revoked", AuthError), (426, "upgrade_required", UpgradeRequired),
    (422, "validation_failed", RequestRejected),
])
def test_refusals_are_not_retried_and_carry_the_servers_code(
    scripted: tuple[str, Script], status: int, code: str, error: type
) -> None:
    url, script = scripted
    script.answers = [(status, {}, {"code": code, "message": "no", "fields": {"x": ["bad"]}})]
    with pytest.raises(error) as raised:
        session(url)[0].post("/x", {})
    assert (raised.value.code, raised.value.fields, len(script.seen)) == (code, {"x": ["bad"]}, 1)


def test_an_unreachable_server_is_offline_after_retrying() -> None:
    client, stop = session(f"http://127.0.0.1:{free_port()}", retries=2)
    with pytest.raises(Offline):
        client.get("/x")
    assert len(stop.waits) == 2
    assert client.ping() is False


def test_a_stop_request_ends_retrying_at_once(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(503, {}, {})] * 5
    client, stop = session(url, retries=4)
    stop.set()
    with pytest.raises(ServerError):
        client.get("/x")
    assert len(script.seen) == 1


def test_json_bodies_go_gzip_compressed_and_answers_may_come_so(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    assert session(url)[0].post("/x", {"findings": "消防通道堵塞"}) == {"ok": True}
    _method, _path, headers = script.seen[0]
    assert headers["Content-Encoding"] == "gzip" and headers["Content-Type"] == "application/json"
    assert "gzip" in headers["Accept-Encoding"]
    assert json.loads(gzip.decompress(script.bodies[0])) == {"findings": "消防通道堵塞"}
