"""The real handheld and a real server on loopback talk gzip: pushes go compressed, pulls come back so."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from tests.e2e.conftest import LiveServer
from tests.e2e.handheld import venue_of
from tests.e2e.proxy import flaky_proxy
from tests.e2e.test_handheld_faults import picture, server_inspections


def header_lines(head: str) -> set[str]:
    return {line.strip().lower() for line in head.split("\r\n")[1:]}


def test_the_handheld_pushes_gzip_and_pulls_gzip_and_its_log_lands_whole(
    live_server: LiveServer, enrol: Any
) -> None:
    marker = "[sent compressed]"
    with flaky_proxy(urlparse(live_server.url).port) as proxy:
        phone = enrol(proxy.url, "officer2")
        phone.sync()
        created = phone.inspect(venue_of(phone), f"{marker} 消防通道堵塞", picture())
        report = phone.sync()
    assert report.pushed == {"applied": 1} and phone.pending() == 0

    pushes = [(sent, answer) for sent, answer in proxy.heads if sent.startswith("POST /api/v1/sync/push")]
    assert pushes
    for sent, answer in pushes:
        assert "content-encoding: gzip" in header_lines(sent)
        assert answer.startswith("HTTP/1.1 200")
    pulls = [answer for sent, answer in proxy.heads if sent.startswith("GET /api/v1/sync/pull")]
    assert pulls and all("content-encoding: gzip" in header_lines(answer) for answer in pulls)
    photos = [answer for sent, answer in proxy.heads if sent.startswith("GET /api/v1/blobs/")]
    assert all("content-encoding: gzip" not in header_lines(answer) for answer in photos)

    on_server = server_inspections(live_server, marker)
    assert [i["id"] for i in on_server] == [created]
    assert on_server[0]["findings"] == f"{marker} 消防通道堵塞" and len(on_server[0]["photo_hashes"]) == 1
