"""Booking questions through the API (ADR 0019): every type, every bad answer a 422 naming it, nothing stored."""

from __future__ import annotations

import json

import pytest

from booksync.bookings.models import Booking, Question, QuestionType, Service
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

CHOICES = [{"key": "red", "label": "Red", "label_de": "Rot"}, {"key": "blue", "label": "Blue", "label_de": "Blau"},
           {"key": "green", "label": "Green"}]


@pytest.fixture
def asking(studio):
    """The portrait session asks one question of every type (all required but the long text)."""
    portrait = Service.objects.get(slug="portrait")
    specs = [
        ("title", QuestionType.SHORT_TEXT, {}),
        ("story", QuestionType.LONG_TEXT, {}),
        ("guests", QuestionType.NUMBER, {"min_value": 1, "max_value": 6}),
        ("colour", QuestionType.ONE_CHOICE, {"choices": CHOICES}),
        ("props", QuestionType.SEVERAL_CHOICES, {"choices": CHOICES}),
        ("outdoor", QuestionType.YES_NO, {}),
    ]
    for order, (key, kind, extra) in enumerate(specs):
        Question.objects.create(service=portrait, key=key, type=kind, label=f"Q {key}?", order=order,
                                required=key != "story", **extra)
    return portrait


GOOD = {"title": "Headshots", "story": "Line one\nline two", "guests": 2, "colour": "blue",
        "props": ["green", "red"], "outdoor": False}


def post(client, body, **headers):
    return client.post("/api/bookings", json.dumps(body), content_type="application/json", **headers)


def body(monday, answers, hour=10):
    return {"service": "portrait", "start": london(monday, hour).isoformat(), "name": "Ann",
            "email": "ann@example.com", "answers": answers}


def test_services_list_each_question(asking, api_client):
    services = {s["slug"]: s for s in api_client.get("/api/services").json()}
    questions = {q["key"]: q for q in services["portrait"]["questions"]}
    assert list(questions) == ["title", "story", "guests", "colour", "props", "outdoor"]
    assert questions["guests"] == {"key": "guests", "type": "number", "label": "Q guests?", "help_text": "",
                                   "required": True, "choices": [], "min": 1.0, "max": 6.0}
    assert questions["colour"]["choices"][1] == {"key": "blue", "label": "Blue"}
    assert questions["story"]["required"] is False
    # The demo's Family session asks its two questions.
    family = {q["key"]: q for q in services["family"]["questions"]}
    assert family["people"]["type"] == "number" and family["people"]["required"] is True
    assert (family["people"]["min"], family["people"]["max"]) == (1, 6)
    assert family["occasion"]["type"] == "one_choice" and family["occasion"]["required"] is False


def test_services_speak_the_request_language(asking, api_client):
    services = {s["slug"]: s for s in api_client.get("/api/services", HTTP_ACCEPT_LANGUAGE="de").json()}
    assert services["portrait"]["name"] == "Porträt-Sitzung"
    assert services["family"]["questions"][0]["label"] == "Wie viele Personen?"
    assert services["portrait"]["questions"][3]["choices"][0] == {"key": "red", "label": "Rot"}
    # A choice without a German label falls back to the default language's.
    assert services["portrait"]["questions"][3]["choices"][2] == {"key": "green", "label": "Green"}


def test_good_answers_are_stored_in_their_shape(asking, monday, api_client):
    response = post(api_client, body(monday, GOOD))
    assert response.status_code == 201, response.json()
    booking = Booking.objects.get(pk=response.json()["id"])
    # Several choices keep the question's order; numbers stay numbers.
    assert booking.answers == {**GOOD, "props": ["red", "green"]}


def test_an_unanswered_optional_question_is_left_out(asking, monday, api_client):
    answers = {k: v for k, v in GOOD.items() if k != "story"}
    response = post(api_client, body(monday, answers))
    assert response.status_code == 201
    assert "story" not in Booking.objects.get(pk=response.json()["id"]).answers


BAD = [
    # (question, answer, error code, words the message must hold)
    ("title", None, "missing_answer", "needs an answer"),
    ("title", "   ", "missing_answer", "needs an answer"),
    ("title", 5, "wrong_type", "as text"),
    ("title", "x" * 201, "invalid_answer", "200"),
    ("story", ["a"], "wrong_type", "as text"),
    ("story", "x" * 2001, "invalid_answer", "2000"),
    ("guests", None, "missing_answer", "needs an answer"),
    ("guests", "2", "wrong_type", "from 1 to 6"),
    ("guests", True, "wrong_type", "from 1 to 6"),
    ("guests", 0, "out_of_range", "from 1 to 6"),
    ("guests", 7, "out_of_range", "from 1 to 6"),
    ("guests", 6.5, "out_of_range", "from 1 to 6"),
    ("guests", 10**400, "wrong_type", "from 1 to 6"),
    ("colour", None, "missing_answer", "needs an answer"),
    ("colour", "purple", "unknown_choice", "red, blue, green"),
    ("colour", ["red"], "wrong_type", "red, blue, green"),
    ("props", None, "missing_answer", "needs an answer"),
    ("props", [], "missing_answer", "needs an answer"),
    ("props", "red", "wrong_type", "list"),
    ("props", ["red", "purple"], "unknown_choice", "purple"),
    ("props", ["red", 3], "wrong_type", "list"),
    ("outdoor", None, "missing_answer", "needs an answer"),
    ("outdoor", "yes", "wrong_type", "yes (true) or no (false)"),
    ("outdoor", 1, "wrong_type", "yes (true) or no (false)"),
]


@pytest.mark.parametrize(("key", "value", "code", "words"), BAD, ids=[f"{k}-{c}-{i}" for i, (k, _v, c, _w)
                                                                       in enumerate(BAD)])
def test_each_bad_answer_is_a_422_naming_the_question(asking, monday, api_client, key, value, code, words):
    answers = dict(GOOD)
    if value is None:
        del answers[key]
    else:
        answers[key] = value
    response = post(api_client, body(monday, answers))
    assert response.status_code == 422, response.json()
    problem = response.json()
    assert problem["error"] == code
    assert problem["field"] == f"answers.{key}"
    assert problem["message"].startswith(f"Q {key}?: ") and words in problem["message"]
    assert Booking.objects.count() == 0 and OutboxMessage.objects.count() == 0


def test_an_unknown_key_is_a_422_naming_it(asking, monday, api_client):
    response = post(api_client, body(monday, {**GOOD, "shoe_size": 42}))
    assert response.status_code == 422
    problem = response.json()
    assert (problem["error"], problem["field"]) == ("unknown_question", "answers.shoe_size")
    assert "'shoe_size'" in problem["message"] and "guests" in problem["message"]
    assert Booking.objects.count() == 0


def test_an_inactive_question_is_not_asked(asking, monday, api_client):
    Question.objects.filter(key="title").update(active=False)
    assert post(api_client, body(monday, {k: v for k, v in GOOD.items() if k != "title"})).status_code == 201
    response = post(api_client, body(monday, GOOD, hour=13))
    assert response.status_code == 422 and response.json()["field"] == "answers.title"


def test_answers_that_are_not_an_object_are_a_422(asking, monday, api_client):
    response = post(api_client, body(monday, ["people", 3]))
    assert response.status_code == 422 and response.json()["field"] == "answers"
    assert Booking.objects.count() == 0


def test_the_demo_family_session(studio, monday, api_client):
    family = {"service": "family", "start": london(monday, 10).isoformat(), "name": "Bo", "email": "bo@example.com"}
    missing = post(api_client, family)
    assert missing.status_code == 422 and missing.json()["field"] == "answers.people"
    assert "How many people?" in missing.json()["message"]
    too_many = post(api_client, {**family, "answers": {"people": 7}})
    assert too_many.status_code == 422 and "from 1 to 6" in too_many.json()["message"]
    german = post(api_client, {**family, "email": "bo2@example.com", "answers": {"people": 9}},
                  HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["message"].startswith("Wie viele Personen?: ")
    ok = post(api_client, {**family, "email": "bo3@example.com", "answers": {"people": 4, "occasion": "birthday"}})
    assert ok.status_code == 201
    assert Booking.objects.get(pk=ok.json()["id"]).answers == {"people": 4, "occasion": "birthday"}


def test_a_replay_with_other_answers_is_refused(asking, monday, api_client):
    first = post(api_client, body(monday, GOOD), HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    again = post(api_client, body(monday, GOOD), HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = post(api_client, body(monday, {**GOOD, "guests": 3}), HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 409


# --- the header and .ics rule (bookings/text.py) applies to answers too ----------------------------------
def test_an_encoded_word_in_a_text_answer_is_a_422_naming_the_question(asking, monday, api_client):
    for key in ("title", "story"):
        response = post(api_client, body(monday, {**GOOD, key: "=?utf-8?q?evil=0D=0ABcc:x@example.com?="}))
        assert response.status_code == 422
        problem = response.json()
        assert (problem["error"], problem["field"]) == ("unsafe_text", f"answers.{key}")
        assert problem["message"].startswith(f"Q {key}?: ")
    assert Booking.objects.count() == 0


def test_unicode_line_breaks_in_text_answers_are_normalised(asking, monday, api_client):
    answers = {**GOOD, "title": "Head\u2028shots\u0085now", "story": "One\u2029two\u2028three"}
    response = post(api_client, body(monday, answers))
    assert response.status_code == 201, response.json()
    stored = Booking.objects.get().answers
    assert stored["title"] == "Head shots now" and stored["story"] == "One\ntwo\nthree"
