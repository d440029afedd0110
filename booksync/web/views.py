"""Customer pages. (The full booking site grows here.)"""

from __future__ import annotations

from django.shortcuts import render

from booksync.bookings.models import Service, Studio


def home(request):
    return render(request, "booksync/home.html",
                  {"studio": Studio.load(), "services": Service.objects.filter(active=True)})
