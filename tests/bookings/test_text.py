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
