from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "booksync.sync"
    label = "sync"
    verbose_name = "Sync and delivery"
