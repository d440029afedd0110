"""The rule for free text that reaches a header or an .ics line (booksync/bookings/text.py)."""

from __future__ import annotations

import sys

import pytest

from booksync.bookings import text


def test_the_line_breaks_are_exactly_those_python_splits_on():
    splits = {chr(code) for code in range(sys.maxunicode + 1) if len(f"a{chr(code)}b".splitlines()) == 2}
    assert splits == text.LINE_BREAKS


@pytest.mark.parametrize("ch", sorted(text.LINE_BREAKS))
def test_every_line_break_becomes_a_space_or_a_newline(ch):
    assert text.normalised(f"Ann{ch}Lee") == "Ann Lee"
    assert text.normalised(f"one{ch}two", multiline=True) == "one\ntwo"
    assert text.checked("name", f"Ann{ch}Lee") == "Ann Lee"


def test_crlf_is_one_break_and_tabs_stay():
    assert text.normalised("a\r\nb\tc", multiline=True) == "a\nb\tc"
    assert text.normalised("a\r\nb") == "a b"


@pytest.mark.parametrize("word", ["=?utf-8?q?evil=0D=0ABcc:x@example.com?=", "=?UTF-8?B?QW5u?=",
                                  "x =?iso-8859-1*en?Q?a?= y", "=?utf-8?q?with space?=", "=??q??=",
                                  "=?utf-8?q?a\u2028b?="])
def test_the_doors_refuse_encoded_words_naming_the_field(word):
    with pytest.raises(text.UnsafeText) as refused:
        text.checked("notes", word, multiline=True)
    assert refused.value.field == "notes" and refused.value.status == 422
    assert isinstance(refused.value, ValueError)  # pydantic validators report it as the field's problem


@pytest.mark.parametrize("plain", ["Ann = Lee?", "a=?b", "What? =)", "=?utf-8?x?no?=", "Q&A =? later"])
def test_text_that_only_resembles_one_passes(plain):
    assert text.checked("name", plain) == plain


def test_imports_read_an_encoded_word_as_its_text_and_never_refuse():
    assert text.defused("=?utf-8?q?evil=0D=0ABcc:x@example.com?=") == "evil Bcc:x@example.com"
    assert text.defused("=?utf-8?b?w4FubmE=?= Lee") == "Ánna Lee"
    assert text.defused("=?no-such-charset?q?x?=") == "= ?no-such-charset?q?x?="
    nested = "=?utf-8?q?=3D=3Futf-8=3Fq=3Fdeep=3F=3D?="  # an encoded word that decodes to another
    assert text.defused(nested) == "deep"
    for value in ("=?utf-8?b?not base64!?=", "=?utf-8?q?=E2=80=A8?=x", "a\u2029=?utf-8?q?b?="):
        result = text.defused(value)
        assert not text.has_encoded_word(result) and not text.LINE_BREAKS & set(result)
        assert text.defused(result) == result  # idempotent: the next sync reads the same


def test_answers_by_the_same_rule():
    answers = {"occasion": "Birthday\u2028party", "people": 3, "extras": ["a\u2029b", "c"], "story": "x\u0085y"}
    assert text.checked_answers(answers, long_text={"story"}) == {
        "occasion": "Birthday party", "people": 3, "extras": ["a b", "c"], "story": "x\ny"}
    with pytest.raises(text.UnsafeText) as refused:
        text.checked_answers({"people": 2, "occasion": "=?utf-8?q?x?="})
    assert refused.value.field == "answers.occasion"
    assert text.defused_answers({"occasion": "=?utf-8?q?x?="}) == {"occasion": "x"}


# --- any text at all ---------------------------------------------------------------------------------
from email import message_from_bytes, policy  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = st.sampled_from(["=?", "?=", "?q?", "?B?", "utf-8", "=0D=0A", "Bcc:", " ", "\r\n", *text.LINE_BREAKS])
ANY_TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=12).map("".join)
ANY = settings(max_examples=300, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))


@ANY
@given(value=ANY_TEXT, multiline=st.booleans())
def test_defused_text_has_no_break_and_no_encoded_word_and_stays_put(value, multiline):
    result = text.defused(value, multiline=multiline)
    assert not (text.LINE_BREAKS - ({"\n"} if multiline else set())) & set(result)
    assert not text.has_encoded_word(result)
    assert text.defused(result, multiline=multiline) == result


@ANY
@given(value=ANY_TEXT)
def test_the_doors_either_refuse_or_give_a_single_safe_line(value):
    try:
        result = text.checked("name", value)
    except text.UnsafeText:
        assert text.has_encoded_word(value) or text.has_encoded_word(text.normalised(value))
        return
    assert not text.LINE_BREAKS & set(result) and not text.has_encoded_word(result)


@ANY
@given(name=ANY_TEXT)
def test_any_defused_name_makes_a_to_header_the_strict_parser_reads(name):
    from django.core.mail import EmailMessage

    from booksync.bookings.messages.emails import mailbox

    raw = EmailMessage(subject="Hi", body="b", from_email="s@example.com",
                       to=[mailbox(name, "ann@example.com")]).message().as_bytes()
    [address] = message_from_bytes(raw, policy=policy.default)["To"].addresses
    assert address.addr_spec == "ann@example.com"
    # The name comes back as written (a long non-ASCII name folded into several encoded words may
    # come back with a space where the fold was: Python's own folding, harmless).
    assert "".join(address.display_name.split()) == "".join(text.defused(name).split())
