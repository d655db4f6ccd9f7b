"""Every id-bearing community route, HTML and API, answers 404 to another company's admin and
changes nothing; a private community answers the same 404 to a colleague outside it."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import utcnow
from pathways.community import events, ideas, posts
from tests.tenancy import Route, assert_foreign_404


def _world(ada, bob, make_community, make_post, make_reply):
    c = make_community(ada, members=(bob,))
    post = make_post(ada, c)
    reply = make_reply(bob, post)
    event = events.schedule(ada, c, events.EventData(
        "Talk", "talk", utcnow() + timedelta(days=3), 60, "UTC", place="Room 1"))
    idea = ideas.propose(ada, "Rust", "Because")
    db.session.commit()
    return c, post, reply, event, idea


def _html_routes(c, post, reply, event, idea, user_id):
    return [
        Route("GET", f"/communities/{c.id}"), Route("GET", f"/communities/{c.id}/edit"),
        Route("POST", f"/communities/{c.id}/edit", form={"name": "X", "topic": "x",
                                                         "visibility": "open"}),
        Route("POST", f"/communities/{c.id}/join", form={}),
        Route("POST", f"/communities/{c.id}/leave", form={}),
        Route("GET", f"/communities/{c.id}/members"),
        Route("POST", f"/communities/{c.id}/members", form={"user_id": user_id}),
        Route("POST", f"/communities/{c.id}/members/{user_id}/remove", form={}),
        Route("POST", f"/communities/{c.id}/members/{user_id}/owner", form={}),
        Route("POST", f"/communities/{c.id}/decide", form={"approve": "1"}),
        Route("GET", f"/communities/{c.id}/people?q=a"),
        Route("GET", f"/communities/{c.id}/posts/new"),
        Route("POST", f"/communities/{c.id}/posts/new", form={"kind": "post", "title": "x"}),
        Route("GET", f"/communities/{c.id}/events/new"),
        Route("GET", f"/communities/posts/{post.id}"),
        Route("POST", f"/communities/posts/{post.id}/replies", form={"body": "x"}),
        Route("POST", f"/communities/posts/{post.id}/accept/{reply.id}", form={}),
        Route("POST", f"/communities/posts/{post.id}/vote", form={"value": "1"}),
        Route("POST", f"/communities/replies/{reply.id}/vote", form={"value": "1"}),
        Route("GET", f"/communities/posts/{post.id}/edit"),
        Route("GET", f"/communities/replies/{reply.id}/edit"),
        Route("GET", f"/communities/posts/{post.id}/history"),
        Route("POST", f"/communities/posts/{post.id}/hide", form={"reason": "x"}),
        Route("POST", f"/communities/posts/{post.id}/report", form={"reason": "x"}),
        Route("POST", f"/communities/replies/{reply.id}/hide", form={"reason": "x"}),
        Route("POST", f"/communities/replies/{reply.id}/report", form={"reason": "x"}),
        Route("GET", f"/events/{event.id}"), Route("GET", f"/events/{event.id}.ics"),
        Route("POST", f"/events/{event.id}/rsvp", form={}),
        Route("POST", f"/events/{event.id}/cancel", form={}),
        Route("POST", f"/events/{event.id}/attendance", form={}),
        Route("GET", f"/ideas/{idea.id}"),
        Route("POST", f"/ideas/{idea.id}/vote", form={"value": "1"}),
        Route("POST", f"/ideas/{idea.id}/comments", form={"body": "x"}),
        Route("POST", f"/ideas/{idea.id}/answer", form={"status": "planned"}),
    ]


def _api_routes(c, post, reply, event, idea, user_id, headers):
    def r(method, url, json=None):
        return Route(method, url, json=json, headers=headers)

    return [
        r("GET", f"/api/v1/communities/{c.id}"),
        r("PATCH", f"/api/v1/communities/{c.id}", {"name": "X"}),
        r("POST", f"/api/v1/communities/{c.id}/members", {}),
        r("DELETE", f"/api/v1/communities/{c.id}/members/{user_id}"),
        r("GET", f"/api/v1/communities/{c.id}/mentionable"),
        r("GET", f"/api/v1/communities/{c.id}/posts"),
        r("POST", f"/api/v1/communities/{c.id}/posts", {"title": "x"}),
        r("GET", f"/api/v1/communities/{c.id}/events"),
        r("POST", f"/api/v1/communities/{c.id}/events", {
            "title": "x", "starts_at": "2030-01-01T10:00:00", "timezone": "UTC", "place": "x"}),
        r("GET", f"/api/v1/posts/{post.id}"),
        r("POST", f"/api/v1/posts/{post.id}/replies", {"body": "x"}),
        r("POST", f"/api/v1/posts/{post.id}/accept", {"reply_id": reply.id}),
        r("POST", f"/api/v1/posts/{post.id}/votes", {"value": 1}),
        r("POST", f"/api/v1/replies/{reply.id}/votes", {"value": 1}),
        r("POST", f"/api/v1/events/{event.id}/rsvp"),
        r("POST", f"/api/v1/ideas/{idea.id}/votes", {"value": 1}),
        r("POST", f"/api/v1/ideas/{idea.id}/status", {"status": "planned"}),
    ]


def test_foreign_ids_are_404(ada, bob, outsider, make_community, make_post, make_reply, auth,
                             client, api_as):
    world = _world(ada, bob, make_community, make_post, make_reply)
    api = api_as(outsider)
    api.get("/api/v1/me")
    auth.login(outsider)
    assert_foreign_404(client, _html_routes(*world, bob.id))
    assert_foreign_404(api.client, _api_routes(*world, bob.id, api.headers))


def test_private_community_is_404_to_a_colleague_outside(ada, bob, cy, make_community, make_post,
                                                         make_reply, auth, client, api_as):
    c = make_community(ada, name="Secret", visibility="private", members=(bob,))
    post = make_post(ada, c)
    reply = make_reply(bob, post)
    event = events.schedule(ada, c, events.EventData(
        "Talk", "talk", utcnow() + timedelta(days=3), 60, "UTC", place="Room 1"))
    idea = ideas.propose(ada, "Rust", "Because")  # ideas are company-wide: left out below
    db.session.commit()
    api = api_as(cy)
    api.get("/api/v1/me")
    auth.login(cy)
    html = [r for r in _html_routes(c, post, reply, event, idea, bob.id)
            if "/ideas/" not in r.url]
    json = [r for r in _api_routes(c, post, reply, event, idea, bob.id, api.headers)
            if "/ideas/" not in r.url]
    assert_foreign_404(client, html)
    assert_foreign_404(api.client, json)
    assert posts.counts(c) == (1, 0)  # it exists; cy just cannot know
