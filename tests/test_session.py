"""Chat sessions: polite refusals, follow-ups read with the chat's own context, expiry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.corpus import write_article

from qabot import Answer, QABot
from qabot.session import Session, is_follow_up
from qabot.values import Refusal, Timeline


@pytest.fixture
def councils(tmp_path: Path) -> QABot:
    corpus = tmp_path / "c"
    write_article(corpus, "a.txt", "Paris", "The Paris council approved the budget for 2025.")
    write_article(corpus, "b.txt", "Berlin", "The Berlin council rejected the budget for 2025.")
    return QABot.open(corpus, tmp_path / "index")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and Minsk 2?", True),
        ("what about Zelenskyy?", True),
        ("How about the budget", True),
        ("what did he say next?", True),
        ("What did Stoltenberg say about Minsk?", False),
        ("Who won the cup final after extra time on Sunday in the rain?", False),
        ("", False),
    ],
)
def test_is_follow_up(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected


def test_empty_and_over_long_messages_are_refused_politely(councils: QABot) -> None:
    session = Session(councils)
    limit = councils.settings.answers.max_question_chars
    assert session.ask("a", "   ") == Refusal(0, limit)
    long = session.ask("a", "x" * (limit + 1))
    assert long == Refusal(limit + 1, limit) and "too long" in str(long)
    # A refusal is not remembered: the follow-up still reads the question before it.
    session.ask("a", "What did the Paris council decide?")
    session.ask("a", "")
    follow_up = session.ask("a", "and the budget?")
    assert isinstance(follow_up, Answer) and "Paris" in follow_up.text


def test_follow_ups_use_their_own_chat_s_context(councils: QABot) -> None:
    session = Session(councils, k=1)
    session.ask("paris", "What did the Paris council decide?")
    session.ask("berlin", "What did the Berlin council decide?")
    paris, berlin = (
        session.ask("paris", "and the budget?"),
        session.ask("berlin", "and the budget?"),
    )
    assert isinstance(paris, Answer) and isinstance(berlin, Answer)
    assert "Paris" in paris.text and "Berlin" in berlin.text and len(paris.passages) == 1
    # A chat that asked nothing before gets no context; the follow-up's own words must match.
    stranger = session.ask("stranger", "and the weather?")
    assert isinstance(stranger, Answer) and not stranger.found


@pytest.fixture
def contexts(councils: QABot, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The context each question reached ``councils.ask`` with, in order."""
    seen: list[str | None] = []
    real_ask = councils.ask

    def recording_ask(
        question: str, k: int = 5, *, context: str | None = None, **filters: Any
    ) -> Answer:
        seen.append(context)
        return real_ask(question, k, context=context, **filters)

    monkeypatch.setattr(councils, "ask", recording_ask)
    return seen


def test_context_expires_and_a_follow_up_keeps_the_root_question(
    councils: QABot, contexts: list[str | None]
) -> None:
    now = [0.0]
    session = Session(councils, ttl=60, clock=lambda: now[0])
    root = "What did the Paris council decide?"
    session.ask("a", root)
    now[0] = 50
    session.ask("a", "and the budget?")  # a follow-up: the root question stays the context
    now[0] = 100
    session.ask("a", "and the mayor?")
    now[0] = 200
    session.ask("a", "and the budget?")
    session.ask("a", "Who approved the budget for 2025?")  # stands alone: no context
    assert contexts == [None, root, root, None, None]


def test_a_message_asked_alone_is_neither_read_with_nor_remembered_for_others(
    councils: QABot, contexts: list[str | None]
) -> None:
    # Inline queries belong to no chat: "and the budget?" typed there has no context, and
    # a question typed there is no chat's context either.
    session = Session(councils)
    session.ask("a", "What did the Paris council decide?")
    alone = session.ask_alone("and the budget? until:2030-01-01", k=2)
    assert isinstance(alone, Answer) and alone.question == "and the budget?"
    assert len(alone.passages) <= 2
    session.ask_alone("Who approved the budget for 2025?")
    session.ask("b", "and the budget?")
    assert contexts == [None, None, None, None]
    assert isinstance(session.ask_alone("since:soon budget"), Refusal)


def test_filters_in_a_message_restrict_it_and_a_bad_one_is_refused_politely(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    stories = (  # two stories, not near-duplicate copies of one (those are cited once)
        ("Paris", "2024-05-02", "The mayor praised the new cycle lanes along the Seine."),
        ("Berlin", "2024-06-12", "Schools and the tram network get the largest share."),
    )
    for city, day, more in stories:
        (corpus / f"{city}.md").write_text(
            f"---\ntitle: {city}\ndate: {day}\nsource: {city} Post\n---\n"
            f"The {city} council approved the budget for 2025. {more}\n"
        )
    session = Session(QABot.open(corpus, tmp_path / "index"))
    answer = session.ask("a", "since:2024-06-01 which council approved the budget?")
    assert isinstance(answer, Answer) and answer.question == "which council approved the budget?"
    assert [h.article.id for h in answer.passages] == ["Berlin.md"]
    answer = session.ask("a", 'which council approved the budget? source:"paris  POST"')
    assert isinstance(answer, Answer) and [h.article.id for h in answer.passages] == ["Paris.md"]
    refused = session.ask("a", "until:tomorrow which council approved the budget?")
    assert isinstance(refused, Refusal)
    assert refused.problem == "until: 'tomorrow' is not a date (use YYYY-MM-DD)"
    assert str(refused).startswith("Sorry, I could not use that filter: until: 'tomorrow'")
    only_filters = session.ask("a", "since:2024-06-01")
    assert isinstance(only_filters, Refusal) and "in words" in str(only_filters)
    # The follow-up is read with the question, not with its filters.
    follow = session.ask("a", "and the mayor?")
    assert isinstance(follow, Answer) and len(follow.passages) == 2


def test_quotes_find_where_the_name_ends_and_read_filters(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_article(
        corpus, "a.txt", "Harbour",
        'Mayor Tom Reed said: "The harbour will stay public."',
        'Mr Reed added: "Taxes will not rise this year."',
    )  # fmt: skip
    session = Session(QABot.open(corpus, tmp_path / "index"))
    timeline = session.quotes("Tom Reed taxes")
    assert isinstance(timeline, Timeline)
    assert (timeline.speaker, timeline.about) == ("Tom Reed", "taxes")
    assert [q.text for q in timeline.quotations] == ["Taxes will not rise this year."]
    spelled = session.quotes("Reed about the harbour")
    assert isinstance(spelled, Timeline) and spelled.about == "the harbour"
    assert len(spelled.quotations) == 1
    dated = session.quotes("since:2030-01-01 Reed")
    assert isinstance(dated, Timeline) and dated.quotations == ()
    assert "No quotation of Reed" in str(dated)
    assert str(session.quotes("  ")).startswith("Write a name")
    assert isinstance(session.quotes("since:soon Reed"), Refusal)
