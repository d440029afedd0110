"""`booksync sync`: the admin sync from a shell, with a progress indicator and a summary table."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .engine import run_sync


def run_from_shell(*, full: bool, dry_run: bool) -> int:
    console = Console()
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("starting", total=None)

        def step(description: str, total: int) -> None:
            bar.update(task, description=description, total=total, advance=1)

        result = run_sync(trigger="cli", full=full, dry_run=dry_run, progress=step)
        bar.update(task, description="done", completed=bar.tasks[0].total or 0)
    table = Table(title="Sync summary" + (" (dry run)" if dry_run else ""))
    for column in ("total", "created", "updated", "deleted", "skipped", "errors"):
        table.add_column(column, justify="right")
    table.add_row(*(str(result["summary"][c]) for c in ("total", "created", "updated", "deleted", "skipped", "errors")))
    console.print(table)
    if result.get("conflicts"):
        console.print(f"[yellow]{result['conflicts']} conflict(s) resolved; see the sync dashboard.[/yellow]")
    if result.get("in_progress"):
        console.print(f"{len(result['in_progress'])} owed effect(s) left to the worker (in progress or waiting to retry).")
    for error in result.get("error_details", []):
        console.print(f"[red]error[/red] {error}")
    return 0 if result["success"] else 1
