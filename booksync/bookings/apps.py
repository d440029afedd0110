from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "booksync.bookings"
    label = "bookings"
    verbose_name = "Studio and bookings"
