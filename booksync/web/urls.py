from django.urls import path

from . import feeds, payment_pages, views

urlpatterns = [
    path("", views.home, name="home"),
    path("book/<slug:service>/", views.book, name="book"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/confirmed/", views.confirmed, name="booking-confirmed"),
    path("manage/<str:token>/reschedule/", views.reschedule, name="reschedule"),
    path("manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("pay/done/<uuid:booking_id>/", payment_pages.payment_done, name="payment-done"),
    path("pay/again/<uuid:booking_id>/", payment_pages.payment_again, name="payment-again"),
    path("calendar/<str:feed_token>.ics", feeds.studio_feed, name="studio-feed"),
    path("calendar/resource/<str:feed_token>.ics", feeds.resource_feed, name="resource-feed"),
    path("manage/<str:token>/invite.ics", feeds.booking_invite, name="booking-invite"),
]
