from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from booksync.web.api import api
from booksync.web.embed_script import embed_script

urlpatterns = [
    path("admin/email-preview/", include("booksync.backoffice.email_preview")),
    path("admin/diary/", include("booksync.backoffice.diary")),
    path("admin/", admin.site.urls),
    path("anymail/", include("booksync.web.mail_webhooks")),
    path("api/", api.urls),
    # Unprefixed customer pages negotiate their language (Accept-Language, the studio's default)…
    path("", include("booksync.web.urls")),
    path("embed.js", embed_script, name="embed-script"),
]
# …and /en/, /de/, /fr/ name it (the language switcher's links; no cookie needed, so it holds in
# a cross-site frame). Listed last, these are what reverse() and {% url %} produce.
urlpatterns += i18n_patterns(path("", include("booksync.web.urls")), prefix_default_language=True)

handler404 = "booksync.web.views.page_not_found"
