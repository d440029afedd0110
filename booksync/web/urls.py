from django.urls import path

from . import feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/<str:feed_token>.ics", feeds.studio_feed, name="studio-feed"),
    path("manage/<str:token>/invite.ics", feeds.booking_invite, name="booking-invite"),
]
