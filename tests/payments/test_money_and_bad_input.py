"""Money as numbers: the rules refuse nonsense with the field named; old text prices migrate or stay a problem."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError

from booksync.bookings.models import Service
from booksync.bookings.money import deposit_amount, format_money, parse_price_text, rule_problems
from booksync.doctor import _payments, _studio

pytestmark = pytest.mark.django_db


def test_amounts_are_shown_in_the_customers_locale():
    assert format_money(3000, "GBP", "en-GB") == "£30.00"
    assert format_money(3000, "GBP", "de-DE") == "30,00\xa0£"
    assert format_money(3000, "JPY", "en") == "¥3,000"
    assert format_money(3000, "EUR", "fr-FR") == "30,00\xa0€"


def test_deposits_round_to_the_minor_unit_and_yen_has_none():
    assert deposit_amount(18000, "deposit_percent", 30) == 5400
    assert deposit_amount(1001, "deposit_percent", 33) == 330  # ¥330.33 → ¥330
    assert deposit_amount(6000, "full", None) == 6000
    assert deposit_amount(6000, "deposit_fixed", 2500) == 2500
    assert parse_price_text("¥3000") == (3000, "JPY") and parse_price_text("¥30.5") is None


@pytest.mark.parametrize(("amount", "currency", "rule", "value", "field", "words"), [
    (6000, "GBP", "deposit_fixed", 7000, "deposit_value", "more than the price"),
    (6000, "GBP", "deposit_percent", 120, "deposit_value", "at most 100"),
    (6000, "GBP", "deposit_fixed", -500, "deposit_value", "cannot be negative"),
    (6000, "GBP", "deposit_percent", -5, "deposit_value", "cannot be negative"),
    (6000, "XYZ", "full", None, "price_currency", "not an ISO 4217"),
    (None, "GBP", "full", None, "price_amount", "Give the price"),
    (-100, "GBP", "none", None, "price_amount", "cannot be negative"),
])
def test_bad_rules_name_the_field_and_save_nothing(studio, staff_client, amount, currency, rule, value, field, words):
    assert rule_problems(amount, currency, rule, value)[field]
    service = Service.objects.get(slug="mini")
    service.price_amount, service.price_currency, service.payment_rule, service.deposit_value = (
        amount, currency, rule, value)
    with pytest.raises(ValidationError) as raised:
        service.full_clean()
    assert words in " ".join(raised.value.message_dict[field])
    # Through the admin's form: the page names the problem and the row is unchanged.
    form = {"studio": studio.pk, "name": "Mini session", "slug": "mini", "duration_minutes": 30, "description": "",
            "price": "£60", "price_amount": "" if amount is None else amount, "price_currency": currency,
            "payment_rule": rule, "deposit_value": "" if value is None else value, "active": "on", "position": 2}
    answer = staff_client.post(f"/admin/bookings/service/{service.pk}/change/", form)
    assert answer.status_code == 200 and words in answer.content.decode()
    fresh = Service.objects.get(slug="mini")
    assert (fresh.price_amount, fresh.price_currency, fresh.payment_rule) == (6000, "GBP", "full")


def test_old_text_prices_migrate_and_an_unreadable_one_is_kept_as_a_studio_problem(studio):
    migration = importlib.import_module("booksync.bookings.migrations.0007_payments")
    Service.objects.filter(slug="portrait").update(price="£95", price_amount=None, price_currency="")
    Service.objects.filter(slug="family").update(price="from £90", price_amount=None, price_currency="")
    Service.objects.filter(slug="mini").update(price="45,50 EUR", price_amount=None, price_currency="")
    from django.apps import apps

    migration.read_text_prices(apps, None)
    portrait, family, mini = (Service.objects.get(slug=s) for s in ("portrait", "family", "mini"))
    assert (portrait.price_amount, portrait.price_currency) == (9500, "GBP")
    assert (mini.price_amount, mini.price_currency) == (4550, "EUR")
    assert family.price == "from £90" and family.price_amount is None  # kept, never guessed
    assert family.price_problem in _studio()
    assert "'from £90' could not be read" in family.price_problem


def test_doctor_checks_the_key_the_webhook_secret_and_currencies(paying, stripe_emu):
    assert _payments() == []
    assert stripe_emu.calls("GET", "/v1/balance")
    paying.STRIPE_WEBHOOK_SECRET = ""
    Service.objects.filter(slug="mini").update(price_currency="XAU")
    problems = _payments()
    assert any("STRIPE_WEBHOOK_SECRET" in p for p in problems)
    assert any("'XAU'" in p for p in problems)
    paying.STRIPE_SECRET_KEY = "sk_test_wrong"
    assert any("STRIPE_SECRET_KEY" in p for p in _payments())
