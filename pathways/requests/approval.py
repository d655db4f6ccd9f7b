"""The approval policy of learning requests: who approves what, and who may see a request.

The company's policy (`RequestSettings`) decides the chain when a request is made:

1. a step of a pathway the requester is enrolled in, priced at or below `auto_approve_max_minor`,
   is approved at once (chain "");
2. otherwise the line manager approves (if `manager_approval` is on and the requester has an
   active manager); without a manager the request goes to an L&D admin instead;
3. above `admin_threshold_minor` an L&D admin approves too, after the manager.

Nobody approves their own request: a manager's request goes to their own manager (or an
admin), and an admin's request needs another admin. An admin's approval settles every
remaining stage (admins are the top of the chain).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.access import may_approve_for, may_see
from app.errors import PermissionDenied, ValidationError
from app.extensions import db
from app.models import User, UserRole, UserStatus

from .models import LearningRequest, PurchaseMode, RequestSettings, Stage


def settings_for(company_id: int) -> RequestSettings:
    """The company's approval policy; an unsaved default until an admin edits it."""
    found = db.session.scalar(select(RequestSettings).where(
        RequestSettings.company_id == company_id))
    return found or RequestSettings(company_id=company_id, admin_threshold_minor=50_000,
                                    auto_approve_max_minor=20_000, manager_approval=True,
                                    purchase_mode=PurchaseMode.AUTO.value)


@dataclass
class PolicyData:
    admin_threshold_minor: int
    auto_approve_max_minor: int
    manager_approval: bool
    purchase_mode: str


def save_settings(actor: User, data: PolicyData) -> RequestSettings:
    from app import audit

    if not actor.has_role("admin"):
        raise PermissionDenied("Only an admin can change the approval policy.")
    if data.admin_threshold_minor < 0:
        raise ValidationError("The admin threshold cannot be negative.", "admin_threshold_minor")
    if data.auto_approve_max_minor < 0:
        raise ValidationError("The auto-approval limit cannot be negative (0 switches it off).",
                              "auto_approve_max_minor")
    if data.purchase_mode not in tuple(PurchaseMode):
        raise ValidationError("Choose automatic or manual purchase.", "purchase_mode")
    row = db.session.scalar(select(RequestSettings).where(
        RequestSettings.company_id == actor.company_id))
    if row is None:
        row = RequestSettings(company_id=actor.company_id)
        db.session.add(row)
    before = _settings_snapshot(row) if row.id else {}
    row.admin_threshold_minor = data.admin_threshold_minor
    row.auto_approve_max_minor = data.auto_approve_max_minor
    row.manager_approval = data.manager_approval
    row.purchase_mode = data.purchase_mode
    db.session.flush()
    audit.record(actor, actor.company_id, "request_policy.saved", "request_settings", row.id,
                 "Approval policy for learning requests saved",
                 audit.diff(before, _settings_snapshot(row)))
    return row


def _settings_snapshot(row: RequestSettings) -> dict[str, object]:
    return {"admin_threshold_minor": row.admin_threshold_minor,
            "auto_approve_max_minor": row.auto_approve_max_minor,
            "manager_approval": row.manager_approval, "purchase_mode": row.purchase_mode}


def _active_manager(person: User) -> User | None:
    manager = person.manager
    if manager is None or manager.id == person.id or manager.status != UserStatus.ACTIVE.value:
        return None
    return manager


def decide_chain(settings: RequestSettings, requester: User, price_minor: int,
                 pathway_step: bool) -> list[str]:
    """The approval stages a request of `price_minor` by `requester` goes through."""
    if pathway_step and 0 < price_minor <= settings.auto_approve_max_minor:
        return []
    chain: list[str] = []
    if settings.manager_approval:
        chain.append(Stage.MANAGER.value if _active_manager(requester) else Stage.ADMIN.value)
    if price_minor > settings.admin_threshold_minor and Stage.ADMIN.value not in chain:
        chain.append(Stage.ADMIN.value)
    return chain


def can_decide(actor: User, req: LearningRequest) -> bool:
    """Whether `actor` may approve or reject the request at its current stage: the access
    policy's approver of the requester, and for the admin stage an admin."""
    stage = req.current_stage
    if stage is None or not may_approve_for(actor, req.requester):
        return False
    return actor.has_role("admin") or stage == Stage.MANAGER.value


def can_see(actor: User, req: LearningRequest) -> bool:
    """Whoever may see the requester sees their requests (the access policy's `may_see`)."""
    return actor.company_id == req.company_id and may_see(actor, req.requester)


def approvers_for(req: LearningRequest) -> list[User]:
    """Who gets the e-mail for the current stage (never the requester)."""
    stage = req.current_stage
    if stage is None:
        return []
    if stage == Stage.MANAGER.value:
        manager = _active_manager(req.requester)
        if manager is not None:
            return [manager]
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id).where(
            User.company_id == req.company_id, UserRole.role == "admin",
            User.status == UserStatus.ACTIVE.value, User.id != req.requester_id)
        .order_by(User.id)))
