"""`booksync sync`: the admin sync from a shell, with a progress indicator and a summary table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .engine import run_sync


def run_from_shell(*, full: bool, dry_run: bool) -> int:
    console = Console()
    with console.status("Syncing…" if not dry_run else "Planning (dry run)…"):
        result = run_sync(trigger="cli", full=full, dry_run=dry_run)
    table = Table(title="Sync summary" + (" (dry run)" if dry_run else ""))
    for column in ("total", "created", "updated", "deleted", "skipped", "errors"):
        table.add_column(column, justify="right")
    table.add_row(*(str(result["summary"][c]) for c in ("total", "created", "updated", "deleted", "skipped", "errors")))
    console.print(table)
    if result.get("conflicts"):
        console.print(f"[yellow]{result['conflicts']} conflict(s) resolved; see the sync dashboard.[/yellow]")
    for error in result.get("error_details", []):
        console.print(f"[red]error[/red] {error}")
    return 0 if result["success"] else 1
