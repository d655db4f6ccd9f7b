"""The one access policy: who may see, manage, approve for, or rate whom.

Every view, API endpoint and service asks these functions; nothing else writes the rules. They
follow PRODUCT.md:

- everyone sees themselves; admins (L&D/HR) and executives see everyone in their company;
- a *line manager* (the person's `manager_id`) sees their direct reports, approves their
  requests and gives them manager ratings. The relation is what grants this, not the `manager`
  access role: that role opens the team pages, and an identity provider may make someone a line
  manager without it, whose reports' requests must still reach them;
- admins manage people and money; executives read, never act;
- nobody approves their own request or gives themselves a manager or peer rating;
- a peer rating answers an open rating request the person sent;
- nothing of another company is ever visible (callers load through `app.tenancy`, so a foreign
  id is a 404 before the policy is asked; the policy refuses it again all the same).

`visible_people(actor)` and `approvable_people(actor)` give the same rules as SQL conditions on
`User`, for lists and aggregates.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from .models import User

SELF, MANAGER, PEER, MENTOR, OFFERING, EXTERNAL = (
    "self", "manager", "peer", "mentor", "offering", "external")


def same_company(actor: User, person: User) -> bool:
    return actor.company_id == person.company_id


def is_line_manager(actor: User, person: User) -> bool:
    """`actor` is `person`'s line manager (and of the same company)."""
    return same_company(actor, person) and person.manager_id == actor.id and actor.id != person.id


def sees_everyone(actor: User) -> bool:
    """Admins and executives see every person of their company."""
    return actor.has_role("admin", "executive")


def may_see(actor: User, person: User) -> bool:
    """May `actor` see `person`'s profile, capabilities, budget, learning and requests?"""
    if not same_company(actor, person):
        return False
    return actor.id == person.id or sees_everyone(actor) or is_line_manager(actor, person)


def may_manage(actor: User, person: User) -> bool:
    """May `actor` change `person`: edit, deactivate, allocate or adjust budget, assign learning?"""
    return same_company(actor, person) and actor.has_role("admin")


def may_approve_for(actor: User, person: User) -> bool:
    """May `actor` decide `person`'s learning requests and verify their completions?"""
    if not same_company(actor, person) or actor.id == person.id:
        return False
    return actor.has_role("admin") or is_line_manager(actor, person)


def may_guide(actor: User, person: User) -> bool:
    """May `actor` assign pathways to `person` or set their target role (admin or line manager)?"""
    return may_manage(actor, person) or is_line_manager(actor, person)


def may_rate(actor: User, person: User, source: str, invited: bool = False) -> bool:
    """May `actor` record evidence of `source` about `person`?

    `invited` says whether `person` has an open rating request to `actor` (the caller looks it
    up: the policy does not know the learning side's tables).
    """
    if not same_company(actor, person):
        return False
    if source == SELF:
        return actor.id == person.id
    if source == MANAGER:
        return is_line_manager(actor, person)
    if source == PEER:
        return invited and actor.id != person.id
    if source in (MENTOR, OFFERING, EXTERNAL):
        # Recorded by L&D on someone's behalf (mentoring and providers have their own paths).
        return actor.has_role("admin") and actor.id != person.id
    return False


def rating_refusal(actor: User, person: User, source: str) -> str:
    """The message a person can act on when `may_rate` said no."""
    if not same_company(actor, person):
        return "You can only assess people of your own company."
    if source == SELF:
        return "A self-assessment can only be made by the person themselves."
    if source == MANAGER:
        if actor.id == person.id:
            return ("You cannot rate yourself as a manager; add a self-assessment or ask your "
                    "manager for a rating.")
        return f"Only {person.name}'s line manager can give a manager rating."
    if source == PEER:
        if actor.id == person.id:
            return "You cannot be your own peer; add a self-assessment instead."
        return f"A peer rating answers a rating request; {person.name} has not asked you for one."
    return ("Only an L&D admin records attestations, completions and external statements, and "
            "not for themselves.")


def visible_people(actor: User) -> ColumnElement[bool]:
    """`may_see` as a SQL condition on `User`."""
    mine = User.company_id == actor.company_id
    if sees_everyone(actor):
        return mine
    return and_(mine, or_(User.id == actor.id, User.manager_id == actor.id))


def approvable_people(actor: User) -> ColumnElement[bool]:
    """`may_approve_for` as a SQL condition on `User`."""
    others = and_(User.company_id == actor.company_id, User.id != actor.id)
    if actor.has_role("admin"):
        return others
    return and_(others, User.manager_id == actor.id)


def reports_of(actor: User) -> ColumnElement[bool]:
    """The actor's direct reports, as a SQL condition on `User` (managers' team pages)."""
    return and_(User.company_id == actor.company_id, User.manager_id == actor.id,
                User.id != actor.id)

