"""Bodies on the wire: gzip answers for clients that ask, gzip pushes inflated within the size limit."""

from __future__ import annotations

import copy
import gzip
import hashlib
import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from server.bodies import Inflating
from server.compression import compress
from server.errors import ApiError
from tests.conftest import make_app
from tests.server.test_bad_input import assert_error, push_body, unchanged  # noqa: F401 (a fixture)
from tests.world import World

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull?schema_version=3&limit=500"
GZIP = {"Accept-Encoding": "gzip"}


def send_push(client: FlaskClient, world: World, body: bytes, encoding: str | None = "gzip", **extra: Any) -> Any:
    headers = {**world.headers("officer_a1"), "X-Beatlog-Schema": "2", **extra}
    if encoding:
        headers["Content-Encoding"] = encoding
    return client.post(PUSH, data=body, content_type="application/json", headers=headers)


def as_json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def without_ids(value: Any, ids: set[str]) -> Any:
    """``value`` with each of ``ids`` replaced by a placeholder, to compare two pushes of different records."""
    text = json.dumps(value, sort_keys=True)
    for each in ids:
        text = text.replace(each, "<id>")
    return json.loads(text)


def test_a_gzip_push_is_applied_exactly_as_a_plain_one(client: FlaskClient, world: World) -> None:
    plain_body = push_body(world)
    zipped_body = copy.deepcopy(plain_body)
    for mutation in zipped_body["mutations"]:
        mutation["mutation_id"], mutation["id"] = str(uuid.uuid4()), str(uuid.uuid4())
    ids = {value for body in (plain_body, zipped_body)
           for m in body["mutations"] for value in (m["mutation_id"], m["id"])}

    plain = send_push(client, world, as_json(plain_body), encoding=None)
    zipped = send_push(client, world, gzip.compress(as_json(zipped_body)))

    assert plain.status_code == zipped.status_code == 200
    assert [r["status"] for r in zipped.json["results"]] == ["applied"]
    assert without_ids(zipped.json["results"], ids) == without_ids(plain.json["results"], ids)
    venues = {record["id"]: record for record in client.get(
        "/api/v1/venues?page_size=500", headers=world.headers("officer_a1")).json}
    plain_venue, zipped_venue = (
        {k: v for k, v in venues[body["mutations"][0]["id"]].items() if k not in ("id", "updated_at")}
        for body in (plain_body, zipped_body)
    )
    assert zipped_venue == plain_venue


def test_a_pull_is_answered_gzip_when_asked_and_plain_when_not(client: FlaskClient, world: World) -> None:
    headers = world.headers("officer_a1")
    plain = client.get(PULL, headers=headers)
    zipped = client.get(PULL, headers={**headers, **GZIP})

    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data)
    inflated = json.loads(gzip.decompress(zipped.data))
    expected = plain.json
    assert {k: v for k, v in inflated.items() if k != "server_time"} == \
        {k: v for k, v in expected.items() if k != "server_time"}
    assert inflated["changes"]


def test_a_push_answer_is_gzip_when_asked(client: FlaskClient, world: World) -> None:
    body = push_body(world)
    body["mutations"] = [dict(body["mutations"][0], mutation_id=str(uuid.uuid4()), id=str(uuid.uuid4()))
                         for _ in range(20)]
    answer = send_push(client, world, gzip.compress(as_json(body)), **GZIP)
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert [r["status"] for r in json.loads(gzip.decompress(answer.data))["results"]] == ["applied"] * 20


@pytest.mark.parametrize(("accepted", "compressed"), [
    ("gzip;q=0", False), ("identity", False), ("gzip;q=0, *", False), ("*", True), ("br;q=1.0, gzip;q=0.5", True),
    ("GZIP", True), ("identity;q=1, gzip;q=0.1", False), ("gzip;q=0.5, *;q=1", False), ("gzip, identity", True),
])
def test_gzip_is_sent_only_when_the_accept_encoding_header_accepts_it(
    client: FlaskClient, world: World, accepted: str, compressed: bool
) -> None:
    answer = client.get(PULL, headers={**world.headers("officer_a1"), "Accept-Encoding": accepted})
    assert answer.status_code == 200 and answer.headers.get("Content-Encoding") == ("gzip" if compressed else None)
    assert (json.loads(gzip.decompress(answer.data)) if compressed else answer.json)["changes"]


def test_a_small_answer_goes_plain(client: FlaskClient) -> None:
    answer = client.get("/api/v1/ping", headers=GZIP)
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers


def test_photos_go_as_they_are_even_to_a_client_that_accepts_gzip(client: FlaskClient, world: World) -> None:
    photo = b"\xff\xd8\xff\xe0" + b"a photo that would compress well " * 200
    sha = hashlib.sha256(photo).hexdigest()
    url = f"/api/v1/blobs/{sha}?schema_version=2"
    uploaded = client.put(url, data=photo, content_type="image/jpeg", headers=world.headers("officer_a1"))
    assert uploaded.status_code == 201
    got = client.get(url, headers={**world.headers("officer_a1"), **GZIP})
    assert got.data == photo and "Content-Encoding" not in got.headers and got.headers["ETag"] == f'"{sha}"'


def test_the_dashboard_pages_go_plain_since_they_hold_the_csrf_token_beside_text_the_url_chooses(
    client: FlaskClient,
) -> None:
    page = client.get("/dashboard/login?next=/dashboard/inbox", headers=GZIP)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    assert b"csrf_token" in page.data and len(page.data) > 1024


@pytest.mark.usefixtures("unchanged")
def test_a_push_that_inflates_past_the_limit_is_a_413_and_nothing_is_applied(
    app: Flask, client: FlaskClient, world: World
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = push_body(world)
    body["mutations"] *= 30
    compressed = gzip.compress(as_json(body))
    assert len(compressed) < 4096 < len(as_json(body))
    assert_error(send_push(client, world, compressed), 413, "payload_too_large")


@pytest.mark.usefixtures("unchanged")
def test_a_chunked_gzip_push_over_the_limit_is_a_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = push_body(world)
    body["mutations"] *= 30
    response = client.post(PUSH, input_stream=io.BytesIO(gzip.compress(as_json(body))),
                           content_type="application/json",
                           headers={**world.headers("officer_a1"), "X-Beatlog-Schema": "2",
                                    "Content-Encoding": "gzip", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert_error(response, 413, "payload_too_large")


def test_a_zip_bomb_is_refused_without_inflating_more_than_the_limit() -> None:
    limit = 1024 * 1024
    bomb = gzip.compress(b"[" + b" " * (64 * limit) + b"]", compresslevel=9)
    assert len(bomb) < limit // 10
    inflating = Inflating(io.BytesIO(bomb), limit)
    with pytest.raises(ApiError) as refused:
        io.BufferedReader(inflating).read()
    assert refused.value.code == 413 and refused.value.error_code == "payload_too_large"
    assert limit < inflating.inflated <= limit + io.DEFAULT_BUFFER_SIZE


def test_a_gzip_body_within_the_limit_reads_whole(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 4096
    body = push_body(world)
    assert send_push(client, world, gzip.compress(as_json(body))).json["results"][0]["status"] == "applied"


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("sent", ["not gzip at all", "cut short", "gzip followed by more"])
def test_a_corrupt_gzip_body_is_a_400(client: FlaskClient, world: World, sent: str) -> None:
    whole = gzip.compress(as_json(push_body(world)))
    body = {"not gzip at all": b"{not gzip", "cut short": whole[:-12], "gzip followed by more": whole + b"xyz"}[sent]
    assert_error(send_push(client, world, body), 400, "invalid_gzip", {})


@pytest.mark.usefixtures("unchanged")
def test_an_unknown_content_encoding_is_a_415(client: FlaskClient, world: World) -> None:
    response = send_push(client, world, as_json(push_body(world)), encoding="br")
    assert_error(response, 415, "unsupported_content_encoding", {})


def test_a_plain_body_marked_identity_is_read_as_it_is(client: FlaskClient, world: World) -> None:
    response = send_push(client, world, as_json(push_body(world)), encoding="identity")
    assert response.json["results"][0]["status"] == "applied"


def test_a_strong_etag_names_the_compressed_body_apart_from_the_plain_one(app: Flask) -> None:
    with app.test_request_context(headers=GZIP):
        answer = Response(json.dumps(["巡查"] * 500), mimetype="application/json")
        answer.set_etag("figures-7")
        compressed = compress(answer)
    assert compressed.get_etag() == ("figures-7:gzip", False) and "Accept-Encoding" in compressed.vary
    assert json.loads(gzip.decompress(compressed.get_data())) == ["巡查"] * 500


STYLE = "/dashboard/static/dashboard.css"


def test_a_browser_revalidating_the_compressed_stylesheet_with_its_etag_gets_a_304(client: FlaskClient) -> None:
    with client.get(STYLE) as plain, client.get(STYLE, headers=GZIP) as first:
        assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(first.data) == plain.data
        etag = first.headers["ETag"]
    assert etag.endswith(':gzip"')
    with client.get(STYLE, headers={**GZIP, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""


def test_a_range_of_a_static_file_goes_plain_since_its_content_range_counts_plain_bytes(client: FlaskClient) -> None:
    with client.get(STYLE) as whole, client.get(STYLE, headers={**GZIP, "Range": "bytes=0-99"}) as part:
        assert part.status_code == 206 and "Content-Encoding" not in part.headers
        assert part.data == whole.data[:100] and part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"


@pytest.mark.parametrize("level", [6, 9, -1, 4])
def test_a_zlib_compression_level_is_refused_when_the_app_starts(tmp_path: Path, level: int) -> None:
    with pytest.raises(RuntimeError, match="COMPRESS_LEVEL"):
        make_app("sqlite://", tmp_path, COMPRESS_LEVEL=level)


@pytest.mark.parametrize("read_first", [True, False], ids=["half read", "never read (HEAD, 304)"])
def test_closing_a_compressed_stream_closes_the_plain_body_it_replaced(app: Flask, read_first: bool) -> None:
    """A download cancelled half way, or an answer the server never reads: closing the gzip answer must
    close the export's generator (ending its ``stream_with_context`` and its cursor) or the file it wraps."""
    closed = []

    class Export:
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(50):
                yield os.urandom(64 * 1024)

        def close(self) -> None:
            closed.append(True)

    with app.test_request_context(headers=GZIP):
        answer = compress(Response(Export(), mimetype="text/csv"))
    assert answer.headers["Content-Encoding"] == "gzip"
    if read_first:
        assert next(iter(answer.response)) and not closed
    answer.close()
    assert closed == [True]
