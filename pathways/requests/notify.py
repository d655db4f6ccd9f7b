"""The e-mails of the request flow: to the approvers of the current stage, and to the requester."""

from __future__ import annotations

from app.extensions import db
from app.mail import external_url, queue_email
from app.money import money

from .approval import approvers_for
from .models import LearningRequest

QUIET = "requests_quiet"


def quiet() -> None:
    """No request e-mails for the rest of this session's transaction (demo seeding)."""
    db.session.info[QUIET] = True


def notify_approvers(req: LearningRequest) -> None:
    if db.session.info.get(QUIET):
        return
    price = money(req.price_minor, req.currency)
    for person in approvers_for(req):
        queue_email(person.email, f"Approval needed: {req.requester.name} asks for {req.title}",
                    f"Hello {person.name},\n\n{req.requester.name} asks for \"{req.title}\" "
                    f"({price}, held on their budget).\n"
                    + (f"Their note: {req.note}\n" if req.note else "")
                    + f"\nApprove or reject it: {external_url('requests.detail', request_id=req.id)}"
                    + f"\nYour inbox: {external_url('requests.inbox')}\n", req.company_id)


def notify_requester(req: LearningRequest, what: str, comment: str | None) -> None:
    if db.session.info.get(QUIET):
        return
    queue_email(req.requester.email, f"Your request for {req.title} was {what}",
                f"Hello {req.requester.name},\n\nyour request for \"{req.title}\" was {what}."
                + (f"\nComment: {comment}" if comment else "")
                + f"\n\nSee it: {external_url('requests.detail', request_id=req.id)}\n",
                req.company_id)
