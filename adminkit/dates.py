"""The changelist's date drill-down, in the user's scope and without scanning the list."""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Max, Min
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext


def scoped_date_hierarchy(cl) -> dict:
    """The context of ``admin/date_hierarchy.html`` without Django's scans of the list.

    Django's tag finds the years, months and days that hold rows with ``MIN``/``MAX`` and
    ``SELECT DISTINCT date_trunc(…)`` over the whole filtered list: two full scans of a
    million cases (about 4 s on PostgreSQL). Here the years run from the first to the
    last date *in the user's scope* (``MIN``/``MAX`` over ``cl.root_queryset``, which
    the admin has already scoped, so another district's 1971 case offers no "1971"),
    and a year offers its twelve months and a month its days, without asking the
    database which hold rows.
    """
    field = cl.date_hierarchy
    names = {part: f"{field}__{part}" for part in ("year", "month", "day")}
    year, month, day = (cl.params.get(names[part]) for part in ("year", "month", "day"))
    verbose_name = cl.model._meta.get_field(field).verbose_name

    def link(filters):
        return cl.get_query_string(filters, [f"{field}__"])

    def choice(filters, when, date_format):
        return {"link": link(filters), "title": capfirst(formats.date_format(when, date_format))}

    context = {"show": True, "field_name": verbose_name, "back": None, "choices": []}
    if year and month and day:
        when = datetime.date(int(year), int(month), int(day))
        context["back"] = choice(
            {names["year"]: year, names["month"]: month}, when, "YEAR_MONTH_FORMAT"
        )
        context["choices"] = [{"title": capfirst(formats.date_format(when, "MONTH_DAY_FORMAT"))}]
    elif year and month:
        first = datetime.date(int(year), int(month), 1)
        context["back"] = {"link": link({names["year"]: year}), "title": str(year)}
        context["choices"] = [
            choice(
                {names["year"]: year, names["month"]: month, names["day"]: number},
                first.replace(day=number),
                "MONTH_DAY_FORMAT",
            )
            for number in range(1, calendar.monthrange(first.year, first.month)[1] + 1)
        ]
    elif year:
        context["back"] = {"link": link({}), "title": gettext("All dates")}
        context["choices"] = [
            choice(
                {names["year"]: year, names["month"]: number},
                datetime.date(int(year), number, 1),
                "YEAR_MONTH_FORMAT",
            )
            for number in range(1, 13)
        ]
    else:
        span = cl.root_queryset.order_by().aggregate(first=Min(field), last=Max(field))
        if span["first"] is not None:
            context["choices"] = [
                {"link": link({names["year"]: str(number)}), "title": str(number)}
                for number in range(span["first"].year, span["last"].year + 1)
            ]
    return context
