from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "booksync.backoffice"
    label = "backoffice"
    verbose_name = "Back office"
