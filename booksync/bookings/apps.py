from django.apps import AppConfig

from booksync.integrations import studio
from booksync.integrations.ports import provide_answer_columns, provide_own_calendars


class BookingsConfig(AppConfig):
    name = "booksync.bookings"
    label = "bookings"
    verbose_name = "Studio and bookings"

    def ready(self) -> None:
        # app loading: these modules import the models, which exist only once the registry is
        # ready, i.e. here; importing them at the top would import the models while apps load.
        from .booking_view import studio_view  # app loading
        from .busy.cache import connect_signals  # app loading
        from .messages import delivery_status  # app loading
        from .questions.answers import answer_columns  # app loading
        from .staffing import own_calendars  # app loading

        connect_signals()
        delivery_status.connect()
        studio.provide(studio_view)  # the adapters read the studio's zone through this
        provide_answer_columns(answer_columns)  # the Notion adapter's question columns (ADR 0019)
        provide_own_calendars(own_calendars)  # the calendars a sync reads besides the studio's (ADR 0017)
