"""Server CPU time of a sync push, in process, with an optional profile: where push time goes.

Seeds a fresh database like ``bench.sync_bench``, signs a device in through the Flask test
client and pushes ``--records`` realistic inspections in batches of ``--batch``, counting
the CPU time of the push requests alone (the requests are built beforehand). With
``--profile FILE`` the pushes run under cProfile and its statistics are written to FILE.
Takes about ten seconds per backend for 5,000 records.

    python -m bench.push_profile --backends sqlite,postgresql --records 5000 [--profile push.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.harness import CHINA, PASSWORD, database, inspection, seed
from sync.protocol import SCHEMA_HEADER, SCHEMA_VERSION


def bodies(ids: dict[str, str], device_id: str, records: int, batch: int) -> list[bytes]:
    rng = random.Random(2018)
    start = datetime(2026, 11, 1, 9, tzinfo=CHINA)
    made = []
    for offset in range(0, records, batch):
        mutations = [{"mutation_id": str(uuid.uuid4()), "type": "inspection", "id": str(uuid.uuid4()),
                      "op": "create", "data": inspection(ids["venue"], ids["officer"], ids["template"],
                                                         start + timedelta(minutes=index), rng)}
                     for index in range(offset, min(offset + batch, records))]
        made.append(json.dumps({"device_id": device_id, "mutations": mutations}, ensure_ascii=False).encode())
    return made


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix=f"beatlog-push-{backend}-"))
    try:
        with database(backend, directory) as url:
            env = {"FLASK_APP": "server", "DATABASE_URL": url, "SECRET_KEY": "bench",
                   "BEATLOG_AUDIT_KEY": "bench-audit", "BEATLOG_INSTANCE_PATH": str(directory / "instance"),
                   "BEATLOG_MAX_BODY_BYTES": str(64 << 20)}
            subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env={**os.environ, **env}, check=True,
                           capture_output=True)
            ids = seed({**os.environ, **env})
            os.environ.update(env)
            from server import create_app

            client = create_app().test_client()
            device_id = str(uuid.uuid4())
            login = {"username": "officer1", "password": PASSWORD, "device_id": device_id, "device_name": "bench"}
            token = json.loads(client.post("/api/v1/auth/login", json=login).data)["token"]
            headers = {"Authorization": f"Bearer {token}", SCHEMA_HEADER: str(SCHEMA_VERSION),
                       "Content-Type": "application/json"}
            batches = bodies(ids, device_id, args.records, args.batch)
            profiler = cProfile.Profile() if args.profile else None
            cpu = 0.0
            for body in batches:
                started = time.process_time()
                if profiler:
                    profiler.enable()
                response = client.post("/api/v1/sync/push", data=body, headers=headers)
                if profiler:
                    profiler.disable()
                cpu += time.process_time() - started
                assert response.status_code == 200, response.text[:500]
                assert all(r["status"] == "applied" for r in json.loads(response.data)["results"])
            if profiler:
                profiler.dump_stats(f"{args.profile}.{backend}")
            return {"records": args.records, "batch": args.batch, "cpu_s": round(cpu, 3),
                    "us_per_record": round(cpu / args.records * 1e6), "records_per_cpu_s": round(args.records / cpu)}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", help="write cProfile statistics to FILE.<backend>")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        print(f"{backend}: {json.dumps(run_backend(backend, args))}")


if __name__ == "__main__":
    main()
