"""QABot: open a corpus, ask questions, keep the index in step with the files.

The one front door of the library::

    >>> bot = QABot.open("corpus")
    >>> answer = bot.ask("what did Stoltenberg say about Minsk")
    >>> bot.reindex()

A QABot is safe to share between threads: questions are answered from one immutable
snapshot of the index while a reindex builds the next one, which then replaces it whole.
A snapshot committed by another process (``qabot index``) is picked up on the next question.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import overload

from qabot.analysis import Analyzer
from qabot.answers import QuestionTerms, choose_answer, highlight_spans, weigh_question
from qabot.articles import save_article
from qabot.config import Settings
from qabot.errors import CorpusError, IndexStoreError, QABotError
from qabot.indexer import Progress, plan_update
from qabot.ranking import article_evidence, gather, rerank
from qabot.snapshot import ArticleRecord, Snapshot
from qabot.store import (
    current_marker,
    new_segment_name,
    read_snapshot,
    write_lock,
    write_segment,
    write_snapshot,
)
from qabot.values import Answer, Article, Hit, IndexStats, Passage, ReindexReport

__all__ = ["QABot"]

log = logging.getLogger(__name__)


class QABot:
    """Question answering over a folder of articles. Create with :meth:`open`."""

    def __init__(self, settings: Settings, analyzer: Analyzer, snapshot: Snapshot) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self._snapshot = snapshot
        self._marker = current_marker(settings.index_dir)
        self._reindex_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self.last_report: ReindexReport | None = None

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        corpus: str | Path = "corpus",
        index: str | Path | None = None,
        *,
        settings: Settings | None = None,
        update: bool = True,
        progress: Progress | None = None,
    ) -> QABot:
        """Open the index of ``corpus`` (default ``<corpus>/.qabot-index``).

        With ``update`` (the default) the index is first brought in step with the files:
        built when missing, rebuilt when unusable, updated when articles changed. Nothing
        is written when nothing changed.
        """
        if getattr(multiprocessing.current_process(), "_inheriting", False):
            # A script without an ``if __name__ == "__main__":`` guard is being re-run by
            # an analysis worker starting up: fail at once, and the parent analyses alone.
            raise QABotError(
                "QABot.open was called while a worker process was starting; guard the "
                'script\'s work with `if __name__ == "__main__":`'
            )
        settings = (settings or Settings()).with_paths(corpus, index)
        if not settings.corpus.is_dir():
            raise CorpusError(
                f"corpus folder {settings.corpus} does not exist or is not a folder; "
                "create it and put articles in it"
            )
        analyzer = Analyzer(settings.analyzer)
        snapshot = _load_usable(settings, analyzer)
        empty = Snapshot.empty(analyzer.fingerprint(), settings.passages.to_dict())
        bot = cls(settings, analyzer, snapshot or empty)
        if snapshot is None:
            bot.reindex(rebuild=True, progress=progress)
        elif update:
            bot.reindex(progress=progress)
        return bot

    # -- questions --------------------------------------------------------------------
    def ask(self, question: str, k: int = 5, *, context: str | None = None) -> Answer:
        """Answer ``question`` with its sentence(s) and the ``k`` best passages, cited.

        ``context`` is an earlier question that a follow-up ("and Minsk 2?") is read with:
        its words help rank passages, but only the question's own words must be found.
        Both are cut to ``AnswerSettings.max_question_chars``; a negative ``k`` counts as 0.
        """
        limit = self.settings.answers.max_question_chars
        k = max(0, k)
        question = " ".join(str(question).split())[:limit]
        context = " ".join(context.split())[:limit] if context else None
        if not question:
            return Answer(question, "", (), reason="Ask a question in words.")
        terms = tuple(self.analyzer.terms(question))
        if not terms:
            return Answer(
                question, "", (), reason="Your question has only common words; name a topic."
            )
        snapshot = self._current()
        if snapshot.n_passages == 0:
            return Answer(
                question, "", (), terms, reason="The corpus is empty: add articles and reindex."
            )
        context_terms = tuple(self.analyzer.terms(context or ""))
        weights = self._weigh(terms, context_terms, snapshot)
        wanted = max(k, self.settings.answers.candidate_passages)
        # A follow-up's own words count twice, so they lead over the context's.
        hits = self._hits(
            snapshot, terms + terms + context_terms if context_terms else terms, wanted
        )
        if not hits:
            words = dict.fromkeys(
                question[t.start : t.end] for t in self.analyzer.tokens(question) if t.term
            )
            return Answer(
                question, "", (), terms, reason=f"No article mentions: {', '.join(words)}."
            )
        full_question = f"{context} {question}" if context else question
        choice = choose_answer(
            full_question,
            weights,
            hits,
            self.analyzer,
            self.settings.answers,
            lambda hit: article_evidence(snapshot, hit.article.id, weights.weights),
        )
        if choice.best:
            # The passage the answer comes from is cited first: it is what the reader checks.
            hits.insert(0, hits.pop(choice.best))
            hits = [replace(hit, rank=rank) for rank, hit in enumerate(hits, 1)]
        # With k = 0 no passage is cited, so the answer points at none.
        source = 0 if choice.source is not None and k > 0 else None
        matched = self._matched_words(hits[: max(1, k)], set(terms))
        return Answer(
            question=question,
            text=choice.text,
            passages=tuple(hits[:k]),
            terms=terms,
            matched_words=matched,
            confidence=choice.confidence,
            source=source,
            reason=choice.reason,
            unsure=bool(choice.text) and choice.unsure,
        )

    def search(self, question: str, k: int = 10) -> list[Hit]:
        """The ``k`` best passages for ``question``, without picking an answer."""
        terms = self.analyzer.terms(question[: self.settings.answers.max_question_chars])
        return self._hits(self._current(), terms, k) if terms else []

    def _hits(self, snapshot: Snapshot, terms: Sequence[str], k: int) -> list[Hit]:
        wanted = set(terms)
        answers = self.settings.answers
        reranking = answers.article_weight > 0 and answers.rerank_depth > 0
        refs = snapshot.search(
            terms, max(k, answers.rerank_depth) if reranking else k, self.settings.bm25
        )
        if reranking and len(refs) > 1:
            candidates = gather(snapshot, refs, terms)
            weights = self._weigh(terms, (), snapshot).weights
            average = snapshot.total_length / max(1, snapshot.n_articles)
            refs = rerank(candidates, terms, weights, average, answers)
        hits = []
        for rank, scored in enumerate(refs[:k], 1):
            passage = snapshot.passage(scored)
            hits.append(
                Hit(
                    article=snapshot.article_of(scored),
                    position=passage.position,
                    paragraphs=passage.paragraphs,
                    text=passage.text,
                    score=scored.score,
                    rank=rank,
                    highlights=highlight_spans(passage.text, wanted, self.analyzer),
                )
            )
        return hits

    def _weigh(
        self, terms: Sequence[str], context: Sequence[str], snapshot: Snapshot
    ) -> QuestionTerms:
        df = {t: snapshot.document_frequency(t) for t in (*terms, *context)}
        return weigh_question(terms, self.analyzer, snapshot.n_passages, df, context)

    @staticmethod
    def _matched_words(hits: Sequence[Hit], terms: set[str]) -> tuple[str, ...]:
        words: dict[str, None] = {}
        for hit in hits:
            for start, end in hit.highlights:
                words.setdefault(hit.text[start:end].casefold(), None)
        return tuple(words)

    # -- the corpus -------------------------------------------------------------------
    def reindex(self, rebuild: bool = False, progress: Progress | None = None) -> ReindexReport:
        """Bring the index in step with the corpus; returns what changed.

        Only new or changed articles are analysed; ``rebuild`` re-analyses everything.
        Questions keep being answered from the previous snapshot meanwhile.
        """
        settings = self.settings
        index_dir = settings.index_dir
        with self._reindex_lock, write_lock(index_dir):
            base = None if rebuild else self._latest_committed()
            reserved: set[str] = set()

            def new_name() -> str:
                # Names come from the folder; skip the ones handed out but not written yet.
                name = new_segment_name(index_dir, reserved)
                reserved.add(name)
                return name

            plan = plan_update(
                settings.corpus, index_dir, self.analyzer, settings.passages, base, new_name,
                progress,
            )  # fmt: skip
            report = plan.report
            if report.modified or base is None or plan.new:
                for segment in plan.new:
                    segment.size_bytes = write_segment(index_dir, segment)
                write_snapshot(
                    index_dir,
                    {s.name: d for s, d in zip(plan.segments, plan.deleted, strict=True)},
                    self.analyzer.fingerprint(),
                    settings.passages.to_dict(),
                    plan.problems,
                )
                loaded = {s.name: s for s in (base.segments if base else ())}
                committed = read_snapshot(index_dir, settings.corpus, loaded)
                if committed is None:  # pragma: no cover - just written
                    raise IndexStoreError(f"the index in {index_dir} vanished while updating")
                self._snapshot = committed
                self._marker = current_marker(index_dir)
                log.info("index updated: %s", report)
            else:
                # Nothing to commit; keep the loaded snapshot but remember this scan's problems.
                self._snapshot = replace(base, problems=plan.problems, _cache={})
        self.last_report = report
        return report

    def _latest_committed(self) -> Snapshot | None:
        """The snapshot on disk now (another process may have committed a newer one)."""
        if current_marker(self.settings.index_dir) == self._marker and self._snapshot.generation:
            return self._snapshot
        return _load_usable(self.settings, self.analyzer, self._snapshot)

    def refresh(self) -> bool:
        """Load a snapshot committed by another process; ``True`` if one was loaded."""
        marker = current_marker(self.settings.index_dir)
        if marker == self._marker or marker is None:
            return False
        with self._refresh_lock:
            if marker == self._marker:
                return False
            snapshot = _load_usable(
                self.settings, self.analyzer, self._snapshot,
                "answering from the index loaded before; the next reindex repairs it",
            )  # fmt: skip
            # Seen either way: an unusable commit is not re-read on every question.
            self._marker = marker
            if snapshot is None:
                return False
            self._snapshot = snapshot
            log.info("picked up index generation %d", snapshot.generation)
            return True

    def _current(self) -> Snapshot:
        if not self._reindex_lock.locked():
            self.refresh()
        return self._snapshot

    def add_article(self, name: str, data: bytes) -> tuple[Path, ReindexReport]:
        """Save an article file into the corpus and index it; returns its path and the report.

        ``name`` is reduced to a safe file name inside the corpus (never outside it) and
        never overwrites a file. The content is checked first: an unusable file raises
        :class:`~qabot.errors.ArticleError` and nothing is written.
        """
        path = save_article(self.settings.corpus, name, data)
        return path, self.reindex()

    def articles(self) -> Sequence[Article]:
        """The indexed articles ordered by id; each is built when read, so paging is cheap."""
        return _Articles(self._current().articles)

    def passage(self, article_id: str, position: int) -> Passage | None:
        """One passage of an article by position, or ``None`` if there is no such passage."""
        snapshot = self._current()
        found = snapshot.find_article(article_id)
        if found is None:
            return None
        segment, record = found
        if not 0 <= position < record.count:
            return None
        return snapshot.segments[segment].passage(record.first + position)

    def words_per_passage(self) -> float:
        """Average number of words in a passage (what a reader gets per hit)."""
        snap = self._current()
        if not snap.n_passages:
            return 0.0
        return sum(len(text.split()) for text in snap.passage_texts()) / snap.n_passages

    def stats(self) -> IndexStats:
        """Figures about the index: articles, passages, terms, size, last update."""
        snap = self._current()
        return IndexStats(
            articles=snap.n_articles,
            passages=snap.n_passages,
            terms=snap.n_terms,
            size_bytes=snap.size_bytes,
            updated=snap.created,
            corpus=self.settings.corpus,
            index=self.settings.index_dir,
            problems=snap.problems,
        )

    def __repr__(self) -> str:
        snap = self._snapshot
        corpus = str(self.settings.corpus)
        return f"QABot({corpus!r}, {snap.n_articles} articles, {snap.n_passages} passages)"


def _load_usable(
    settings: Settings,
    analyzer: Analyzer,
    loaded: Snapshot | None = None,
    consequence: str = "it will be rebuilt from the corpus",
) -> Snapshot | None:
    """The committed snapshot if it can answer with these settings, else ``None``.

    Segments of ``loaded`` (checked when it was read) are reused rather than read again.
    """
    reuse = {s.name: s for s in loaded.segments} if loaded is not None else None
    try:
        snapshot = read_snapshot(settings.index_dir, settings.corpus, reuse)
    except IndexStoreError as exc:
        log.warning("index cannot be used (%s); %s", exc, consequence)
        return None
    if snapshot is None:
        return None
    if snapshot.analyzer != analyzer.fingerprint() or snapshot.passage_settings != (
        settings.passages.to_dict()
    ):
        log.warning("index was built with other analysis settings; %s", consequence)
        return None
    return snapshot


class _Articles(Sequence[Article]):
    """A read-only view of a snapshot's live articles, in id order."""

    def __init__(self, live: Sequence[tuple[int, ArticleRecord]]) -> None:
        self._live = live

    def __len__(self) -> int:
        return len(self._live)

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Article]: ...
    def __getitem__(self, index: int | slice) -> Article | Sequence[Article]:
        if isinstance(index, slice):
            return [rec.article for _, rec in self._live[index]]
        return self._live[index][1].article
