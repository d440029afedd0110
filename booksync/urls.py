from django.contrib import admin
from django.urls import include, path

from booksync.web.api import api

urlpatterns = [
    path("admin/email-preview/", include("booksync.bookings.email_preview")),
    path("admin/diary/", include("booksync.bookings.diary")),
    path("admin/", admin.site.urls),
    path("anymail/", include("anymail.urls")),
    path("api/", api.urls),
    path("", include("booksync.web.urls")),
]

handler404 = "booksync.web.views.page_not_found"
