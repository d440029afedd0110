"""The words book.js writes into the page, translated here so one catalogue holds every string."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _around_zone(sentence: str) -> list[str]:
    """A sentence naming a zone in <strong>, as the text before and after the zone's name."""
    plain = sentence.replace("<strong data-zone-name>", "").replace("</strong>", "")
    before, _zone, after = plain.partition("{zone}")
    return [before, after]


def picker_text() -> dict[str, str | list[str]]:
    # {placeholders} are filled in by the script.
    return {
        "freeTimesOn": _("Free times on %(day)s") % {"day": "{day}"},
        "noTimesThisDay": _("No free times on this day. Please choose another day."),
        "previousMonth": _("Previous month"),
        "nextMonth": _("Next month"),
        "freeCountOne": ngettext("%(count)s free time", "%(count)s free times", 1) % {"count": "{n}"},
        "freeCountOther": ngettext("%(count)s free time", "%(count)s free times", 2) % {"count": "{n}"},
        "noFreeTimes": _("no free times"),
        "noTimesThisMonth": _("No free times this month."),
        "legendKey": _("Days with free times are marked with a line."),
        "loading": _("Loading free days…"),
        "studioTime": _("studio %(time)s") % {"time": "{time}"},
        "yourTime": _("your time %(time)s") % {"time": "{time}"},
        "zonesFoundOne": ngettext("%(count)s time zone matches", "%(count)s time zones match", 1) % {"count": "{n}"},
        "zonesFoundOther": ngettext("%(count)s time zone matches", "%(count)s time zones match", 2) % {"count": "{n}"},
        "calendar": _("Calendar"),
        "timesShownOne": ngettext("%(day)s: %(count)s free time, shown below", "%(day)s: %(count)s free times, shown below",
                                  1) % {"day": "{day}", "count": "{n}"},
        "timesShownOther": ngettext("%(day)s: %(count)s free time, shown below",
                                    "%(day)s: %(count)s free times, shown below", 2) % {"day": "{day}", "count": "{n}"},
        "noTimeChosen": _("No time chosen yet"),
        "chooseTimeFirst": _("Choose a time first."),
        # The hint above the slots, rewritten when the zone changes (the same sentences as _slots.html).
        "zoneSame": _around_zone(_("Times are shown in <strong data-zone-name>%(zone)s</strong> time.")
                                 % {"zone": "{zone}"}),
        "zoneCustomerLeads": _around_zone(_("Times are shown in <strong data-zone-name>%(zone)s</strong> time, "
                                            "with the studio's time beside them.") % {"zone": "{zone}"}),
        "zoneStudioLeads": _around_zone(_("Times are the studio's (<strong data-zone-name>%(zone)s</strong>), "
                                          "with yours beside them.") % {"zone": "{zone}"}),
    }
