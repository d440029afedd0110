"""Files booksync writes are its own: created 0600 in folders 0700.

The SQLite database, its journal, the mail outbox's ``.eml`` files and the
secret key hold customers' details or secrets. Setting the process umask once
covers every writer (SQLite, the mail backend, Django's own files) instead of
a chmod after each write, which would leave a window and miss new writers.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_UMASK = 0o077


def keep_files_private(data_dir: Path) -> None:
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A folder made by an older version, or by hand, is tightened too; files inside a 0700
    # folder are out of other users' reach whatever their own mode. A folder someone else owns
    # (a mounted volume) is left as its owner set it.
    with contextlib.suppress(PermissionError):
        data_dir.chmod(0o700)
