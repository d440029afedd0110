from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "booksync.bookings"
    label = "bookings"
    verbose_name = "Studio and bookings"

    def ready(self) -> None:
        from booksync.integrations import studio

        from .booking_view import studio_view
        from .busy_cache import connect_signals
        from .messages import delivery_status

        connect_signals()
        delivery_status.connect()
        studio.provide(studio_view)  # the adapters read the studio's zone through this
