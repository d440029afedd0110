"""Log lines never carry a manage or feed token, and text lines can't be forged with control characters.

A manage link opens (and cancels) a booking; the feed token publishes the
studio's diary. Both travel in URL paths, which every access, request and
error log line names, so a log reader or a log shipper would hold them.
``RedactingFilter`` sits on every handler (Django's and gunicorn's): it
replaces the tokens with ``[redacted]`` in the message, in ``extra=`` fields
and in tracebacks. Under ``LOG_FORMAT=text`` it also escapes control
characters, so a path holding ``%0d%0a`` cannot start a line of its own
(JSON lines are escaped by ``json.dumps`` already).
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_TOKEN_PATHS = (
    # /manage/<token>/… and /api/bookings/manage/<token>/…
    (re.compile(r"(/manage/)[^/\s?#\"']+"), r"\1" + REDACTED),
    # /calendar/<feed token>.ics
    (re.compile(r"(/calendar/)[^/\s?#\"']+?(\.ics)"), r"\1" + REDACTED + r"\2"),
    # the filename the feed is served under (its token's first characters)
    (re.compile(r"(filename=\")[^\"]+(\.ics\")"), r"\1" + REDACTED + r"\2"),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def redact(text: str) -> str:
    for pattern, replacement in _TOKEN_PATHS:
        text = pattern.sub(replacement, text)
    return text


def escape_controls(text: str) -> str:
    """``\\r`` → ``\\\\r`` etc.: the line stays one line and shows what was sent."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class RedactingFilter(logging.Filter):
    def __init__(self, escape: bool = True):
        super().__init__()
        self.escape = escape

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = (escape_controls(message) if self.escape else message), ()
        for key, value in list(vars(record).items()):
            if key in _STANDARD or key.startswith("_") or isinstance(value, int | float | bool | type(None)):
                continue
            # Strings, and objects a formatter would print (Django's ``request`` extra), redacted.
            setattr(record, key, redact(value if isinstance(value, str) else str(value)))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
