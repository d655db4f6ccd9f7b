"""The concurrency proof over HTTP: gunicorn worker processes serve `POST /api/v1/learning-requests`.

Ada's budget B covers ⌊B/P⌋ courses of price P. N threads fire their requests at the same moment
at a real gunicorn (3 sync workers, so 3 processes race for the budget; the access log shows
which served what) on a SQLite file and on PostgreSQL: exactly ⌊B/P⌋ are accepted, the rest get
a 422 "insufficient budget" JSON error, and the ledger verifies (in this process and through
`GET /api/v1/ledger/verify`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.auth import service as tokens
from app.extensions import db
from billing.models import Hold
from pathways.requests.models import LearningRequest
from tests.billing.stripe.conftest import _free_port, wait_until

from .conftest import assert_ledger_ok

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
WORKERS, ATTEMPTS = 3, 18
BUDGET, PRICE = 100_000, 7_000  # ⌊B/P⌋ = 14 of 18


class Gunicorn:
    """`gunicorn wsgi:app` on a free port, on the test database, until `stop()`."""

    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in stop())
        folder = tempfile.mkdtemp(prefix="trellis-gunicorn-")
        self.access_log = Path(folder) / "access.log"
        env = os.environ | {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": "0",
                            "TRELLIS_ENV": "development", "TRELLIS_INSTANCE_PATH": folder}
        # --preload builds the app once and forks ready workers (no connection is open yet);
        # the access log names the worker process (pid) that served each request.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--graceful-timeout", "1",
             "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
             "--access-logfile", str(self.access_log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def served(self, method: str, path: str) -> list[str]:
        """The pid of the worker that served each logged `method path` request."""
        if not self.access_log.exists():
            return []
        lines = self.access_log.read_text().splitlines()
        return [line.split()[0] for line in lines if line.split()[1:3] == [method, path]]

    def output(self) -> str:
        """The end of gunicorn's log (shown when something fails)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def answers(self) -> bool:
        if self.proc.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.output()}")
        try:
            with urllib.request.urlopen(self.url + "/login", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown (TERM waits 30 s)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def gunicorn(app: Any, database_url: str) -> Iterator[Gunicorn]:
    server = Gunicorn(database_url)
    try:
        wait_until(server.answers, "gunicorn to answer", timeout=60)
        yield server
    finally:
        server.stop()


def call(url: str, token: str, method: str = "GET", data: dict[str, Any] | None = None,
         key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_concurrent_http_requests_accept_exactly_what_the_budget_covers(
        acme_world, make_offering, give, gunicorn):
    w = acme_world
    give(w.ada, BUDGET)
    offering_id = make_offering(w.company, PRICE, "Concurrency course").id
    ada_tokens = [tokens.create_token(w.ada, f"t{i}")[1] for i in range(3)]
    admin_token = tokens.create_token(w.harriet, "verify")[1]
    db.session.commit()
    db.session.remove()  # hold no connection (nor, on SQLite, a lock) while the workers race

    start = threading.Barrier(ATTEMPTS)

    def attempt(n: int) -> tuple[int, dict[str, Any]]:
        start.wait()
        return call(gunicorn.url + "/api/v1/learning-requests", ada_tokens[n % 3], "POST",
                    {"offering_id": offering_id, "note": f"attempt {n}"}, key=f"http-{n}")

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        outcomes = list(pool.map(attempt, range(ATTEMPTS)))

    accepted = [body for status, body in outcomes if status == 201]
    refused = [(status, body["error"]) for status, body in outcomes if status != 201]
    assert len(accepted) == BUDGET // PRICE == 14
    assert len({b["id"] for b in accepted}) == 14
    assert all(status == 422 and e["code"] == "insufficient_budget"
               and e["message"].startswith("Insufficient budget: this needs €70.00")
               for status, e in refused), refused
    assert len(refused) == ATTEMPTS - 14
    # The race was between processes: more than one gunicorn worker served the requests.
    pids = wait_until(lambda: (p := gunicorn.served("POST", "/api/v1/learning-requests"))
                      and len(p) == ATTEMPTS and p, "the access log", timeout=10)
    assert len(set(pids)) >= 2, pids
    status, report = call(gunicorn.url + "/api/v1/ledger/verify", admin_token)
    assert status == 200 and report["ok"] is True, (report, gunicorn.output())
    assert db.session.scalar(select(func.count(LearningRequest.id))) == 14  # none half-made
    assert db.session.scalar(select(func.sum(Hold.amount_minor))) == 14 * PRICE
    assert_ledger_ok()  # noqa: F405
