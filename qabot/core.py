"""QABot: open a corpus, ask questions, keep the index in step with the files.

The one front door of the library::

    >>> bot = QABot.open("corpus")
    >>> answer = bot.ask("what did Stoltenberg say about Minsk")
    >>> bot.reindex()

A question goes down once: it is analysed into a :class:`~qabot.query.Query` (terms,
weights, statistics, shape), a :class:`~qabot.index.Reader` of the index finds and
re-ranks passages (:class:`~qabot.index.Match` values carrying their term counts), and
:func:`~qabot.answering.compose` picks the answer and ranks the citations.

A QABot answers from its index, a :class:`Backend`: one folder's
:class:`~qabot.index.Index` (:meth:`QABot.open`), or a corpus in shards on a Ray cluster,
a :class:`~qabot.cluster.ClusterIndex` (:meth:`QABot.open_cluster`), whose readers give
exactly one index's answers. Either is safe to share between threads: questions are
answered from one immutable snapshot while a reindex builds the next one; a snapshot
committed by another process (``qabot index``) is picked up on the next question.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qabot.analysis import Analyzer
from qabot.answering import compose, hits_of
from qabot.answering.quoted import compose_quoted, compose_timeline, statements
from qabot.articles import save_article
from qabot.config import Settings
from qabot.errors import CorpusError, QABotError
from qabot.filters import DateLike, Filters
from qabot.index import Index, Progress, Reader, speaker_words
from qabot.query import build_query
from qabot.speaking import quotations_asked, quotations_named
from qabot.values import Answer, Article, Hit, IndexStats, Passage, Quotation, ReindexReport

if TYPE_CHECKING:  # fetching is imported only when used
    from qabot.feeds import PollReport
    from qabot.ingest import Added, Failed

__all__ = ["QUOTE_SEARCH_DEPTH", "TIMELINE_LIMIT", "Backend", "QABot"]

#: Statements a timeline answer to ``ask`` holds at most (``quotes`` gives them all).
TIMELINE_LIMIT = 20
#: Passages searched beside a speaker's quotations: their articles' evidence counts.
QUOTE_SEARCH_DEPTH = 10


class Backend(Protocol):
    """What a :class:`QABot` answers from: an :class:`~qabot.index.Index` (one folder), or
    a :class:`~qabot.cluster.ClusterIndex` (shards on a Ray cluster)."""

    def reader(self) -> Reader:
        """A question's view of the index (statistics, search, article texts)."""
        ...

    def update(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        *,
        paths: Collection[str] | None = None,
    ) -> ReindexReport:
        """Bring the index in step with the corpus (waiting for another writer)."""
        ...

    def catch_up(
        self, progress: Progress | None = None, paths: Collection[str] | None = None
    ) -> ReindexReport | None:
        """Bring the index in step if that needs no waiting; ``None`` if it would."""
        ...

    def add_file(self, path: Path, data: bytes) -> ReindexReport:
        """Index an article file just saved into the corpus."""
        ...

    def refresh(self) -> bool:
        """Load what another process committed; ``True`` if something was loaded."""
        ...

    def articles(self) -> Sequence[Article]: ...
    def passage(self, article_id: str, position: int) -> Passage | None: ...
    def words_per_passage(self) -> float: ...
    def stats(self) -> IndexStats: ...


class QABot:
    """Question answering over a folder of articles. Create with :meth:`open` (one index)
    or :meth:`open_cluster` (shards on a Ray cluster)."""

    def __init__(self, settings: Settings, analyzer: Analyzer, index: Backend) -> None:
        self.settings = settings
        self.analyzer = analyzer
        #: What questions are answered from: an ``Index``, or a cluster's ``ClusterIndex``.
        self.index = index
        self.last_report: ReindexReport | None = None

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        corpus: str | Path | None = None,
        index: str | Path | None = None,
        *,
        settings: Settings | None = None,
        update: bool = True,
        progress: Progress | None = None,
    ) -> QABot:
        """Open the index of ``corpus`` (default ``<corpus>/.qabot-index``).

        ``corpus`` and ``index`` override the folders of ``settings``. Without ``settings``
        they come from the environment, as for the ``qabot`` command
        (:meth:`Settings.from_env`: ``QABOT_ALLOW_PRIVATE_URLS``, ``QABOT_BM25``, …; the
        corpus is ``corpus/`` unless ``QABOT_CORPUS`` names another). A missing or unusable
        index is built (waiting for another process building it, whose build is then used).
        With ``update`` (the default) a committed index is first brought in step with the
        files, as long as that needs no waiting: while another process updates it, or when
        it is read-only, answers come from its last commit (logged). Nothing is written
        when nothing changed.
        """
        if getattr(multiprocessing.current_process(), "_inheriting", False):
            # A script without an ``if __name__ == "__main__":`` guard is being re-run by
            # an analysis worker starting up: fail at once, and the parent analyses alone.
            raise QABotError(
                "QABot.open was called while a worker process was starting; guard the "
                'script\'s work with `if __name__ == "__main__":`'
            )
        settings = (settings or Settings.from_env()).with_paths(corpus, index)
        _require_corpus(settings)
        analyzer = Analyzer(settings.analyzer)
        loaded = Index.load(settings, analyzer)
        bot = cls(settings, analyzer, loaded)
        if not loaded.loaded:
            # Not a forced rebuild: one committed meanwhile by another process is used.
            bot.reindex(progress=progress)
        elif update:
            bot.catch_up(progress)
        return bot

    @classmethod
    def open_cluster(
        cls,
        address: str | None,
        corpus: str | Path | None = None,
        shards: int | None = None,
        index: str | Path | None = None,
        *,
        settings: Settings | None = None,
        update: bool = True,
        wait: float | None = None,
    ) -> QABot:
        """Serve ``corpus`` from ``shards`` shards on the Ray cluster at ``address``.

        ``None`` starts a Ray instance on this machine. The bot answers with exactly one
        index's scores; its ``index`` is a :class:`~qabot.cluster.ClusterIndex` (see
        :meth:`ClusterIndex.open <qabot.cluster.ClusterIndex.open>` for ``shards``,
        ``update`` and ``wait``; the shards' folder is ``index``, default
        ``<corpus>/.qabot-cluster``). Needs ``pip install "qabot[cluster]"``.
        Without ``settings``, they come from the environment, as for :meth:`open`.
        """
        # Imported here: Ray is optional, and `import qabot` never needs it.
        from qabot.cluster import ClusterIndex

        settings = (settings or Settings.from_env()).with_paths(corpus, index)
        _require_corpus(settings)
        cluster, report = ClusterIndex.open(address, settings, shards, update=update, wait=wait)
        bot = cls(settings, Analyzer(settings.analyzer), cluster)
        bot.last_report = report
        return bot

    # -- questions --------------------------------------------------------------------
    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        context: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | None = None,
    ) -> Answer:
        """Answer ``question`` with its sentence(s) and the ``k`` best passages, cited.

        ``context`` is an earlier question that a follow-up ("and Minsk 2?") is read with:
        its words help rank passages, but only the question's own words must be found.
        Both are cut to ``AnswerSettings.max_question_chars``; a negative ``k`` counts as 0.

        ``since`` and ``until`` (a ``date`` or ``"YYYY-MM-DD"``, both included) and
        ``sources`` (names of ``Article.source``, any case) restrict the articles that may
        answer (see :class:`~qabot.filters.Filters`; an article without a date is left out
        when a date is given). Scores stay those of the whole corpus. A bad value raises
        :class:`~qabot.errors.FilterError`.

        From a cluster, the answer says how many shards were asked and which did not
        reply in time (``Answer.partial``): it then comes from the others.
        """
        filters = Filters.of(since, until, sources)
        reader = self.index.reader()
        answer = self._answer(question, k, context, reader, filters)
        return replace(answer, shards=reader.shards, missing_shards=reader.missing_shards)

    def _answer(
        self, question: str, k: int, context: str | None, reader: Reader, filters: Filters
    ) -> Answer:
        answers = self.settings.answers
        limit = answers.max_question_chars
        k = max(0, k)
        question = " ".join(str(question).split())[:limit]
        context = " ".join(context.split())[:limit] if context else None
        if not question:
            return Answer(question, "", (), reason="Ask a question in words.")
        query = build_query(question, self.analyzer, reader.statistics, context)
        if not query.terms:
            reason = (
                "Your question has only common words; name a topic."
                if query.n_words
                else "Ask a question in words."
            )
            return Answer(question, "", (), reason=reason)
        if query.stats.n_passages == 0:
            return Answer(
                question,
                "",
                (),
                query.terms,
                reason="The corpus is empty: add articles and reindex.",
            )
        wanted = max(k, answers.candidate_passages)
        if query.shape.kind == "quote" and query.shape.speaker:
            # "What did X say about Y?": from X's own words, or say there are none.
            speaker = query.shape.speaker
            if query.shape.timeline:
                quotes = quotations_named(reader, speaker, filters)
                return compose_timeline(query, quotes, self.analyzer, TIMELINE_LIMIT)
            depth = max(wanted, QUOTE_SEARCH_DEPTH)
            matches = reader.search(query.bag, query.stats, depth, filters, fold=True)
            quotes, elsewhere = quotations_asked(reader, speaker, filters, matches, self.analyzer)
            if quotes or elsewhere:
                # (None of them in the articles found: "No quotation of X about Y".)
                return compose_quoted(
                    query, quotes, matches, k, self.analyzer, answers,
                    reader.passage,
                )  # fmt: skip
            # Nobody of that name is quoted at all ("what does ctenophore mean?", a
            # speaker the articles only narrate): the question is answered as any other,
            # from the passages already found.
            return compose(query, matches[:wanted], k, self.analyzer, answers, filters)
        matches = reader.search(query.bag, query.stats, wanted, filters, fold=True)
        return compose(query, matches, k, self.analyzer, answers, filters)

    def quotes(
        self,
        speaker: str,
        about: str | None = None,
        *,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | None = None,
    ) -> list[Quotation]:
        """What ``speaker`` said, oldest first: a statement timeline, each quotation cited.

        ``speaker`` is a name as people write it ("Stoltenberg", "Jens Stoltenberg", "the
        Tories"): every word must name the speaker. With ``about``, only the quotations
        about it (its words in the quotation or its sentence). The same words reported by
        several stories are one entry whose ``also`` lists the other stories; undated
        quotations come last. ``since``, ``until`` and ``sources`` filter as in :meth:`ask`.
        """
        filters = Filters.of(since, until, sources)
        words = speaker_words(speaker)
        if not words:
            return []
        reader = self.index.reader()
        quotes = reader.quotations(words, filters)
        terms = [t for t in dict.fromkeys(self.analyzer.terms(about or ""))]
        stats = reader.statistics(terms) if terms else None
        rarity = stats.rarity if stats is not None else (lambda _: 1.0)
        return statements(quotes, terms, rarity, self.analyzer)

    def search(
        self,
        question: str,
        k: int = 10,
        *,
        since: DateLike | None = None,
        until: DateLike | None = None,
        sources: Iterable[str] | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``question``, without picking an answer.

        ``since``, ``until`` and ``sources`` filter as in :meth:`ask`.
        """
        filters = Filters.of(since, until, sources)
        reader = self.index.reader()
        question = question[: self.settings.answers.max_question_chars]
        query = build_query(question, self.analyzer, reader.statistics)
        if not query.terms:
            return []
        return hits_of(reader.search(query.bag, query.stats, k, filters), query, self.analyzer)

    # -- the corpus -------------------------------------------------------------------
    def reindex(
        self,
        rebuild: bool = False,
        progress: Progress | None = None,
        *,
        paths: Collection[str] | None = None,
    ) -> ReindexReport:
        """Bring the index in step with the corpus; returns what changed.

        Only new or changed articles are analysed; ``rebuild`` re-analyses everything.
        With ``paths`` (relative paths of the files and folders known to have changed)
        only those are looked at in the corpus. Questions keep being answered from the
        previous snapshot meanwhile. On a cluster, every shard updates its own articles.
        """
        report = self.index.update(rebuild, progress, paths=paths)
        self.last_report = report
        return report

    def catch_up(
        self, progress: Progress | None = None, *, paths: Collection[str] | None = None
    ) -> ReindexReport | None:
        """Bring the index in step with the corpus if that needs no waiting, as ``open`` does.

        Returns what changed; ``None`` while another process updates the index (answers
        then come from its last commit). A read-only index is left as it is: the report
        then says what it misses, and a warning that answers may be stale is logged.
        With ``paths`` (relative paths of the files and folders known to have changed, as
        a corpus watcher sees them) only those are looked at in the corpus.
        """
        report = self.index.catch_up(progress, paths)
        if report is not None:
            self.last_report = report
        return report

    def refresh(self) -> bool:
        """Load a snapshot committed by another process; ``True`` if one was loaded."""
        return self.index.refresh()

    def add_article(self, name: str, data: bytes) -> tuple[Path, ReindexReport]:
        """Save an article file into the corpus and index it; returns its path and the report.

        ``name`` is reduced to a safe file name inside the corpus (never outside it) and
        never overwrites a file. The content is checked first: an unusable file raises
        :class:`~qabot.errors.ArticleError` and nothing is written. On a cluster only the
        shards concerned are updated.
        """
        path = save_article(self.settings.corpus, name, data)
        report = self.index.add_file(path, data)
        self.last_report = report
        return path, report

    def add_url(self, url: str) -> Article:
        """Fetch the article at ``url``, save it into the corpus and index it; returns it.

        It is saved as ``<corpus>/<site>/<name>.md`` with front matter (title, date, url,
        source, author). A URL added before is not fetched again: its article is returned.
        Raises :class:`~qabot.errors.FetchError` (with the reason) when the page cannot be
        fetched or is no article, and then nothing is written.
        """
        from qabot.errors import FetchError
        from qabot.ingest import Failed

        result = self.add_urls([url])[0]
        if isinstance(result, Failed):
            raise result.error or FetchError(url, result.reason)
        return result.article

    def add_urls(self, urls: Sequence[str]) -> list[Added | Failed]:
        """:meth:`add_url` for several URLs, fetched a few at a time, then one reindex.

        One result per URL, in order: ``Added`` (``.path``, ``.article``, ``.new``) or
        ``Failed`` (``.reason``).
        """
        from qabot.ingest import fetch_urls

        return fetch_urls(self.settings, urls, self.reindex)

    def poll_feeds(self) -> PollReport:
        """Fetch every feed in the feed list once and add its new items (then one reindex)."""
        from qabot.feeds import poll_feed_list

        return poll_feed_list(self.settings, self.reindex)

    def articles(self) -> Sequence[Article]:
        """The indexed articles ordered by id; each is built when read, so paging is cheap."""
        return self.index.articles()

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article by position, or ``None`` if there is no such passage."""
        return self.index.passage(article_id, position)

    def words_per_passage(self) -> float:
        """Average number of words in a passage (what a reader gets per hit)."""
        return self.index.words_per_passage()

    def stats(self) -> IndexStats:
        """Figures about the index: articles, passages, terms, size, last update."""
        return self.index.stats()

    def __repr__(self) -> str:
        return f"QABot({str(self.settings.corpus)!r}, {self.index!r})"


def _require_corpus(settings: Settings) -> None:
    """Raise :class:`~qabot.errors.CorpusError` unless the corpus folder exists."""
    if not settings.corpus.is_dir():
        raise CorpusError(
            f"corpus folder {settings.corpus} does not exist or is not a folder; "
            "create it and put articles in it"
        )
