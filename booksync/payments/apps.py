from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "booksync.payments"
    label = "payments"
    verbose_name = "Payments"
