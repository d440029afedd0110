"""The `booksync` command: serve, worker, run (both), sync, doctor, demo, and Django's own commands.

This module runs before Django is set up, so a command that needs the app registry (models, the
worker's queue) imports what it uses inside the command, after ``_django()``: each such import is
marked ``# app loading`` (ADR 0015). Everything else is imported here.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import execute_from_command_line
from django.db import DatabaseError

from booksync.config import BASE_DIR, read
from booksync.integrations.google_auth import run_consent_flow
from booksync.integrations.notion_setup import add_missing_columns, create_bookings_database
from booksync.integrations.ports import IntegrationError, NotConfigured
from booksync.server_address import leave, site_url
from booksync.sync.schedules import ensure_schedules

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "booksync.settings")


def _django() -> None:
    django.setup()


def _manage(*args: str) -> None:
    execute_from_command_line(["booksync", *args])


def _data_dir():
    return read("DATA_DIR", computed=BASE_DIR / "var")  # as settings.py reads it


def cmd_serve(args: argparse.Namespace) -> int:
    port = args.port or read("PORT")
    workers = args.workers or read("WEB_WORKERS")
    gunicorn = [sys.executable, "-m", "gunicorn", "booksync.wsgi:application", "--bind", f"{args.host}:{port}",
                "--workers", str(workers), "--threads", "4", "--timeout", "60", "--access-logfile", "-",
                # Manage and feed tokens redacted from access and error lines alike.
                "--logger-class", "booksync.web.gunicorn_logging.RedactingLogger"]
    leave(_data_dir(), args.host, port)  # gunicorn keeps this process id: a later command finds it there
    os.execv(sys.executable, gunicorn)
    return 0  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    from django_q.tasks import async_task  # app loading

    # A first delivery pass at start: it hands back what a worker that died left claimed and
    # starts the process's claim watch, instead of waiting for the minute's sweep.
    try:
        async_task("booksync.outbox.tasks.deliver", task_name="deliver_outbox at start")
    except DatabaseError as exc:  # not migrated yet: the schedules start it later
        print(f"could not queue the first delivery pass: {exc}", file=sys.stderr)
    _manage("qcluster")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    """Migrate and load the demo studio (both idempotent)."""
    _django()
    _manage("migrate", "--noinput", "-v", "0")
    _manage("createcachetable")
    from django_q.models import Schedule  # app loading

    ensure_schedules(Schedule)
    from booksync.bookings.demo import load_demo  # app loading

    studio = load_demo()
    print(f"Studio: {studio.name} ({studio.timezone})")
    print(f"Admin:  {site_url()}/admin/  {_admin_login_hint()}")
    # The feed's address is a secret (it opens the diary): not printed where logs keep it.
    print("Feed:   its address is on the sync dashboard (admin); `booksync feed rotate` replaces it")
    return 0


def _admin_login_hint() -> str:
    """How to get into the admin: made now from BOOKSYNC_ADMIN_* if set, else the command that makes one."""
    if read("BOOKSYNC_ADMIN_USERNAME") and read("BOOKSYNC_ADMIN_PASSWORD"):
        _manage("createadmin")
        return f"(log in as {read('BOOKSYNC_ADMIN_USERNAME')})"
    if get_user_model().objects.filter(is_staff=True, is_active=True).exists():
        return "(forgot the password? .venv/bin/booksync createadmin resets it)"
    return "— no login yet: run .venv/bin/booksync createadmin to make one"


def cmd_createadmin(args: argparse.Namespace) -> int:
    _django()
    _manage("createadmin")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Set up, then run the web server and the worker together until Ctrl-C."""
    if args.port:  # the worker's links (and this process's SITE_URL) follow the port served
        os.environ["PORT"] = str(args.port)
    cmd_setup(args)
    exe = [sys.executable, "-m", "booksync.cli"]
    port_args = ["--port", str(args.port)] if args.port else []
    children = [subprocess.Popen([*exe, "serve", *port_args]), subprocess.Popen([*exe, "worker"])]
    print(f"booksync is running on {settings.SITE_URL} (Ctrl-C stops the site and the worker)", flush=True)
    print(f"The studio's admin: {settings.SITE_URL}/admin/ (a login: .venv/bin/booksync createadmin)", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, lambda *a: stop())
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    _django()
    from booksync.sync.cli import run_from_shell  # app loading

    return run_from_shell(full=args.full, dry_run=args.dry_run)


def cmd_doctor(args: argparse.Namespace) -> int:
    _django()
    from booksync.doctor import run_doctor  # app loading

    return run_doctor()


def cmd_notion_init(args: argparse.Namespace) -> int:
    """Create a Notion bookings database under a page and print the variable that points at it; without
    ``--parent-page``, add the columns the configured database lacks (a new booking question's, say)."""
    _django()
    from booksync.bookings.models import Service  # app loading
    from booksync.bookings.questions.answers import default_name  # app loading

    # The Service options are the studio's active services (Notion adds new options on first use anyway).
    services = [default_name(service) for service in Service.objects.filter(active=True)]
    if not args.parent_page:
        if not settings.NOTION_BOOKINGS_DATABASE_ID:
            print("Give --parent-page to create a bookings database, or set NOTION_BOOKINGS_DATABASE_ID to "
                  "add the missing columns to yours.", file=sys.stderr)
            return 2
        try:
            added = add_missing_columns(settings.NOTION_BOOKINGS_DATABASE_ID, services)
        except (IntegrationError, ValueError) as exc:
            print(f"Could not add the columns: {exc}", file=sys.stderr)
            return 1
        print(f"Added the columns {', '.join(added)}." if added else "The bookings database has every column.")
        return 0
    services = list(Service.objects.filter(active=True).values_list("name", flat=True))
    from booksync.bookings.models import Resource, ResourceKind  # app loading

    active = Resource.objects.filter(active=True).order_by("order", "name")
    try:
        database_id, _ = create_bookings_database(
            args.parent_page, services, title=args.title,
            people=[r.name for r in active if r.kind == ResourceKind.PERSON],
            rooms=[r.name for r in active if r.kind == ResourceKind.ROOM])
    except IntegrationError as exc:
        print(f"Could not create the database: {exc}", file=sys.stderr)
        return 1
    print(f"Created the Notion bookings database {database_id}. Add to your environment:")
    print(f"NOTION_BOOKINGS_DATABASE_ID={database_id}")
    return 0


def cmd_notion_expect_verification(args: argparse.Namespace) -> int:
    """Accept Notion's verification handshake for a few minutes (while creating the subscription)."""
    _django()
    from booksync.sync import notion_handshake  # app loading

    refused = notion_handshake.refusal(now=None)
    if refused.startswith("Notion is not configured"):
        print(f"booksync notion expect-verification: {refused}", file=sys.stderr)
        return 2
    until = notion_handshake.open_window(minutes=args.minutes)
    print(f"Waiting for Notion's verification request until {until:%H:%M:%S} UTC. Create the webhook "
          "subscription in Notion now; the token then shows on the sync dashboard.")
    return 0


def cmd_feed_rotate(args: argparse.Namespace) -> int:
    """Give the studio's .ics feed a new secret address (the old one stops working)."""
    _django()
    from booksync.bookings.tokens import rotate_feed_token  # app loading

    rotate_feed_token()
    print("The calendar feed has a new address; find it on the sync dashboard.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from booksync.bookings.demo import load_demo  # app loading

    print(f"Demo studio ready: {load_demo().name}")
    return 0


def cmd_google_auth(args: argparse.Namespace) -> int:
    """Run Google's consent flow and print the env lines that enable Google Calendar."""
    _django()

    try:
        lines = run_consent_flow(open_browser=not args.no_browser, port=args.port)
    except NotConfigured as exc:
        print(f"booksync google auth: {exc}", file=sys.stderr)
        return 2
    print("Add these lines to your environment (.env):")
    for name, value in lines.items():
        print(f"{name}={value}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    _manage(*args.rest)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="booksync", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the website and API with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("worker", help="run the background worker (django-q2)").set_defaults(func=cmd_worker)
    sub.add_parser("setup", help="migrate and load the demo studio").set_defaults(func=cmd_setup)
    run = sub.add_parser("run", help="setup, then serve and run the worker together")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)
    sync = sub.add_parser("sync", help="reconcile the website, Notion and the calendar now")
    sync.add_argument("--full", action="store_true", help="read everything, not only what changed")
    sync.add_argument("--dry-run", action="store_true", help="plan and print, write nothing")
    sync.set_defaults(func=cmd_sync)
    sub.add_parser("doctor", help="check the configuration and say what is missing").set_defaults(func=cmd_doctor)
    notion = sub.add_parser("notion", help="Notion set-up").add_subparsers(dest="notion_command", required=True)
    notion_init = notion.add_parser("init", help="create a bookings database with booksync's schema")
    notion_init.add_argument("--parent-page", default="",
                             help="id of a page shared with the integration (omit it to add the columns the "
                                  "configured database lacks, such as a new booking question's)")
    notion_init.add_argument("--title", default="Bookings")
    notion_init.set_defaults(func=cmd_notion_init)
    expect = notion.add_parser("expect-verification",
                               help="accept Notion's webhook verification handshake for a few minutes")
    expect.add_argument("--minutes", type=int, help="how long (default NOTION_VERIFICATION_WINDOW_MINUTES)")
    expect.set_defaults(func=cmd_notion_expect_verification)
    feed = sub.add_parser("feed", help="the studio's .ics feed").add_subparsers(dest="feed_command", required=True)
    feed.add_parser("rotate", help="give the feed a new secret address").set_defaults(func=cmd_feed_rotate)
    sub.add_parser("demo", help="load the demo studio").set_defaults(func=cmd_demo)
    sub.add_parser("createadmin", help="create or reset an admin login (BOOKSYNC_ADMIN_* or prompts)").set_defaults(
        func=cmd_createadmin)
    google = sub.add_parser("google", help="Google Calendar set-up").add_subparsers(dest="google_command", required=True)
    google_auth = google.add_parser("auth", help="grant calendar access and print GOOGLE_REFRESH_TOKEN")
    google_auth.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    google_auth.add_argument("--port", type=int, default=0, help="loopback port for Google's redirect")
    google_auth.set_defaults(func=cmd_google_auth)
    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
