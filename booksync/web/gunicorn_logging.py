"""gunicorn's access and error logs through the same redaction as Django's (``booksync serve`` uses it)."""

from __future__ import annotations

from gunicorn.glogging import Logger

from booksync.config import read
from booksync.redaction import RedactingFilter


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        redacting = RedactingFilter(escape=read("LOG_FORMAT") != "json")
        for log in (self.error_log, self.access_log):
            log.addFilter(redacting)
