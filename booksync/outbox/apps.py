from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "booksync.outbox"
    label = "outbox"
    verbose_name = "Outbox and audit log"
