"""Response headers: HSTS in production, `Cache-Control: no-store` on every signed-in answer
(pages, API, downloads, errors), and one `charset` on CSV downloads."""

from __future__ import annotations

import pytest

from app.extensions import db
from pathways.capabilities import frameworks

PRODUCTION = {"TRELLIS_ENV": "production", "SECRET_KEY": "s" * 48}


def test_production_sends_hsts_on_every_answer(make_app):
    app = make_app(**PRODUCTION)
    with app.app_context():
        client = app.test_client()
        for url in ("/login", "/no-such-page"):
            assert client.get(url).headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_hsts_lifetime_is_configurable(make_app):
    app = make_app(**PRODUCTION, HSTS_MAX_AGE=600)
    with app.app_context():
        assert app.test_client().get("/login").headers["Strict-Transport-Security"] == \
            "max-age=600"


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("url", ["/home", "/account/tokens", "/people", "/no-such-page"])
def test_signed_in_pages_are_never_stored(client, auth, make_company, make_user, url):
    auth.login(make_user(make_company(), roles=("admin", "employee")))
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_the_sign_in_redirect_itself_is_not_stored(client, make_company, make_user):
    ada = make_user(make_company())
    response = client.post("/login", data={"email": ada.email, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"


def test_api_answers_are_never_stored(api_as, make_company, make_user):
    api = api_as(make_user(make_company(), roles=("admin",)))
    for url in ("/api/v1/employees", "/api/v1/employees/999999"):
        assert api.get(url).headers["Cache-Control"] == "no-store"


def test_anonymous_pages_and_static_files_stay_cacheable(client, auth, make_company, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    auth.login(make_user(make_company()))
    with client.get("/static/css/trellis.css") as static:
        assert static.status_code == 200
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_csv_downloads_name_their_charset_once(client, auth, make_company, make_user):
    acme = make_company()
    hal = make_user(acme, roles=("admin", "employee"))
    fw = frameworks.create_framework(hal, "Engineering", frameworks.default_scale(hal))
    db.session.commit()
    auth.login(hal)
    for url in ("/wallet/transactions.csv", f"/budgets/people/{hal.id}/transactions.csv",
                f"/frameworks/{fw.id}/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8", url
        assert response.headers["Cache-Control"] == "no-store"
