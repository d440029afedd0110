"""Free text that can reach an email header or an .ics content line: one rule for every door.

Names, phones, notes, answers and reasons are written into ``To:`` and ``Subject:``,
into the .ics invite (SUMMARY, DESCRIPTION, ATTENDEE;CN=…), into calendar events and
Notion pages. Two kinds of character get through a plain control-character filter and
break them:

- the Unicode line breaks ``str.splitlines`` honours beyond CR and LF (U+0085, U+2028,
  U+2029, VT, FF, FS, GS, RS): an .ics reader splits the content line on them, so the
  rest of the name becomes a stray property;
- RFC 2047 encoded words (``=?utf-8?q?evil=0D=0ABcc:…?=``): a mail reader decodes them
  inside the header, so a name decodes to a CR LF there and strict parsers
  (``email.policy.default``) refuse the whole header.

The rule: every line break is normalised (a space in a one-line field, LF in a text
that keeps its lines); other control and format characters go. An encoded-word
look-alike is refused at the doors where a person can correct it (the API: a 422 naming
the field; the pages, the admin and the diary: a form error), and defused in what
arrives from Notion and the calendar, which cannot be refused: it is read as the text a
mail reader would show (decoded, then normalised), or, when it does not decode, loses
its ``=?`` so it is plain text.

``checked`` is the doors' function, ``defused`` the imports' (and the last guard of the
builders of headers and .ics lines, for rows stored before the rule). Booking answers
(``Booking.answers``) go through ``checked_answers`` / ``defused_answers``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from typing import Any

from .errors import BookingError

# Every character ``str.splitlines`` splits on (tests/bookings/test_text.py checks the list
# against Python's own reading of every code point).
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# =?charset?Q|B?text?= as a mail reader would recognise it, and looser: any charset
# (RFC 2231's "utf-8*en" too), any text, spaces and line breaks included.
ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?.*?\?=", re.DOTALL)
_BREAK_RUN = re.compile("\r\n|[" + re.escape("".join(sorted(LINE_BREAKS))) + "]")
_DECODE_ROUNDS = 5  # an encoded word inside an encoded word…: give up and break the marks


class UnsafeText(BookingError, ValueError):
    """Text a door refuses: it would be read as something else in a header or an .ics line.

    A ``BookingError`` (a 422 naming the field) and a ``ValueError`` (so a pydantic validator
    reports it as the field's problem)."""

    code = "unsafe_text"

    def __init__(self, field: str, message: str | None = None):
        super().__init__(message or f"{field} must not contain an encoded word (=?…?=); write the text itself",
                         field=field)


def _keep(ch: str, multiline: bool) -> bool:
    if ch == "\n":
        return multiline
    if ch == "\t":
        return True
    return unicodedata.category(ch)[0] != "C"


def normalised(value: str, *, multiline: bool = False) -> str:
    """Line breaks → one space (or LF when ``multiline``); other control and format characters
    dropped; trimmed. Does not look at encoded words."""
    value = _BREAK_RUN.sub("\n" if multiline else " ", str(value or ""))
    return "".join(ch for ch in value if _keep(ch, multiline)).strip()


def has_encoded_word(value: str) -> bool:
    return bool(ENCODED_WORD.search(str(value or "")))


def checked(field: str, value: str | None, *, multiline: bool = False) -> str:
    """The doors' rule: ``value`` normalised, or ``UnsafeText`` naming ``field`` when it holds an
    encoded-word look-alike (before or after normalising)."""
    text = normalised(value or "", multiline=multiline)
    if has_encoded_word(value or "") or has_encoded_word(text):
        raise UnsafeText(field)
    return text


def _decoded(word: str) -> str:
    try:
        return str(make_header(decode_header(word)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return word.replace("=?", "= ?")


def defused(value: str | None, *, multiline: bool = False) -> str:
    """What arrives from Notion or the calendar, never refused: each encoded-word look-alike read
    as its decoded text, then normalised; one that still looks like an encoded word after a few
    rounds loses its ``=?`` marks."""
    text = normalised(value or "", multiline=multiline)
    for _round in range(_DECODE_ROUNDS):
        if not has_encoded_word(text):
            return text
        text = normalised(ENCODED_WORD.sub(lambda m: _decoded(m.group()), text), multiline=multiline)
    return normalised(text.replace("=?", "= ?"), multiline=multiline)


def _answer(value: Any, clean) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean(item) if isinstance(item, str) else item for item in value]
    return value


def checked_answers(answers: Mapping[str, Any], *, long_text: Collection[str] = ()) -> dict[str, Any]:
    """Booking answers ({question key: value}) by the doors' rule: text (and each text in a list)
    normalised, keys in ``long_text`` keeping their lines; ``UnsafeText`` naming ``answers.<key>``."""
    return {key: _answer(value, lambda text, key=key: checked(f"answers.{key}", text, multiline=key in long_text))
            for key, value in answers.items()}


def defused_answers(answers: Mapping[str, Any], *, long_text: Collection[str] = ()) -> dict[str, Any]:
    """Booking answers as they arrive from Notion: by ``defused``'s rule, never refused."""
    return {key: _answer(value, lambda text, key=key: defused(text, multiline=key in long_text))
            for key, value in answers.items()}
