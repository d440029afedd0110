from django.contrib import admin
from django.urls import include, path

from booksync.web.api import api

admin.site.site_header = "booksync — studio admin"
admin.site.site_title = "booksync"
admin.site.index_title = "Studio, bookings and sync"

urlpatterns = [
    path("admin/email-preview/", include("booksync.bookings.email_preview")),
    path("admin/", admin.site.urls),
    path("anymail/", include("booksync.web.mail_webhooks")),
    path("api/", api.urls),
    path("", include("booksync.web.urls")),
]

handler404 = "booksync.web.views.page_not_found"
