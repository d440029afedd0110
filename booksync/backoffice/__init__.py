"""The studio's back office: the admin site, the model admins and their forms, the bookings list
and its CSV, the diary, the sync and email status pages, email previews and ``createadmin``.

It sits in the top layer beside ``web`` (the customer's side) and never imports it: both are
doors onto ``bookings``' services (docs/decisions/0015-house-by-audience.md).
"""
