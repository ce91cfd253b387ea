"""Article dates: the free-form date text of an article → a calendar day, or none.

:func:`parse_date` reads the ways news dates are written, with the standard library only:

* ISO 8601: ``2024-06-12``, ``2024-06-12T08:30:00Z``, ``2024-06-12 08:30+02:00``;
* month names (English, full or abbreviated, any case): ``12 June 2024``, ``12th of June,
  2024``, ``June 12, 2024``, ``Wednesday, June 12, 2024 8:30 AM``;
* RFC 2822, as in feeds and mail: ``Wed, 12 Jun 2024 08:30:00 GMT``;
* numbers with slashes or dots: ``2024/06/12``, and ``25/06/2024`` or ``06/25/2024`` only when
  the order is plain (one of the two numbers is over 12); ``12/06/2024`` could be 12 June or
  6 December, so it is no date.

The day is the one written, whatever the time zone: ``2024-06-12T23:30:00-05:00`` is
12 June, the day the story's own place had. Anything else (a year alone, "yesterday",
"12 June" without a year) is ``None``: an unknown date, never a guess.

:func:`day_number` turns a date into the whole number the index stores (``UNKNOWN_DAY``
when unknown); :func:`long_date` writes a date for people ("12 June 2024").
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parsedate_to_datetime
from functools import cache

from qabot.lexicon import forms

__all__ = ["UNKNOWN_DAY", "day_number", "long_date", "parse_date"]

#: What the index stores for an article without a known date; date.toordinal() starts at 1.
UNKNOWN_DAY = 0
#: Longer texts are no date (front matter is bounded, but a caller's string may not be).
MAX_DATE_TEXT = 100

_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
#: A time of day (and zone) may follow the date; anything else makes it no date.
_TIME = r"(?:(?:,?\s+|\s*T)(?:at\s+)?\d{1,2}[:.]\d{2}(?:[:.]\d{2})?[^\n]{0,40})?"
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ][\d:.,+\-Z ]{2,40})?")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})([/.])(?P<b>\d{1,2})\2(?P<c>\d{1,4})")


def parse_date(text: str | None) -> date | None:
    """The calendar day ``text`` names, or ``None`` when it names none plainly."""
    if text is None:
        return None
    text = " ".join(text.split())
    if not text or len(text) > MAX_DATE_TEXT:
        return None
    found = _ISO.fullmatch(text)
    if found:
        return _day(found["year"], found["month"], found["day"])
    for pattern in _named():
        found = pattern.fullmatch(text)
        if found and found["month"].lower() in _months():
            return _day(found["year"], _months()[found["month"].lower()], found["day"])
    found = _NUMERIC.fullmatch(text)
    if found:
        return _numeric(found["a"], found["b"], found["c"])
    try:
        # RFC 2822 ("Wed, 12 Jun 2024 08:30:00 GMT"), including its two-digit years.
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@cache
def _named() -> tuple[re.Pattern[str], ...]:
    """Patterns of "12 June 2024" and "June 12, 2024", after an optional weekday ("Wed,")."""
    short = sorted({f for names in forms("weekdays") for f in names[1:]}, key=len)
    weekday = rf"(?:(?:{'|'.join(reversed(short))})[a-z]*\.?,?\s+)?"
    return (
        re.compile(rf"{weekday}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}{_TIME}", re.I),
        re.compile(rf"{weekday}{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}", re.I),
    )


@cache
def _months() -> dict[str, int]:
    """Month names and abbreviations (case-folded) → month number, from the lexicon."""
    return {form: number for number, names in enumerate(forms("months"), 1) for form in names}


def _numeric(a: str, b: str, c: str) -> date | None:
    """``Y/M/D``, or ``D/M/Y`` and ``M/D/Y`` where only one reading is a date."""
    if len(a) == 4:
        return _day(a, b, c)
    if len(c) != 4:
        return None  # two-digit years: which century, and which order?
    readings = {d for d in (_day(c, b, a), _day(c, a, b)) if d is not None}
    return readings.pop() if len(readings) == 1 else None


def _day(year: str | int, month: str | int, day: str | int) -> date | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found if found.year >= 1000 else None


def day_number(day: date | None) -> int:
    """The index's number for ``day``: its ordinal, or :data:`UNKNOWN_DAY`."""
    return UNKNOWN_DAY if day is None else day.toordinal()


def long_date(day: date) -> str:
    """``12 June 2024``: day, month name, year, as a dateline reads."""
    return f"{day.day} {forms('months')[day.month - 1][0].capitalize()} {day.year}"
