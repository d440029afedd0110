"""Template filters for booking questions (ADR 0019)."""

from django import template

from booksync.bookings.questions.answers import answer_lines

register = template.Library()


@register.filter
def answers(booking) -> list[tuple[str, str]]:
    """(question, answer) pairs of a booking, in the active language."""
    return answer_lines(booking)
