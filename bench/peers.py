"""The peers Beatlog is measured next to, installed into a scratch folder and driven over HTTP.

Each peer (and Beatlog, in ``bench.peers_bench``) is a :class:`System`: ``push`` sends one batch of
records and returns the seconds it took on the wire; ``pull`` fetches every record from the start,
page by page, and returns how many and the seconds. Bodies are encoded before the clock starts and
parsed after it stops, the same for every system, through a ``requests.Session`` kept alive.
"""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import requests
import sqlalchemy as sa

from bench.harness import PASSWORD, free_port, postgresql_url, serving

POUCHDB_SERVER = "4.2.0"
KINTO = "26.5.0"
PEER_IDS = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"beatlog-bench/{name}")) for name in ("venue", "officer",
                                                                                             "template")}
"""What the peers' records point at: ids of the same length as the ones Beatlog's seed gives."""

Record = tuple[str, dict[str, Any]]


class System(Protocol):
    def push(self, records: list[Record]) -> float: ...

    def pull(self, page: int) -> tuple[int, float]: ...


def send(http: requests.Session, method: str, url: str, body: Any = None,
         **options: Any) -> tuple[requests.Response, float]:
    """One timed request: the JSON body is encoded (UTF-8, as Beatlog's device does) before the clock."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    started = time.perf_counter()
    response = http.request(method, url, data=data, headers=headers, timeout=600, **options)
    elapsed = time.perf_counter() - started
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return response, elapsed


def installed(command: list[str], where: Path, marker: Path) -> None:
    """Run an install ``command`` in ``where`` unless ``marker`` is there already; its output goes to
    stderr, since stdout carries the bench's JSON."""
    if marker.exists():
        return
    where.mkdir(parents=True, exist_ok=True)
    print(f"installing in {where}: {' '.join(command)}", file=sys.stderr)
    subprocess.run(command, cwd=where, check=True, stdout=sys.stderr)


class PouchDBServer:
    """PouchDB-server: ``_bulk_docs`` for push, ``_changes?include_docs=true`` paged by ``since`` for pull."""

    def __init__(self, url: str, storage: str) -> None:
        self.http = requests.Session()
        self.database = f"{url}/inspections"
        send(self.http, "PUT", self.database)
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
        self.versions = {"pouchdb-server": self.http.get(url, timeout=30).json()["version"], "node": node,
                         "pouchdb-server storage": storage}

    def push(self, records: list[Record]) -> float:
        response, elapsed = send(self.http, "POST", f"{self.database}/_bulk_docs",
                                 {"docs": [{"_id": record_id, **data} for record_id, data in records]})
        refused = [answer for answer in response.json() if "error" in answer]
        assert not refused, refused[:3]
        return elapsed

    def pull(self, page: int) -> tuple[int, float]:
        since: Any = 0
        total, wall = 0, 0.0
        while True:
            response, elapsed = send(self.http, "GET", f"{self.database}/_changes", params={
                "include_docs": "true", "since": json.dumps(since), "limit": page})
            wall += elapsed
            body = response.json()
            total += len(body["results"])
            since = body["last_seq"]
            if len(body["results"]) < page:
                return total, wall


@contextmanager
def pouchdb_server(scratch: Path, storage: str) -> Iterator[PouchDBServer]:
    """PouchDB-server on a fresh database, LevelDB files in the scratch folder or all in memory."""
    folder = scratch / "pouchdb"
    program = folder / "node_modules" / ".bin" / "pouchdb-server"
    if not program.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text(json.dumps(
            {"private": True, "dependencies": {"pouchdb-server": POUCHDB_SERVER}}, indent=2))
    installed(["npm", "install", "--no-audit", "--no-fund"], folder, program)
    data = folder / f"data-{uuid.uuid4().hex[:8]}"
    data.mkdir()
    port = free_port()
    command = [str(program), "--host", "127.0.0.1", "--port", str(port), "--dir", str(data),
               "--config", str(data / "config.json"), "--no-stdout-logs"]
    if storage == "memory":
        command.append("--in-memory")
    try:
        with serving(command, "/", port, data / "server.log", cwd=data) as url:
            yield PouchDBServer(url, storage)
    finally:
        shutil.rmtree(data, ignore_errors=True)


class Kinto:
    """Kinto: ``/v1/batch`` of record PUTs (``If-None-Match: *``, a create) in the server's allowed
    batch size for push, ``GET …/records`` sorted by ``last_modified`` and paged by ``Next-Page`` for
    pull; basic auth of a Kinto account."""

    def __init__(self, url: str) -> None:
        self.url = f"{url}/v1"
        self.http = requests.Session()
        send(self.http, "PUT", f"{self.url}/accounts/admin", {"data": {"password": PASSWORD}})
        self.http.auth = ("admin", PASSWORD)
        send(self.http, "PUT", f"{self.url}/buckets/bench", {"data": {}})
        self.records = "/buckets/bench/collections/inspections/records"
        send(self.http, "PUT", f"{self.url}/buckets/bench/collections/inspections", {"data": {}})
        root = self.http.get(f"{self.url}/", timeout=30).json()
        self.versions = {"kinto": root["project_version"]}
        self.batch = int(root["settings"]["batch_max_requests"])

    def push(self, records: list[Record]) -> float:
        wall = 0.0
        for offset in range(0, len(records), self.batch):
            requests_ = [{"path": f"{self.records}/{record_id}", "body": {"data": data}}
                         for record_id, data in records[offset:offset + self.batch]]
            response, elapsed = send(self.http, "POST", f"{self.url}/batch", {
                "defaults": {"method": "PUT", "headers": {"If-None-Match": "*"}}, "requests": requests_})
            wall += elapsed
            refused = [answer for answer in response.json()["responses"] if answer["status"] != 201]
            assert not refused, refused[:3]
        return wall

    def pull(self, page: int) -> tuple[int, float]:
        url: str | None = f"{self.url}{self.records}?_sort=last_modified&_limit={page}"
        total, wall = 0, 0.0
        while url:
            response, elapsed = send(self.http, "GET", url)
            wall += elapsed
            total += len(response.json()["data"])
            url = response.headers.get("Next-Page")
        return total, wall


@contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database ``name`` beside the bench's own, dropped afterwards; yields its URL."""
    base = sa.make_url(postgresql_url())
    engine = sa.create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with engine.connect() as connection:
        connection.exec_driver_sql(statement)
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name, query={}).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
        engine.dispose()


def kinto_settings(ini: Path, database_url: str) -> None:
    """Point what ``kinto init`` wrote at ``database_url`` and quiet its per-request debug log."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ini)
    for key in ("kinto.storage_url", "kinto.permission_url"):
        config["app:main"][key] = database_url
    for logger in ("logger_root", "logger_kinto"):
        config[logger]["level"] = "WARNING"
    with ini.open("w") as output:
        config.write(output)


@contextmanager
def kinto(scratch: Path, database: str) -> Iterator[Kinto]:
    """Kinto in its own virtualenv, storing records and permissions in a fresh PostgreSQL database."""
    folder = scratch / "kinto"
    program = folder / "venv" / "bin" / "kinto"
    installed([sys.executable, "-m", "venv", "venv"], folder, folder / "venv" / "bin" / "pip")
    installed([str(folder / "venv" / "bin" / "pip"), "install", "--quiet", f"kinto[postgresql]=={KINTO}"], folder,
              program)
    ini = folder / "kinto.ini"
    installed([str(program), "init", "--ini", ini.name, "--backend", "postgresql", "--cache-backend", "memory"],
              folder, ini)
    with fresh_database(database) as url:
        kinto_settings(ini, url)
        subprocess.run([str(program), "migrate", "--ini", ini.name], cwd=folder, check=True, capture_output=True)
        port = free_port()
        with serving([str(program), "start", "--ini", ini.name, "--port", str(port)], "/v1/", port,
                     folder / "server.log", cwd=folder) as base:
            yield Kinto(base)
