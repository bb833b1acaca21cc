"""Dates as the agency writes them: dd/mm/yyyy, weeks as "Tuần 40/2020 (28/09–04/10)"."""

import re
from datetime import date, datetime

from django.utils.translation import gettext

DATE_INPUT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def week_display(*, iso_year: int, iso_week: int, start: date, end: date) -> str:
    return gettext("Week %(week)d/%(year)d (%(start)s–%(end)s)") % {
        "week": iso_week,
        "year": iso_year,
        "start": start.strftime("%d/%m"),
        "end": end.strftime("%d/%m"),
    }


def parse_date(value: str) -> date | None:
    """dd/mm/yyyy (as shown) or yyyy-mm-dd (as in links); None when neither."""
    value = (value or "").strip()
    # Written in full only: "2020-6-30" or "20200630" are refused, not guessed.
    pattern = r"\d{2}/\d{2}/\d{4}" if "/" in value else r"\d{4}-\d{2}-\d{2}"
    if not re.fullmatch(pattern, value):
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y" if "/" in value else "%Y-%m-%d").date()
    except ValueError:
        return None
