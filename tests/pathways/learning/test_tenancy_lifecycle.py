"""Another company's pathway, person, pending import and booking ids are a 404 on the team
pathways page, the archive button and the coach import, and change nothing."""

from __future__ import annotations

from app.extensions import db
from app.models import PendingImport
from pathways.learning import enrolments
from pathways.learning.builder import StepData
from pathways.mentoring import mentors
from tests.tenancy import Route, assert_foreign_404

ALL = ("admin", "manager", "employee", "executive")


def test_foreign_ids_are_404_on_the_new_routes(app, client, auth, api_as, make_company,
                                               make_user, make_capability,
                                               make_pathway):  # noqa: F811
    acme, globex = make_company(), make_company()
    boss = make_user(acme, roles=ALL)
    ada = make_user(acme, manager=boss)
    cap = make_capability(acme, "Coaching")
    path = make_pathway(acme, "Acme path", [StepData("reading", "Read", url="https://r.test"),
                                            StepData("mentor_session", capability_id=cap.id,
                                                     to_level=2)])
    enrolment = enrolments.enrol_self(ada, path)
    step = path.steps[1]
    pending = PendingImport(company_id=acme.id, created_by_id=boss.id, kind="coaches",
                            filename="c.csv", content="name,email,hourly_rate_minor,timezone\n"
                            "Cora,cora@c.test,100,Europe/Berlin\n")
    db.session.add(pending)
    db.session.commit()

    hank = make_user(globex, roles=ALL)
    own_report = make_user(globex, manager=hank)
    own_path = make_pathway(globex, "Own path", [StepData("reading", "R", url="https://r.test")])
    own_mentor = mentors.opt_in(own_report, mentors.ProfileData("Europe/London", 4))
    db.session.commit()
    auth.login(hank)
    routes = [
        Route("GET", f"/team/pathways?pathway_id={path.id}"),
        Route("GET", f"/pathways/{path.id}/team-assign"),
        Route("POST", "/team/pathways", form={"pathway_id": path.id,
                                              "user_ids": [own_report.id]}),
        Route("POST", "/team/pathways", form={"pathway_id": path.id, "everyone": "y"}),
        Route("POST", "/team/pathways", form={"pathway_id": own_path.id, "user_ids": [ada.id]}),
        Route("POST", "/team/pathways", form={"pathway_id": own_path.id,
                                              "user_ids": [own_report.id, ada.id]}),
        Route("POST", f"/admin/pathways/{path.id}/archive"),
        Route("GET", f"/mentoring/coaches/import/{pending.id}"),
        Route("POST", f"/mentoring/coaches/import/{pending.id}"),
        Route("GET", f"/me/learning/{enrolment.id}/steps/{step.id}/book"),
        Route("GET", f"/mentoring?enrolment={enrolment.id}&step={step.id}"),
        Route("GET", f"/mentoring/mentors/{own_mentor.id}?enrolment={enrolment.id}"
                     f"&step={step.id}"),
        Route("POST", f"/mentoring/mentors/{own_mentor.id}/book", form={
            "starts_at": "2030-01-07T09:00:00Z", "enrolment_id": enrolment.id,
            "step_id": step.id}),
    ]
    assert_foreign_404(client, routes)
    api = api_as(own_report)
    assert_foreign_404(api, [Route("POST", "/api/v1/mentor-bookings", json={
        "mentor_id": own_mentor.id, "starts_at": "2030-01-07T09:00:00Z",
        "enrolment_id": enrolment.id, "step_id": step.id})])
