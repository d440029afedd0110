"""Money as numbers: amounts in the currency's minor unit, rules, the payment summary, Babel formatting.

No Django here beyond the translation marker: the rules are plain functions so the API, the
admin's form, the migration of old text prices and the tests all call the same ones (ADR 0018).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel import UnknownLocaleError
from babel.numbers import format_currency, list_currencies

# Stripe's zero-decimal and three-decimal currencies (docs/stripe.md); every other one has cents.
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

NONE, DEPOSIT_FIXED, DEPOSIT_PERCENT, FULL = "none", "deposit_fixed", "deposit_percent", "full"
RULES = (NONE, DEPOSIT_FIXED, DEPOSIT_PERCENT, FULL)

# The payment states every side shows (the Notion select's options, in this order).
NOT_REQUIRED, AWAITING, DEPOSIT_PAID, PAID, PARTLY_REFUNDED, REFUNDED = (
    "not_required", "awaiting", "deposit_paid", "paid", "partly_refunded", "refunded")
STATE_LABELS = {NOT_REQUIRED: "Not required", AWAITING: "Awaiting payment", DEPOSIT_PAID: "Deposit paid",
                PAID: "Paid", PARTLY_REFUNDED: "Partly refunded", REFUNDED: "Refunded"}


def is_currency(code: str) -> bool:
    return bool(code) and len(code) == 3 and code.upper() in list_currencies()


def exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(major: Decimal, currency: str) -> int:
    return int((major.scaleb(exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount: int, currency: str, locale: str = "en_GB") -> str:
    """``5400, "GBP"`` → £54.00 (en), 54,00 £ (de); ``3000, "JPY"`` → ¥3,000. Babel's locale data."""
    tag = (locale or "en_GB").replace("-", "_")
    try:
        return format_currency(to_major(amount, currency), currency.upper(), locale=tag)
    except (ValueError, LookupError, UnknownLocaleError):  # an unknown locale tag: the studio's English
        return format_currency(to_major(amount, currency), currency.upper(), locale="en_GB")


def deposit_amount(price: int, rule: str, value: int | None) -> int:
    """What is paid online when booking: the deposit, the full price, or 0 (pay at the studio)."""
    if rule == FULL:
        return price
    if rule == DEPOSIT_FIXED:
        return min(int(value or 0), price)
    if rule == DEPOSIT_PERCENT:
        return int((Decimal(price) * Decimal(int(value or 0)) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return 0


def rule_problems(price: int | None, currency: str, rule: str, value: int | None) -> dict[str, str]:
    """Field → what is wrong, for a service's price and payment rule ({} when all is well)."""
    problems: dict[str, str] = {}
    if rule not in RULES:
        problems["payment_rule"] = f"{rule!r} is not a payment rule (none, deposit_fixed, deposit_percent, full)."
        return problems
    if price is not None and price < 0:
        problems["price_amount"] = "A price cannot be negative."
    if (price is not None or rule != NONE) and not is_currency(currency or ""):
        problems["price_currency"] = f"{currency or '(empty)'!r} is not an ISO 4217 currency code (e.g. GBP, EUR, JPY)."
    if rule != NONE and price is None:
        problems["price_amount"] = "Give the price before a payment rule that takes money."
    if rule in (DEPOSIT_FIXED, DEPOSIT_PERCENT):
        if value is None:
            problems["deposit_value"] = "Give the deposit."
        elif value < 0:
            problems["deposit_value"] = "A deposit cannot be negative."
        elif value == 0:
            problems["deposit_value"] = "A deposit of 0 takes nothing: choose \"pay at the studio\" instead."
        elif rule == DEPOSIT_PERCENT and value > 100:
            problems["deposit_value"] = "A percentage deposit is at most 100 %."
        elif rule == DEPOSIT_FIXED and price is not None and value > price:
            problems["deposit_value"] = "The deposit is more than the price."
    return problems


# -- old text prices ---------------------------------------------------------------------------------
SYMBOLS = {"£": "GBP", "€": "EUR", "¥": "JPY", "￥": "JPY", "CHF": "CHF", "US$": "USD"}
_NUMBER = r"(\d{1,3}(?:[ ,.]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"


def parse_price_text(text: str, default_currency: str = "GBP") -> tuple[int, str] | None:
    """``"£120"`` → ``(12000, "GBP")``; None when the text cannot be read with certainty.

    One amount with one currency (a symbol, or an ISO code before or after) or a bare number
    (the studio's currency). Anything else ("from £90", "£60–£90", "ask us", "$60" — which
    dollar?) is left for the studio to enter.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    match = re.fullmatch(rf"(?P<pre>[A-Za-z]{{3}}|US\$|CHF|[£€¥￥])?\s*{_NUMBER}\s*(?P<post>[A-Za-z]{{3}}|[£€])?", raw)
    if not match or (match["pre"] and match["post"]):
        return None
    mark = match["pre"] or match["post"]
    currency = SYMBOLS.get(mark or "", (mark or default_currency).upper())
    if not is_currency(currency):
        return None
    number = match[2]
    decimals = re.search(r"[.,](\d{1,2})$", number)
    whole = number[: decimals.start()] if decimals else number
    whole = re.sub(r"[ ,.]", "", whole)
    major = Decimal(f"{whole}.{decimals[1]}" if decimals else whole)
    if exponent(currency) == 0 and decimals:
        return None
    return to_minor(major, currency), currency


# -- what a booking's payment shows -------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    state: str
    currency: str
    price: int | None  # the service's price as booked
    due_online: int  # asked for at booking
    paid: int  # paid online + at the studio
    refunded: int

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def remaining(self) -> int:
        """Still to pay at the studio."""
        return max((self.price or 0) - self.paid, 0) if self.state not in (REFUNDED,) else 0


def summarise(*, price: int | None, currency: str, due_online: int, paid_online: int, paid_at_studio: int,
              refunded: int, awaiting: bool) -> Summary:
    paid = paid_online + paid_at_studio
    if due_online == 0 and paid == 0:
        state = NOT_REQUIRED
    elif refunded and refunded >= paid_online:
        state = REFUNDED
    elif refunded:
        state = PARTLY_REFUNDED
    elif paid == 0:
        state = AWAITING if awaiting else NOT_REQUIRED
    elif price is not None and paid >= price:
        state = PAID
    else:
        state = DEPOSIT_PAID
    return Summary(state, currency, price, due_online, paid, refunded)
