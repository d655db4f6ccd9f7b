"""The wallet page and a person's budget page read a story back row by row: each capture and
refund at its true amount (issue 13: a €99 capture read €198), the cash and the allowance effect
in their own columns, true date order (posted time, then id) even for back-filled rows, and the
rollover row with its amount."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from app.extensions import db
from app.money import format_money
from billing import budgets, holds, ledger, policies, wallet
from billing.policies import Period, PolicyData

from .conftest import FY2026, key

FY2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


def eur(minor: int | None) -> str:
    return format_money(minor, "EUR") if minor else "—"


def story(acme, admin, ada) -> None:
    """Posted in this order; dated so that id order and date order disagree."""
    with ledger.backfill(datetime(2026, 1, 5, 9)):
        wallet.record_bank_transfer(admin, acme, 500_000, "SEPA-1", key())
    with ledger.backfill(datetime(2026, 1, 10, 9)):
        budgets.adjust(admin, ada, 100_000, "Opening budget", key(), FY2026)
    with ledger.backfill(datetime(2026, 3, 1, 9)):
        hold = holds.hold(ada, ada, 9_900, "request:1", key(), on=date(2026, 3, 1))
    with ledger.backfill(datetime(2026, 3, 3, 9)):
        holds.capture(admin, hold, key())
    with ledger.backfill(datetime(2026, 3, 10, 9)):
        holds.refund(admin, hold, 2_000, key(), "Partly cancelled")
    # Last year, written after all of the above:
    with ledger.backfill(datetime(2025, 6, 1, 9)):
        budgets.adjust(admin, ada, 30_000, "Last year's budget", key(), FY2025)
    policies.save_policy(admin, PolicyData("default", 0, rollover_cap_minor=20_000))
    with ledger.backfill(datetime(2025, 12, 31, 23)):
        budgets.close_period(admin, acme, FY2025)
    db.session.commit()


# (what, amount, cash, allowance), newest first
WALLET = [("Refund", 2_000, 2_000, 2_000), ("Capture", 9_900, -9_900, -9_900),
          ("Hold", 9_900, None, None), ("Adjustment", 100_000, None, 100_000),
          ("Funding", 500_000, 500_000, None), ("Expiry", 10_000, None, -10_000),
          ("Rollover", 20_000, None, None), ("Adjustment", 30_000, None, 30_000)]


def table_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(
        r"<td[^>]*>(.*?)</td>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_wallet_page_and_csv_read_the_story_back_row_by_row(acme, admin, make_user, auth,
                                                                client):
    ada = make_user(acme, name="Ada")
    story(acme, admin, ada)
    auth.login(admin)
    page = client.get("/wallet").get_data(as_text=True)
    assert "Newest first, by the time each was posted" in page
    assert [(r[1], r[6], r[7], r[8]) for r in table_rows(page)] == [
        (what, eur(amount), eur(cash), eur(allowance)) for what, amount, cash, allowance in WALLET]
    rows = list(csv.DictReader(io.StringIO(client.get("/wallet/transactions.csv")
                                           .get_data(as_text=True))))
    assert [(r["kind"], int(r["moved_minor"]), int(r["wallet_change_minor"]),
             int(r["allowance_change_minor"])) for r in rows] == [
        (what.lower(), amount, cash or 0, allowance or 0) for what, amount, cash, allowance in WALLET]
    assert [r["date"][:10] for r in rows] == sorted((r["date"][:10] for r in rows), reverse=True)


def test_a_persons_budget_page_is_in_date_order_and_shows_each_amount(acme, admin, make_user,
                                                                      auth, client):
    ada = make_user(acme, name="Ada")
    story(acme, admin, ada)
    auth.login(admin)
    page = client.get(f"/budgets/people/{ada.id}?period=2026").get_data(as_text=True)
    assert "Newest first, by the time each was posted" in page
    # (what, amount, available, held, spent): funding moves no budget, so it is not listed
    assert [(r[1], r[5], r[6], r[7], r[8]) for r in table_rows(page)] == [
        ("Refund", eur(2_000), eur(2_000), "—", eur(-2_000)),
        ("Capture", eur(9_900), "—", eur(-9_900), eur(9_900)),
        ("Hold", eur(9_900), eur(-9_900), eur(9_900), "—"),
        ("Adjustment", eur(100_000), eur(100_000), "—", "—"),
        ("Expiry", eur(10_000), eur(-10_000), "—", "—"),
        ("Rollover", eur(20_000), "—", "—", "—"),  # last year's available → this year's
        ("Adjustment", eur(30_000), eur(30_000), "—", "—")]
