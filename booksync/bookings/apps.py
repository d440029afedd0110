from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "booksync.bookings"
    label = "bookings"
    verbose_name = "Studio and bookings"

    def ready(self) -> None:
        from . import delivery_status
        from .busy_cache import connect_signals

        connect_signals()
        delivery_status.connect()
