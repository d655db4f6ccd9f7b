"""The sign-in limits hold across gunicorn worker processes, on the embedded default too.

A real `gunicorn wsgi:app` with 3 sync workers, the limits on and counted in the database (SQLite
file or PostgreSQL) or, with REDIS_URL, in Redis. 40 wrong passwords for Ada's address fire at
the same moment: exactly 10 are checked (200, "wrong"), 30 are refused (429) — per-worker counters
let 20 of 40 through with 2 workers. Then 40 guesses at 40 other addresses from the same client:
exactly 20 more are checked (the client's 30 failures in ten minutes), 20 refused. Ada hears of
the lock once. The access log proves more than one worker served the race.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
WORKERS, ATTEMPTS = 3, 40
STORES = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until(check: Callable[[], Any], what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


class Gunicorn:
    """`gunicorn wsgi:app` with the sign-in limits on, on the test database, until `stop()`."""

    def __init__(self, database_url: str, env: dict[str, str]) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in stop())
        folder = tempfile.mkdtemp(prefix="trellis-gunicorn-")
        self.access_log = Path(folder) / "access.log"
        env = os.environ | {"DATABASE_URL": database_url, "RATELIMIT_ENABLED": "1",
                            "TRELLIS_ENV": "development", "TRELLIS_INSTANCE_PATH": folder} | env
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--preload", "--graceful-timeout", "1",
             "-w", str(WORKERS), "-b", self.url.removeprefix("http://"), "--chdir", str(ROOT),
             "--access-logfile", str(self.access_log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "wsgi:app"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
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

    def served_logins(self) -> list[str]:
        """The pid of the worker that served each `POST /login`."""
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return [line.split()[0] for line in lines if line.split()[1:3] == ["POST", "/login"]]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(params=STORES)
def gunicorn(request: pytest.FixtureRequest, app: Any, database_url: str) -> Iterator[Gunicorn]:
    store = {"SIGNIN_THROTTLE_STORAGE": "database"}
    if request.param == "redis":  # keys of this run's own
        store = {"SIGNIN_THROTTLE_STORAGE": os.environ["REDIS_URL"],
                 "SIGNIN_THROTTLE_PREFIX": f"trellis-test-{uuid.uuid4().hex}:"}
    server = Gunicorn(database_url, store)
    try:
        _wait_until(server.answers, "gunicorn to answer", timeout=60)
        yield server
    finally:
        server.stop()


class Browser:
    """One visitor: a cookie jar and the CSRF token of the sign-in form it loaded."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with self.opener.open(url + "/login", timeout=30) as r:
            page = r.read().decode()
        self.csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def sign_in(self, email: str, password: str) -> int:
        body = urllib.parse.urlencode({"csrf_token": self.csrf, "email": email,
                                       "password": password}).encode()
        try:
            with self.opener.open(self.url + "/login", data=body, timeout=60) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def race(url: str, emails: list[str]) -> list[int]:
    """One wrong password for each of `emails`, all sent at the same moment."""
    browsers = [Browser(url) for _ in emails]
    start = threading.Barrier(len(emails))

    def attempt(n: int) -> int:
        start.wait()
        return browsers[n].sign_in(emails[n], "not-the-password")

    with ThreadPoolExecutor(len(emails)) as pool:
        return list(pool.map(attempt, range(len(emails))))


def test_the_limits_hold_across_gunicorn_workers(make_company, make_user, gunicorn):
    make_user(make_company(name="Acme"), email="ada@acme.test", name="Ada")
    db.session.remove()  # hold no connection (nor, on SQLite, a lock) while the workers race

    one_address = race(gunicorn.url, ["ada@acme.test"] * ATTEMPTS)
    assert sorted(one_address) == [200] * 10 + [429] * 30, gunicorn.output()

    many_addresses = race(gunicorn.url, [f"guess{n}@acme.test" for n in range(ATTEMPTS)])
    assert sorted(many_addresses) == [200] * 20 + [429] * 20, gunicorn.output()

    pids = _wait_until(lambda: len(p := gunicorn.served_logins()) == 2 * ATTEMPTS and p,
                       "the access log", timeout=10)
    assert len(set(pids)) >= 2, pids  # the race was between processes
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.to, m.subject) for m in mails] == [
        ("ada@acme.test", "Sign-in to Trellis paused after wrong passwords")]
