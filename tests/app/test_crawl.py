"""Every page crawled: each demo role signs in and follows every same-origin link from /home.

A 5xx, a template error or a link that answers 403/404 fails the role's test, naming the page,
the page that linked to it and the error; all failures of a role are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, Response, redirect
from flask.testing import FlaskClient
from sqlalchemy import select

from app.demo import DEMO_PASSWORD, DemoWorld
from app.extensions import db
from pathways.mentoring.models import MentorKind, MentorProfile
from tests.crawl import crawl, links_of, pattern


@dataclass(frozen=True)
class Visitor:
    email: str | None  # None: the first internal mentor of the demo
    coaches: bool = False  # start at the external coaches' pages too
    max_pages: int = 200


VISITORS = {
    "admin": Visitor("hr@acme.test"),
    "executive": Visitor("exec@acme.test"),
    "manager": Visitor("manager@acme.test"),
    "employee": Visitor("employee@acme.test"),
    "internal-mentor": Visitor(None),
    # The coaches' pages and what they link to first; the admin's crawl covers the rest.
    "admin-on-coach-pages": Visitor("hr@acme.test", coaches=True, max_pages=60),
    "globex-admin": Visitor("hr@globex.test"),
}


def _mentors(world: DemoWorld, kind: MentorKind) -> list[MentorProfile]:
    return list(db.session.scalars(select(MentorProfile).where(
        MentorProfile.company_id == world.acme.id, MentorProfile.kind == kind.value,
        MentorProfile.active.is_(True)).order_by(MentorProfile.id)))


def _start_pages(world: DemoWorld, visitor: Visitor) -> list[str]:
    if not visitor.coaches:
        return ["/home"]
    coaches = _mentors(world, MentorKind.EXTERNAL)
    assert coaches, "the demo has external coaches"
    return ["/mentoring/coaches"] + [
        page for c in coaches for page in (f"/mentoring/coaches/{c.id}",
                                           f"/mentoring/mentors/{c.id}",
                                           f"/mentoring/mentors/{c.id}/availability")] + ["/home"]


def _sign_in(client: FlaskClient, world: DemoWorld, visitor: Visitor) -> str:
    email = visitor.email
    if email is None:
        mentor = _mentors(world, MentorKind.INTERNAL)[0]
        assert mentor.user is not None
        email = mentor.user.email
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/home"), email
    db.session.rollback()  # end the read: on SQLite every transaction holds the write lock
    return email


@pytest.mark.parametrize("role", list(VISITORS))
def test_every_page_the_role_reaches_renders(role: str, demo_world: DemoWorld,
                                             client: FlaskClient) -> None:
    visitor = VISITORS[role]
    email = _sign_in(client, demo_world, visitor)
    result = crawl(client, _start_pages(demo_world, visitor), max_pages=visitor.max_pages,
                   on_error=db.session.rollback)
    if result.failures:
        pytest.fail(result.report(f"{role} ({email})"), pytrace=False)
    assert len(result.visited) >= 10, result.visited  # it really went somewhere


def test_links_are_normalised_to_patterns() -> None:
    assert pattern("/roles/12") == "/roles/{id}"
    assert pattern("/people?team=3&page=2&team=4") == "/people?page&team"
    assert pattern("/me/learning/5/steps/9/book") == "/me/learning/{id}/steps/{id}/book"
    html = ('<a href="/a?x=1#top">a</a><a href="b">b</a><a href="mailto:x@y.z">m</a>'
            '<a href="https://example.com/c">c</a><a href="#frag">f</a><a>none</a>')
    assert links_of(html, "/dir/page") == ["/a?x=1", "/dir/b", "/dir/page"]


def test_the_crawler_reports_every_failure_with_its_referrer_and_stays_bounded() -> None:
    site = Flask(__name__)
    site.config["TESTING"] = True  # exceptions propagate, as in the Trellis test app
    links = ["/n/1", "/n/2", "/n/3", "/n/4", "/missing", "/boom", "/busy", "/report.pdf",
             "/logout", "/data", "/away"]
    site.add_url_rule("/home", "home", lambda: "".join(f'<a href="{u}">x</a>' for u in links))
    site.add_url_rule("/n/<int:n>", "n", lambda n: '<a href="/home">home</a>')
    site.add_url_rule("/boom", "boom", lambda: 1 / 0)
    site.add_url_rule("/busy", "busy", lambda: ("try later", 503))
    site.add_url_rule("/data", "data", lambda: Response("a,b", mimetype="text/csv"))
    site.add_url_rule("/away", "away", lambda: redirect("/login"))
    rolled_back: list[bool] = []
    result = crawl(site.test_client(), ["/home"], per_pattern=3,
                   on_error=lambda: rolled_back.append(True))
    assert [(f.url, f.referrer) for f in result.failures] == [
        ("/missing", "/home"), ("/boom", "/home"), ("/busy", "/home"), ("/away", "/home")]
    assert "ZeroDivisionError" in result.failures[1].error and rolled_back == [True]
    assert "404" in result.failures[0].error and "503" in result.failures[2].error
    assert "sign-in" in result.failures[3].error
    assert {"/n/1", "/n/2", "/n/3"} <= set(result.visited) and "/n/4" not in result.visited
    assert {"/report.pdf", "/logout", "/data"} <= result.skipped  # by URL, and by Content-Type
    assert "/report.pdf" not in result.visited and "/logout" not in result.visited
    assert "GET /boom (linked from /home): ZeroDivisionError" in result.report("someone")
    starts = crawl(site.test_client(), ["/n/5", "/n/6", "/n/7"], per_pattern=1, max_pages=2)
    assert set(starts.visited) == {"/n/5", "/n/6", "/n/7"}  # start pages are never capped
