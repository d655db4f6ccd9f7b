"""Posts, questions and answers: members write, the sanitiser keeps every XSS payload out, votes
are one per person and changeable, the accepted answer comes first, edits keep their history,
owners hide with a reason (audited), anyone reports, mentions reach the people named."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied
from app.extensions import db
from app.models import AuditEntry
from pathways.community import posts
from pathways.community.models import ContentReport, Mention
from pathways.community.text import render

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    '<iframe src="https://evil.test"></iframe>',
    "<style>body{display:none}</style>",
    '"><script>alert(1)</script>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div style="background:url(javascript:alert(1))">x</div>',
]
SAFE_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3",
             "h4", "h5", "h6", "hr"}


class Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitiser_keeps_payloads_inert(payload):
    for tag, attrs in elements(str(render(payload))):
        assert tag in SAFE_TAGS, tag
        assert set(attrs) <= {"href", "title", "rel"}, attrs
        assert (attrs.get("href") or "https:").split(":")[0] in ("http", "https", "mailto"), attrs


def test_links_get_nofollow_noopener_and_markdown_renders():
    html = str(render("**bold** and [a link](https://example.com)\n\n# Big"))
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow noopener"' in html
    assert "<h3>Big</h3>" in html and "<h1>" not in html


def test_xss_in_posts_replies_and_titles_through_the_pages(ada, bob, make_community, auth,
                                                           client):
    c = make_community(ada, members=(bob,))
    auth.login(ada)
    r = client.post(f"/communities/{c.id}/posts/new", data={
        "kind": "question", "title": "<script>alert('t')</script>", "body": PAYLOADS[1]})
    post_url = r.headers["Location"]
    client.post(post_url + "/replies", data={"body": PAYLOADS[0]})
    page = client.get(post_url).get_data(as_text=True)
    listing = client.get(f"/communities/{c.id}").get_data(as_text=True)
    for text in (page, listing):
        assert "<script>alert" not in text
        assert not any(tag == "img" for tag, _attrs in elements(text))
    assert "&lt;script&gt;alert" in page


def test_only_members_write(ada, cy, make_community):
    c = make_community(ada)
    with pytest.raises(PermissionDenied, match="Join"):
        posts.write_post(cy, c, "question", "Hi", "")


def test_votes_one_per_person_and_changeable(ada, bob, cy, make_community, make_post, api_as):
    c = make_community(ada, members=(bob, cy))
    post = make_post(ada, c)
    bob_api = api_as(bob)
    assert bob_api.post(f"/api/v1/posts/{post.id}/votes", json={"value": 1}).get_json()[
        "score"] == 1
    assert bob_api.post(f"/api/v1/posts/{post.id}/votes", json={"value": 1}).get_json()[
        "score"] == 1
    assert bob_api.post(f"/api/v1/posts/{post.id}/votes", json={"value": -1}).get_json()[
        "score"] == -1
    assert api_as(cy).post(f"/api/v1/posts/{post.id}/votes", json={"value": -1}).get_json()[
        "score"] == -2
    r = bob_api.post(f"/api/v1/posts/{post.id}/votes", json={"value": 2})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "value"
    assert api_as(ada).post(f"/api/v1/posts/{post.id}/votes", json={"value": 1}).status_code == 403


def test_accepted_answer_comes_first(ada, bob, cy, make_community, make_post, make_reply, api_as):
    c = make_community(ada, members=(bob, cy))
    question = make_post(ada, c)
    first = make_reply(bob, question, "Try unittest.")
    second = make_reply(cy, question, "Use **pytest**.")
    assert api_as(bob).post(f"/api/v1/posts/{question.id}/accept",
                            json={"reply_id": second.id}).status_code == 403
    r = api_as(ada).post(f"/api/v1/posts/{question.id}/accept", json={"reply_id": second.id})
    assert r.status_code == 200
    replies = api_as(bob).get(f"/api/v1/posts/{question.id}").get_json()["replies"]
    assert [x["id"] for x in replies] == [second.id, first.id]
    assert replies[0]["accepted"] and "<strong>pytest</strong>" in replies[0]["body_html"]


def test_edits_keep_history(ada, make_community, make_post, auth, client):
    c = make_community(ada)
    post = make_post(ada, c, title="Old title", body="Old body")
    auth.login(ada)
    client.post(f"/communities/posts/{post.id}/edit", data={"title": "New title", "body": "New"})
    db.session.refresh(post)
    assert post.title == "New title" and post.edited_at is not None
    history = client.get(f"/communities/posts/{post.id}/history").get_data(as_text=True)
    assert "Old body" in history and "New" in history


def test_owner_hides_with_reason_audited(ada, bob, cy, make_community, make_post, auth, client):
    c = make_community(ada, members=(bob, cy))
    post = make_post(bob, c, title="Spam spam")
    posts.report(cy, c, "post", post, "Looks like spam")
    db.session.commit()
    auth.login(cy)
    assert client.post(f"/communities/posts/{post.id}/hide",
                       data={"reason": "x"}).status_code == 302
    db.session.refresh(post)
    assert post.hidden_at is None  # not an owner
    auth.logout()
    auth.login(ada)
    client.post(f"/communities/posts/{post.id}/hide", data={"reason": "Off topic"})
    db.session.refresh(post)
    assert post.hidden_reason == "Off topic"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "community.hide_post"))
    assert entry is not None and "Off topic" in entry.summary and entry.actor_id == ada.id
    report = db.session.scalar(select(ContentReport))
    assert report is not None and report.resolved_at is not None
    auth.logout()
    auth.login(cy)
    assert client.get(f"/communities/posts/{post.id}").status_code == 404
    assert "Spam spam" not in client.get(f"/communities/{c.id}").get_data(as_text=True)


def test_anyone_reading_reports(ada, cy, make_community, make_post, auth, client):
    c = make_community(ada)
    post = make_post(ada, c)
    auth.login(cy)
    client.post(f"/communities/posts/{post.id}/report", data={"reason": "Rude"})
    client.post(f"/communities/posts/{post.id}/report", data={"reason": "Rude"})
    assert len(db.session.scalars(select(ContentReport)).all()) == 1


def test_mentions_and_people_picker(ada, bob, cy, outsider, make_community, auth, client):
    c = make_community(ada, members=(bob,))
    post = posts.write_post(ada, c, "post", "Hello", "Thanks @[Bob Builder] and @[Gus Globex]")
    db.session.commit()
    mentioned = db.session.scalars(select(Mention.user_id)).all()
    assert mentioned == [bob.id]
    auth.login(ada)
    page = client.get(f"/communities/posts/{post.id}").get_data(as_text=True)
    assert '<strong class="mention">@Bob Builder</strong>' in page
    picked = client.get(f"/communities/{c.id}/people?q=bu").get_json()["items"]
    assert [p["name"] for p in picked] == ["Bob Builder"]
    # Cy is in the company but not a member and not someone Ada may see: not offered.
    assert client.get(f"/communities/{c.id}/people?q=cy").get_json()["items"] == []


def test_api_posts_list_and_create(ada, bob, cy, make_community, api_as):
    c = make_community(ada, members=(bob,), visibility="request")
    r = api_as(bob).post(f"/api/v1/communities/{c.id}/posts",
                         json={"kind": "question", "title": "Why?", "body": "<b>x</b>"})
    assert r.status_code == 201 and "<b>" not in r.get_json()["body_html"]
    listed = api_as(ada).get(f"/api/v1/communities/{c.id}/posts?kind=question").get_json()
    assert [p["title"] for p in listed["items"]] == ["Why?"]
    assert api_as(cy).get(f"/api/v1/communities/{c.id}/posts").status_code == 403
    r = api_as(bob).post(f"/api/v1/communities/{c.id}/posts", json={"kind": "poll", "title": "x"})
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "kind"
