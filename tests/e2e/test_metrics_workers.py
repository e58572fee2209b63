"""Under gunicorn, /metrics adds up what every worker counted (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import socket
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import scratch_database
from tests.e2e.conftest import serve

PING = "GET /api/v1/ping HTTP/1.1\r\nHost: beatlog\r\nConnection: close\r\n"
"""A request without the blank line that ends its headers: the worker that takes it waits for the rest."""


def pings_counted(url: str) -> float:
    text = requests.get(f"{url}/metrics", timeout=10).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "beatlog_http_request_duration_seconds_count"
               and sample.labels == {"endpoint": "health.ping", "method": "GET", "status": "200"})


def test_two_workers_pings_are_summed_in_one_scrape(backend: str, tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    with scratch_database(backend, tmp_path) as database_url, contextmanager(serve)(
            database_url, tmp_path, workers=2, environ={"PROMETHEUS_MULTIPROC_DIR": str(directory)}) as server:
        address = urlsplit(server.url)
        with closing(socket.create_connection((address.hostname, address.port), timeout=10)) as held:
            held.sendall(PING.encode())
            assert requests.get(f"{server.url}/api/v1/ping", timeout=10).status_code == 200
            held.sendall(b"\r\n")
            assert held.makefile("rb").readline().startswith(b"HTTP/1.1 200")
        assert len({path.stem.rsplit("_", 1)[1] for path in directory.glob("histogram_*.db")}) == 2
        assert pings_counted(server.url) == 2
