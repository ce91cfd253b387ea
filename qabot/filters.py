"""What a question may be answered from: a date range and named sources.

:class:`Filters` is the value :meth:`QABot.ask` and :meth:`QABot.search` hand to the index,
which searches only the articles it allows (the statistics stay those of the whole corpus):

* ``since`` / ``until``: the article's day (:attr:`Article.published`) lies in the range,
  both ends included. An article without a known date is left out whenever either is set:
  a question about "since May" must not be answered from a story of unknown age.
* ``sources``: the article's ``source`` is one of these names, compared case-insensitively.
  An article without a source is left out when sources are named. The names are shown
  (``str(filters)``, "No article within source:BBC …") as they were written.

:func:`split_filters` reads the same filters written into a chat message, for every chat
adapter (Telegram, the terminal)::

    since:2024-05-01 until:2024-06-30 source:BBC source:"Le Monde" who won the vote?

A token counts only as a whole word; the rest of the message is the question. Dates are
``YYYY-MM-DD``; a bad value raises :class:`~qabot.errors.FilterError` naming the filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from qabot.errors import FilterError
from qabot.values import Article

__all__ = ["DateLike", "Filters", "fold_source", "parse_day", "split_filters"]

#: A filter date: a date, or its ISO text ``YYYY-MM-DD``.
DateLike = date | str
_TOKEN = re.compile(r'(?<!\S)(since|until|source):(?:"([^"]*)"|(\S*))(?!\S)', re.I)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: DateLike, name: str) -> date:
    """A filter's date from a date or ``YYYY-MM-DD``; ``name`` is the filter, for the error."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    shown = text if len(text) <= 40 else text[:39] + "…"
    raise FilterError(name, f"{shown!r} is not a date (use YYYY-MM-DD)")


def fold_source(name: str) -> str:
    """A source name as filters compare it: spaces and case folded ("Le  Monde", "le monde")."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Filters:
    """Which articles a question may be answered from; empty filters allow every article."""

    since: date | None = None
    until: date | None = None
    #: Source names, case-folded; empty: any source.
    sources: frozenset[str] = frozenset()
    #: The same names as written (spaces folded), first spelling of each, for what is
    #: shown; they do not change which articles pass.
    names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | str | None = None,
    ) -> Filters:
        """Checked filters from what a caller gives (dates as ``date`` or ``YYYY-MM-DD``)."""
        first = parse_day(since, "since") if since is not None else None
        last = parse_day(until, "until") if until is not None else None
        if first is not None and last is not None and first > last:
            raise FilterError(
                "since", f"{first.isoformat()} is after until {last.isoformat()}: nothing matches"
            )
        given = [sources] if isinstance(sources, str) else list(sources or ())
        written: dict[str, str] = {}
        for name in given:
            if not isinstance(name, str) or not name.strip():
                raise FilterError("source", "name a source, for example source:BBC")
            written.setdefault(fold_source(name), " ".join(name.split()))
        return cls(first, last, frozenset(written), tuple(written.values()))

    @property
    def source_names(self) -> tuple[str, ...]:
        """The source names as written (folded ones, when made without :meth:`of`)."""
        return self.names or tuple(sorted(self.sources))

    @property
    def dated(self) -> bool:
        """Whether a date range is set (articles without a date are then left out)."""
        return self.since is not None or self.until is not None

    def __bool__(self) -> bool:
        return self.dated or bool(self.sources)

    def allows_day(self, day: date | None) -> bool:
        """Whether an article of this day (``None``: unknown) passes the date range."""
        if not self.dated:
            return True
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def allows_source(self, source: str | None) -> bool:
        """Whether an article from ``source`` passes the source names."""
        if not self.sources:
            return True
        return source is not None and fold_source(source) in self.sources

    def allows(self, article: Article) -> bool:
        """Whether ``article`` may answer."""
        return self.allows_source(article.source) and self.allows_day(article.published)

    def __str__(self) -> str:
        parts = []
        if self.since is not None:
            parts.append(f"since:{self.since.isoformat()}")
        if self.until is not None:
            parts.append(f"until:{self.until.isoformat()}")
        parts += [f'source:"{s}"' if " " in s else f"source:{s}" for s in self.source_names]
        return " ".join(parts)


def split_filters(message: str) -> tuple[Filters, str]:
    """The filters written into a chat message, and the question left around them.

    Raises :class:`~qabot.errors.FilterError` for a bad value (``since:soon``).
    """
    found: dict[str, str] = {}
    sources: list[str] = []
    for match in _TOKEN.finditer(message):
        name = match[1].lower()
        value = match[2] if match[2] is not None else match[3]
        if name == "source":
            sources.append(value)
        else:
            found[name] = value
    if not found and not sources:
        return Filters(), message
    question = " ".join(_TOKEN.sub(" ", message).split())
    return Filters.of(found.get("since"), found.get("until"), sources), question
