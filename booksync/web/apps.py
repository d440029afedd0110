from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "booksync.web"
    label = "web"
    verbose_name = "Website and API"
