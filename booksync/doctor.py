"""`booksync doctor`: check the configuration and say, one line per problem, how to fix it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from booksync.bookings.models import PaymentRule, Resource, ResourceKind, Service, Studio
from booksync.config import is_set
from booksync.integrations.calendar_doctor import caldav_problems, google_problems
from booksync.integrations.calendar_doctor import describe as describe_calendar
from booksync.integrations.mail import backend_name
from booksync.integrations.mail_doctor import email_problems
from booksync.integrations.notion_doctor import notion_problems
from booksync.integrations.ports import IntegrationError
from booksync.integrations.registry import notion_enabled
from booksync.integrations.stripe_pay import STRIPE_CURRENCIES, StripeGateway
from booksync.server_address import describe as describe_site
from booksync.sync.calendar_channels import no_channel_problem

Check = Callable[[], list[str]]
CHECKS: list[tuple[str, Check]] = []


class Note(str):
    """What a check says about an optional setting left unset: printed, never a problem (exit 0)."""


def check(name: str) -> Callable[[Check], Check]:
    """Register a check of this module (the integrations' checks are listed by ``integration_checks``)."""

    def register(func: Check) -> Check:
        CHECKS.append((name, func))
        return func

    return register


@check("database")
def _database() -> list[str]:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return [f"cannot reach the database ({exc}). Fix: check DATABASE_URL."]
    if plan:
        return [f"{len(plan)} migration(s) not applied. Fix: run `.venv/bin/booksync setup`."]
    return []


@check("studio")
def _studio() -> list[str]:
    problems = []
    studio = Studio.objects.filter(pk=1).first()
    if studio is None:
        return ["no studio configured. Fix: run `.venv/bin/booksync setup` or add one in the admin."]
    if not studio.weekly_hours.exists():
        problems.append("the studio has no weekly hours, so nothing can be booked. Fix: add them in the admin.")
    if not Service.objects.filter(active=True).exists():
        problems.append("no active service. Fix: add a service in the admin.")
    problems += [service.price_problem for service in Service.objects.exclude(price="") if service.price_problem]
    return problems


@check("payments")
def _payments() -> list[str]:
    """Stripe (ADR 0018): one read call with the key, the webhook secret, each paid service's currency."""
    if not settings.STRIPE_SECRET_KEY:
        return []  # no money taken online: everything is paid at the studio
    problems = []
    try:
        StripeGateway(settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE, timeout=10).check()
    except IntegrationError as exc:
        problems.append(f"{exc}. Fix: check STRIPE_SECRET_KEY (and STRIPE_API_BASE).")
    if not settings.STRIPE_WEBHOOK_SECRET:
        problems.append("STRIPE_WEBHOOK_SECRET is not set, so payments are confirmed only when the customer comes "
                        f"back from Checkout. Fix: add the endpoint {settings.SITE_URL}/api/webhooks/stripe in "
                        "Stripe (events checkout.session.completed and checkout.session.expired) and set its "
                        "signing secret.")
    for service in Service.objects.filter(active=True).exclude(payment_rule=PaymentRule.NONE):
        if service.price_currency.lower() not in STRIPE_CURRENCIES:
            problems.append(f"service {service.name}: Stripe does not take payments in {service.price_currency!r}. "
                            "Fix: choose a currency Stripe supports, or let it be paid at the studio.")
    return problems


@check("admin API")
def _admin_api() -> list[str]:
    if not settings.ADMIN_API_TOKEN:
        return [Note("ADMIN_API_TOKEN is not set (optional), so the admin API (POST /api/admin/sync) is off. "
                     "To use it, set it to a long random string.")]
    if len(settings.ADMIN_API_TOKEN) < 16:
        return ["ADMIN_API_TOKEN is shorter than 16 characters. Fix: use a long random string."]
    return []


@check("site")
def _site() -> list[str]:
    if not settings.SITE_URL.startswith("https://") and settings.SITE_URL.split("//")[-1].split(":")[0] not in {
        "127.0.0.1", "localhost"}:
        return [f"SITE_URL {settings.SITE_URL} is not HTTPS; webhooks and links need HTTPS in production."]
    return []


@check("deployment")
def _deployment() -> list[str]:
    """With an https SITE_URL (production): Django's `check --deploy`, one problem per warning."""
    if not settings.SITE_URL.startswith("https://"):
        return []

    found = [f"{m.id}: {m.msg.splitlines()[0]}"
             for m in checks.run_checks(include_deployment_checks=True)
             if m.level >= checks.WARNING and not m.is_silenced()]
    if not settings.TRUSTED_PROXIES:
        found.append("TRUSTED_PROXIES is not set: behind your reverse proxy every customer shares one "
                     "rate-limit bucket and HTTPS is not detected. Fix: set it to the proxy's address "
                     "(docs/operations.md).")
    return found


@check("invites")
def _invites() -> list[str]:
    if settings.INVITES_VIA not in {"email", "calendar"}:
        return [f"INVITES_VIA={settings.INVITES_VIA!r} is not one of email, calendar. Fix: set one of them."]
    return []


@check("calendar outage policy")
def _outage_policy() -> list[str]:
    if settings.CALENDAR_OUTAGE_POLICY not in {"accept", "refuse"}:
        return [f"CALENDAR_OUTAGE_POLICY={settings.CALENDAR_OUTAGE_POLICY!r} is not one of accept, refuse. "
                "Fix: set one of them."]
    return []


def run_doctor(echo: Callable[[str], None] = print) -> int:
    """Run every check; print one line per problem or note; return the exit code (1 on any problem;
    a note, about an optional setting left unset, does not count)."""

    echo(f"site: {describe_site(settings.DATA_DIR, settings.SITE_URL, site_url_set=is_set('SITE_URL'))}")
    echo(f"email: {backend_name()}")
    echo(f"calendar: {describe_calendar()}")
    echo(f"notion: {'enabled' if notion_enabled() else 'not configured (NOTION_API_KEY, NOTION_BOOKINGS_DATABASE_ID)'}")
    problems = notes = 0
    for name, func in [*CHECKS, *integration_checks()]:
        try:
            found = func()
        except Exception as exc:  # a check must never crash the doctor
            found = [f"check failed: {exc}"]
        for problem in found:
            if isinstance(problem, Note):
                echo(f"NOTE [{name}] {problem}")
                notes += 1
                continue
            echo(f"PROBLEM [{name}] {problem}")
            problems += 1
    noted = f" ({notes} note(s) on optional settings)" if notes else ""
    echo(f"all checks passed{noted}" if not problems else f"{problems} problem(s) found{noted}")
    return 1 if problems else 0


def _team_names() -> tuple[list[str], list[str]]:
    """The active people's and rooms' names, for the Notion Photographer and Room columns (ADR 0017)."""

    active = Resource.objects.filter(active=True).order_by("order", "name")
    return ([r.name for r in active if r.kind == ResourceKind.PERSON],
            [r.name for r in active if r.kind == ResourceKind.ROOM])


def integration_checks() -> list[tuple[str, Check]]:
    """The adapters' checks (plain functions in integrations/*_doctor.py, which sit below this module)."""

    return [
        ("notion", lambda: notion_problems(*_team_names())),
        ("google calendar", lambda: google_problems(once_connected=no_channel_problem)),
        ("caldav", caldav_problems),
        ("email", email_problems),
    ]


@check("outbox claims")
def _outbox_claims() -> list[str]:
    beat, stale = settings.OUTBOX_HEARTBEAT_SECONDS, settings.OUTBOX_STUCK_AFTER_SECONDS
    if beat <= 0 or stale < 3 * beat:
        return [f"OUTBOX_STUCK_AFTER_SECONDS ({stale:g}) is under three heartbeats of OUTBOX_HEARTBEAT_SECONDS "
                f"({beat:g}), so a slow but live worker's email could be sent twice. "
                "Fix: keep the stale time at least three times the heartbeat (defaults 30 and 10)."]
    return []
