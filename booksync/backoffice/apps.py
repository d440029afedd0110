from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "booksync.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        from django.contrib.admin import widgets  # app loading

        # The admin's date + time pair with a label on each input (axe: "label", critical), on every
        # admin form that uses it, ours and the packages' (users, worker schedules).
        widgets.AdminSplitDateTime.template_name = "backoffice/split_datetime.html"
