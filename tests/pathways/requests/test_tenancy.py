"""Another company's learning requests, offerings and bookings are a 404 on every new route."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
from pathways.mentoring.models import MentorBooking, MentorProfile
from pathways.requests import submit
from tests.tenancy import Route, assert_foreign_404

ACTIONS = ("approve", "reject", "cancel", "purchase", "complete", "refund")


def _foreign_objects(acme_world, make_offering, give):
    give(acme_world.ada, 100_000)
    offering = make_offering(acme_world.company, 10_000)
    req = submit.create_for_offering(acme_world.ada, offering, "mine")
    coach = MentorProfile(company_id=acme_world.company.id, kind="external",
                          external_name="Coach", hourly_rate_minor=10_000, currency="EUR")
    db.session.add(coach)
    db.session.flush()
    start = datetime(2026, 12, 20, 10)
    booking = MentorBooking(company_id=acme_world.company.id, mentor_id=coach.id,
                            mentee_id=acme_world.ada.id, starts_at=start,
                            ends_at=start + timedelta(hours=1), price_minor=10_000,
                            currency="EUR", ical_uid="uid-1")
    db.session.add(booking)
    db.session.commit()
    return req.id, offering.id, booking.id


def test_html_routes_are_tenant_scoped(acme_world, make_offering, give, make_company,
                                       make_user, auth, client):
    rid, oid, bid = _foreign_objects(acme_world, make_offering, give)
    globex = make_company("Globex", "globex")
    intruder = make_user(globex, roles=("admin", "manager", "employee"))
    auth.login(intruder)
    routes = [Route("GET", f"/requests/{rid}"),
              Route("GET", f"/requests/new?offering_id={oid}"),
              Route("POST", f"/requests/new?offering_id={oid}", form={"note": "x", "key": "k"}),
              Route("GET", f"/requests/new?booking_id={bid}"),
              Route("POST", f"/requests/new?booking_id={bid}", form={"note": "x", "key": "k"}),
              Route("POST", "/requests/inbox/approve", form={"request_id": str(rid)})]
    routes += [Route("POST", f"/requests/{rid}/{a}",
                     form={"comment": "x", "reason": "x", "key": "k"}) for a in ACTIONS]
    assert_foreign_404(client, routes)


def test_api_routes_are_tenant_scoped(acme_world, make_offering, give, make_company, make_user,
                                      api_as):
    rid, oid, bid = _foreign_objects(acme_world, make_offering, give)
    globex = make_company("Globex", "globex")
    api = api_as(make_user(globex, roles=("admin", "manager", "employee")))
    routes = [Route("GET", f"/api/v1/learning-requests/{rid}", headers=api.headers),
              Route("POST", "/api/v1/learning-requests", json={"offering_id": oid},
                    headers=api.headers),
              Route("POST", "/api/v1/learning-requests", json={"mentor_booking_id": bid},
                    headers=api.headers)]
    routes += [Route("POST", f"/api/v1/learning-requests/{rid}/{a}", json={"comment": "x"},
                     headers=api.headers) for a in ACTIONS]
    assert_foreign_404(api.client, routes)
    assert api.get("/api/v1/learning-requests").get_json()["total"] == 0
