"""Community fixtures: Acme with a capability, a role that targets it, people, and communities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from app.extensions import db
from app.models import Company, User
from pathways.capabilities.models import Capability
from pathways.community import communities, posts
from pathways.community.communities import CommunityData
from pathways.community.models import Community, Post, Reply


@pytest.fixture
def acme(make_company) -> Company:
    return make_company("Acme Robotics", "acme")


@pytest.fixture
def globex(make_company) -> Company:
    return make_company("Globex", "globex")


@pytest.fixture
def admin(acme, make_user) -> User:
    return make_user(acme, roles=("admin", "employee"), name="Hana Admin", email="hr@acme.test")


@pytest.fixture
def ada(acme, make_user) -> User:
    return make_user(acme, name="Ada Lovelace", email="ada@acme.test")


@pytest.fixture
def bob(acme, make_user) -> User:
    return make_user(acme, name="Bob Builder", email="bob@acme.test")


@pytest.fixture
def cy(acme, make_user) -> User:
    return make_user(acme, name="Cy Outsider", email="cy@acme.test")


@pytest.fixture
def outsider(globex, make_user) -> User:
    return make_user(globex, roles=("admin", "employee"), name="Gus Globex",
                     email="hr@globex.test")


@pytest.fixture
def python(acme, make_capability) -> Capability:
    return make_capability(acme, "Python")


@pytest.fixture
def make_community(app: Flask) -> Callable[..., Community]:
    def factory(owner: User, name: str = "Pythonistas", visibility: str = "open",
                capabilities: list[Capability] | None = None, topic: str | None = "Python",
                members: tuple[User, ...] = ()) -> Community:
        c = communities.propose(owner, CommunityData(name, "We write Python.", topic, visibility,
                                                     [cap.id for cap in capabilities or []]))
        for person in members:
            if visibility == "open":
                communities.join(person, c)
            else:
                communities.add_member(owner, c, person.id)
                communities.join(person, c)
        db.session.commit()
        return c

    return factory


@pytest.fixture
def make_post(app: Flask) -> Callable[..., Post]:
    def factory(author: User, community: Community, title: str = "How do I test?",
                body: str = "Any tips?", kind: str = "question") -> Post:
        post = posts.write_post(author, community, kind, title, body)
        db.session.commit()
        return post

    return factory


@pytest.fixture
def make_reply(app: Flask) -> Callable[..., Reply]:
    def factory(author: User, post: Post, body: str = "Use pytest.") -> Reply:
        row = posts.reply(author, post, body)
        db.session.commit()
        return row

    return factory


def ids(response: Any) -> list[int]:
    return [item["id"] for item in response.get_json()["items"]]
