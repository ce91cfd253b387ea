"""Article dates: the ways news dates are written, and the ones that are no date."""

from __future__ import annotations

from datetime import date

import pytest

from qabot.dates import UNKNOWN_DAY, day_number, long_date, parse_date

JUNE_12 = date(2024, 6, 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-12", JUNE_12),
        ("2024-06-12T08:30:00Z", JUNE_12),
        ("2024-06-12T08:30:00.123+05:30", JUNE_12),
        ("2024-06-12 08:30", JUNE_12),
        # The day as written, in the story's own time zone.
        ("2024-06-12T23:30:00-05:00", JUNE_12),
        ("12 June 2024", JUNE_12),
        ("12 Jun 2024", JUNE_12),
        ("12th of June, 2024", JUNE_12),
        ("June 12, 2024", JUNE_12),
        ("june 12 2024", JUNE_12),
        ("Wednesday, June 12, 2024 8:30 AM", JUNE_12),
        ("12 June 2024 at 10:30 BST", JUNE_12),
        ("Sept. 5, 2024", date(2024, 9, 5)),
        ("Wed, 12 Jun 2024 08:30:00 GMT", JUNE_12),
        ("Wed, 12 Jun 2024 08:30:00 +0200", JUNE_12),
        ("Wed, 12 Jun 24 08:30:00 GMT", JUNE_12),  # RFC 2822's two-digit year
        ("  12   June\n2024 ", JUNE_12),
        ("2024/06/12", JUNE_12),
        ("25/06/2024", date(2024, 6, 25)),  # only one reading is a date
        ("06/25/2024", date(2024, 6, 25)),
        ("12/12/2024", date(2024, 12, 12)),  # both readings are the same day
        # Ambiguous or not a day: unknown, never a guess.
        ("12/06/2024", None),
        ("12.06.2024", None),
        ("12/06/24", None),
        ("2024", None),
        ("June 2024", None),
        ("12 June", None),
        ("yesterday", None),
        ("2024-02-30", None),
        ("31 April 2024", None),
        ("12 Foo 2024", None),
        ("12 June 2024, updated 13 June", None),
        ("0999-01-01", None),
        ("", None),
        (None, None),
        ("2024-06-12 " + "08:30 " * 20, None),  # over 100 characters: no date
    ],
)
def test_date_texts(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_a_day_is_stored_as_its_ordinal_and_unknown_as_zero() -> None:
    assert day_number(JUNE_12) == JUNE_12.toordinal() > UNKNOWN_DAY == day_number(None) == 0
    assert day_number(date(1000, 1, 1)) > 0


def test_a_dateline_writes_the_day_month_and_year() -> None:
    assert long_date(JUNE_12) == "12 June 2024"
    assert long_date(date(2025, 1, 1)) == "1 January 2025"
