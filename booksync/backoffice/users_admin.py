"""Users and groups in the admin, with plain multiple selects for groups and permissions.

Django's two-box widget (``filter_horizontal``) draws its search icon as a ``<span>`` carrying an
``aria-label``, which ARIA forbids on an element with no role (axe: aria-prohibited-attr,
serious). The plain select is labelled and keyboard-usable; the pages and their URLs are Django's.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class StaffUserAdmin(UserAdmin):
    filter_horizontal = ()


class StaffGroupAdmin(GroupAdmin):
    filter_horizontal = ()


for model, model_admin in ((User, StaffUserAdmin), (Group, StaffGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
