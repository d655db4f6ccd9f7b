"""The demo's network is lively: communities with answered questions, an upcoming and a past
event, ideas in every status; Emma sees hers but not the private one."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.models import utcnow
from pathways.community import communities
from pathways.community.models import Community, CommunityEvent, Idea, Post


def test_demo_network(demo_world, auth, client):
    acme = demo_world.acme
    emma = demo_world.people["employee@acme.test"]
    rows = db.session.scalars(select(Community).where(Community.company_id == acme.id)).all()
    assert len(rows) >= 4
    private = [c for c in rows if c.visibility == "private"]
    assert private and not communities.may_view(emma, private[0])
    answered = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.company_id == acme.id, Post.accepted_reply_id.is_not(None)))
    assert answered >= 3
    now = utcnow()
    starts = db.session.scalars(select(CommunityEvent.starts_at).where(
        CommunityEvent.company_id == acme.id)).all()
    assert any(s > now for s in starts) and any(s < now for s in starts)
    statuses = set(db.session.scalars(select(Idea.status).where(Idea.company_id == acme.id)))
    assert statuses == {"open", "planned", "added", "declined"}
    auth.login(emma, DEMO_PASSWORD)
    listing = client.get("/communities").get_data(as_text=True)
    assert "Communities" in listing and private[0].name not in listing
    mine = next(c for c in rows if communities.is_member(emma, c))
    assert client.get(f"/communities/{mine.id}").status_code == 200
