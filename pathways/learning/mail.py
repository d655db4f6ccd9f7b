"""E-mails about pathways: a completion waiting for the line manager's verification.

Recorded in the outbox inside the caller's transaction (`app.mail.queue_email`) and delivered
only after the commit, so a rolled-back completion never mails anyone.
"""

from __future__ import annotations

from app.mail import external_url, queue_email
from app.models import UserStatus

from .models import Enrolment, PathwayStep, StepCompletion


def send_verification_request(enrolment: Enrolment, step: PathwayStep,
                              completion: StepCompletion) -> bool:
    """Ask the person's line manager to verify a pending completion; False when nobody to ask.

    Without an active line manager the completion still waits in the admins' list on
    My learning, so nothing is lost.
    """
    employee = enrolment.user
    manager = employee.manager
    if manager is None or manager.status != UserStatus.ACTIVE.value or not manager.email:
        return False
    link = external_url("learning.enrolment", enrolment_id=enrolment.id,
                        _anchor=f"step-{step.id}")
    evidence = [f"Note: {completion.note}"] if completion.note else []
    if completion.link:
        evidence.append(f"Link: {completion.link}")
    if completion.file_name:
        evidence.append(f"Certificate: {completion.file_name}")
    body = (f"Hello {manager.name},\n\n{employee.name} marked the step \"{step.title}\" of the "
            f"pathway \"{enrolment.pathway.title}\" done. Your company asks line managers to "
            "verify completed steps before they count toward a person's levels.\n\n"
            + ("\n".join(evidence) + "\n\n" if evidence else "")
            + f"Check the evidence and verify it here:\n{link}\n\n"
            f"Everything waiting for you: {external_url('learning.mine')}\n\nTrellis")
    queue_email(manager.email, f"Please verify: {employee.name} completed \"{step.title}\"",
                body, enrolment.company_id)
    return True
