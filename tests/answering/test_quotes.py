"""Quotations of an article: who said what, directly or reported, and who that is."""

from __future__ import annotations

import pytest
from support.corpus import DEMO_ARTICLE

from qabot.analysis import Analyzer
from qabot.answering.quotes import MAX_PARAGRAPH_CHARS, Quote, extract_quotes
from qabot.articles import parse_file


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def quotes(analyzer: Analyzer, *paragraphs: str) -> list[Quote]:
    found = extract_quotes(paragraphs, analyzer)
    for q in found:
        text = paragraphs[q.paragraph]
        # Offsets say where the words are; the stretch holds them.
        assert text[q.start : q.end].startswith(q.text.split(" … ")[0])
        assert text[q.start : q.end].endswith(q.text.split(" … ")[-1])
        assert q.sentence_start <= q.start <= q.end <= q.sentence_end
    return found


def said(found: list[Quote]) -> list[tuple[str, str, str]]:
    """(kind, words, speaker) of each quotation."""
    return [(q.kind, q.text, q.speaker) for q in found]


# -- quotation marks ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "paragraph",
    [
        'The talks failed. "We will try again next week," said Anna Berg.',
        "The talks failed. “We will try again next week,” said Anna Berg.",
        "The talks failed. ‘We will try again next week,’ said Anna Berg.",
        "The talks failed. 'We will try again next week,' said Anna Berg.",
        "The talks failed. «We will try again next week», said Anna Berg.",
    ],
)
def test_every_quotation_mark_style_is_read(analyzer: Analyzer, paragraph: str) -> None:
    found = quotes(analyzer, paragraph)
    assert said(found) == [("direct", "We will try again next week", "Anna Berg")]
    assert found[0].verb == "said"
    assert found[0].speaker_as_written == "Anna Berg"


def test_apostrophes_are_no_quotation_marks(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The players' union met the club's owners on Monday. Talks didn't go well and "
        "the 'rock 'n' roll' years were over, fans said.",
    )
    assert all("union" not in q.text and q.text != "n" for q in found)


def test_a_split_quotation_is_one_quotation_in_two_parts(analyzer: Analyzer) -> None:
    text = 'Carl Dune spoke last. "I think," he said, "that we can still win the league."'
    [q] = quotes(analyzer, text)
    assert q.text == "I think … that we can still win the league."
    assert q.speaker == "Carl Dune"
    assert text[q.start :].startswith("I think") and text[: q.end].endswith("league.")


def test_a_quotation_opened_again_goes_on_with_the_same_speaker(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'Coach Maria Lund said: "We played well. "We need to find a solution soon, so that '
        'someone is in place next season." Other clubs stayed quiet.',
    )
    assert said(found) == [
        ("direct", "We played well.", "Maria Lund"),
        ("direct", "We need to find a solution soon, so that someone is in place next season.",
         "Maria Lund"),
    ]  # fmt: skip
    assert found[1].speaker_as_written == "" and found[1].verb == ""


def test_a_quotation_left_open_runs_to_the_end_of_its_paragraph(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'Union leader Tom Reyes told members: "This strike is not over. We will decide tomorrow.',
        '"Nobody should go back to work until the offer is in writing."',
    )
    assert said(found) == [
        ("direct", "This strike is not over. We will decide tomorrow.", "Tom Reyes"),
        ("direct", "Nobody should go back to work until the offer is in writing.", "Tom Reyes"),
    ]


def test_a_quotation_left_open_ends_before_the_words_that_introduce_the_next(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        'Ann Lee said: "I was with that label for a year and nothing happened. She added: '
        '"The whole world is waiting for this album."',
    )
    assert [(q.text, q.speaker, q.verb) for q in found] == [
        ("I was with that label for a year and nothing happened.", "Ann Lee", "said"),
        ("The whole world is waiting for this album.", "Ann Lee", "added"),
    ]


def test_a_colon_after_a_subject_introduces_its_words(analyzer: Analyzer) -> None:
    [q] = quotes(analyzer, 'Mr Rick Dean is confident though: "People will see the difference."')
    assert (q.speaker, q.verb) == ("Rick Dean", "")


def test_a_multi_sentence_quotation_is_one_quotation(analyzer: Analyzer) -> None:
    [q] = quotes(
        analyzer,
        '"The debate has gone on too long. Everyone has an opinion and I do not have to add '
        'to it," Owen Marsh added.',
    )
    assert q.text.startswith("The debate") and q.text.endswith("add to it")
    assert (q.speaker, q.verb) == ("Owen Marsh", "added")


def test_scare_quotes_titles_and_nicknames_are_left_out(analyzer: Analyzer) -> None:
    assert (
        quotes(
            analyzer,
            'The film "Dark Water" opened on Friday. The so-called "dirty tricks" campaign went '
            "on, and the 'New Maradona' scored twice.",
        )
        == []
    )


def test_a_nickname_inside_a_name_is_no_quotation_and_no_part_of_the_name(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        "Drummer Anna 'Sticks' Lowe told a radio station that the tour was over. Lowe said the "
        'band "will always be family".',
        '"I need a rest," she added.',
    )
    assert said(found) == [
        ("reported", "the tour was over", "Anna Lowe"),
        ("reported", 'the band "will always be family"', "Anna Lowe"),
        ("direct", "will always be family", "Anna Lowe"),
        ("direct", "I need a rest", "Anna Lowe"),
    ]
    assert found[0].speaker_as_written == "Drummer Anna 'Sticks' Lowe"


# -- reported speech ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("paragraph", "clause", "verb"),
    [
        ("Lena Ford said the plant would close in May.", "the plant would close in May", "said"),
        ("Lena Ford said that the plant would close.", "the plant would close", "said"),
        ("The plant would close in May, Lena Ford said.", "The plant would close in May", "said"),
        ("The plant would close in May, said Lena Ford.", "The plant would close in May", "said"),
        ("Lena Ford told reporters the plant would close.", "the plant would close", "told"),
        ("Lena Ford warned that the plant would close.", "the plant would close", "warned"),
        ("Lena Ford has admitted she made mistakes.", "she made mistakes", "admitted"),
        ("Lena Ford said on Monday that the plant would close.", "the plant would close", "said"),
        (
            "According to Lena Ford, the plant would close in May.",
            "the plant would close in May",
            "According to",
        ),
        (
            "The plant would close in May, according to Lena Ford.",
            "The plant would close in May",
            "according to",
        ),
    ],
)
def test_reported_speech_in_its_forms(
    analyzer: Analyzer, paragraph: str, clause: str, verb: str
) -> None:
    found = quotes(analyzer, paragraph)
    assert [(q.kind, q.text, q.speaker, q.verb) for q in found] == [
        ("reported", clause, "Lena Ford", verb)
    ]


def test_an_attribution_inside_the_clause_splits_it_in_two(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Tim Dams spoke to the BBC. The problem with the film, he believed, was that the panel "
        "had been cautious. For the studio, he said, the deal was good.",
    )
    assert said(found) == [
        ("reported", "The problem with the film … was that the panel had been cautious",
         "Tim Dams"),
        ("reported", "the deal was good", "Tim Dams"),
    ]  # fmt: skip


def test_a_clause_may_open_with_a_hyphenated_adjective_in_ed(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "A spokeswoman for Hanover Re, the reinsurer, estimated tsunami-related claims would "
        "be small.",
    )
    assert said(found) == [
        ("reported", "tsunami-related claims would be small", "spokeswoman for Hanover Re")
    ]


def test_no_speech_without_a_clause(analyzer: Analyzer) -> None:
    assert (
        quotes(
            analyzer,
            "The firm announced plans to cut 500 jobs. Pilots warned of delays. Kim Bell told "
            "the story to her children.",
        )
        == []
    )


def test_one_sentence_may_report_twice_for_one_speaker(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Ruth Hale, the former teacher, confirmed she had attended the meeting but said that was "
        "the only contact she had with the group.",
    )
    assert said(found) == [
        ("reported", "she had attended the meeting", "Ruth Hale"),
        ("reported", "that was the only contact she had with the group", "Ruth Hale"),
    ]


def test_two_clauses_joined_by_and_that_are_two_reports(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Kim Bell said the plant had passed its inspection and that it was never a danger to "
        "anyone. She said prices rose and that was the end of it.",
    )
    assert said(found) == [
        ("reported", "the plant had passed its inspection", "Kim Bell"),
        ("reported", "it was never a danger to anyone", "Kim Bell"),
        ("reported", "prices rose and that was the end of it", "Kim Bell"),
    ]


def test_the_agent_of_a_passive_naming_verb_speaks(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Chief executive Dana Cole showed the phone in Paris. It was described by Cole as the "
        '"best phone we have made".',
    )
    assert said(found) == [("direct", "best phone we have made", "Dana Cole")]


def test_they_means_the_group_that_spoke(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer, "Analysts say the deal is good. As a result, they say, prices will fall soon."
    )
    assert said(found) == [
        ("reported", "the deal is good", "Analysts"),
        ("reported", "prices will fall soon", "Analysts"),
    ]


def test_quoted_words_inside_reported_speech_are_fragments(analyzer: Analyzer) -> None:
    found = quotes(analyzer, 'Jon Price said the results were "respectable" given the costs.')
    assert said(found) == [
        ("reported", 'the results were "respectable" given the costs', "Jon Price"),
        ("direct", "respectable", "Jon Price"),
    ]
    assert [q.fragment for q in found] == [False, True]


# -- who said it -------------------------------------------------------------------------------
def test_a_surname_or_a_title_means_the_fullest_name(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Arsenal boss Arsene Wenger has no plans to sign a goalkeeper.",
        '"The debate is over," Wenger said. "It is not an issue," said Mr Wenger.',
    )
    assert [q.speaker for q in found] == ["Arsene Wenger", "Arsene Wenger"]
    assert [q.speaker_as_written for q in found] == ["Wenger", "Mr Wenger"]


def test_a_surname_finds_a_full_name_written_with_of_after_it(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The chairman of the talks, Ambassador Stefan Moller of Iceland, said progress was slow.",
        'Mr Moller also said trade "is the hard part".',
    )
    assert [q.speaker for q in found] == ["Stefan Moller"] * 3


def test_members_of_a_group_are_not_the_group(analyzer: Analyzer) -> None:
    found = quotes(analyzer, "Two members of Korn said they hoped the tour would go on.")
    assert said(found) == [("reported", "they hoped the tour would go on", "Two members of Korn")]


def test_pronouns_mean_the_nearest_speaker_of_their_gender(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Mrs Alice Grant met Mr Paul Stone on Tuesday.",
        '"It was a good meeting," Mr Stone said. "I agree," she said. "So do I," he added.',
    )
    assert [q.speaker for q in found] == ["Paul Stone", "Alice Grant", "Paul Stone"]


def test_most_or_many_speak_for_the_group_named_before(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The BBC spoke to a number of analysts on Monday. None would speak on the record, but "
        "most thought the deal would go ahead.",
    )
    assert said(found) == [("reported", "the deal would go ahead", "analysts")]


def test_an_adjective_in_ing_after_the_is_part_of_the_speaker(analyzer: Analyzer) -> None:
    found = quotes(analyzer, "The remaining members of the band said they hoped he would return.")
    assert [(q.speaker_as_written, q.speaker) for q in found] == [
        ("The remaining members of the band", "remaining members of the band")
    ]


def test_a_clause_in_the_present_tense_is_reported(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "MTV spokeswoman Jeannie Kedas said the network follows the same standards as "
        "broadcasters.",
    )
    assert said(found) == [
        ("reported", "the network follows the same standards as broadcasters", "Jeannie Kedas")
    ]


def test_but_he_said_starts_a_second_report(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Michael Howard spoke on Sunday. He said he found the policies abhorrent but he said "
        "the UK had to take a different approach.",
    )
    assert said(found) == [
        ("reported", "he found the policies abhorrent", "Michael Howard"),
        ("reported", "the UK had to take a different approach", "Michael Howard"),
    ]


def test_words_named_by_someone_near_the_verb_are_theirs(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'Charles Kennedy spoke in London. He accused the government of "being less than '
        'straightforward". Fletcher was described as a "consummate professional" by his '
        "friend and fellow broadcaster Michael Pointon. Mr Fisher describes himself as an "
        '"average American Joe".',
        "The film was accused of being anti-Semitic - receiving nominations only in the "
        "'minor' categories.",
    )
    assert said(found) == [
        ("direct", "being less than straightforward", "Charles Kennedy"),
        ("direct", "consummate professional", "Michael Pointon"),
        ("direct", "average American Joe", "Fisher"),
    ]


def test_a_document_speaks_for_the_body_that_wrote_it(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The divide is narrowing fast, according to a World Bank report.",
        '"People are getting more access," said the report.',
        "Campaigners criticised the channel in the US.",
        "The Parents Television Council (PTC) said the channel offered poor programmes.",
        "The PTC said it counted 3,056 scenes.",
    )
    assert [q.speaker for q in found] == [
        "World Bank", "World Bank", "Parents Television Council", "Parents Television Council"
    ]  # fmt: skip


def test_a_speaker_is_read_past_where_they_come_from(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Andrew Fisher, from Omaha, Nebraska, said he would sell the space.",
        "Jose Reyes joined Arsenal in 2004. The Spaniard said he was happy there.",
        "A spokesman for the UN's World Summit on the Information Society said the divide "
        "remained real.",
    )
    assert [(q.speaker_as_written, q.speaker) for q in found] == [
        ("Andrew Fisher", "Andrew Fisher"),
        ("The Spaniard", "Jose Reyes"),  # a description, not a name
        ("A spokesman for the UN's World Summit on the Information Society",
         "spokesman for the UN's World Summit on the Information Society"),
    ]  # fmt: skip


def test_a_first_name_tells_whom_a_pronoun_can_mean(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Jack Moore was criticised by the opposition on Monday.",
        "Margaret Hall defended the minister at a meeting in Inverness.",
        '"I am sorry if anyone was offended," he said.',
    )
    assert [q.speaker for q in found] == ["Jack Moore"]


def test_a_pronoun_subject_leans_on_the_sentence_before(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Ex-Labour MP George Galloway has appealed for the release of a hostage.",
        "Mr Galloway was expelled from the party last year. He denied an earlier report. "
        'Speaking in London, he said: "I am prepared to do anything I can to help."',
    )
    assert said(found) == [
        ("direct", "I am prepared to do anything I can to help.", "George Galloway")
    ]


def test_title_appositions_name_a_speaker(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Support for Kyiv must continue, says NATO Secretary General Jens Stoltenberg.",
        "The NATO Secretary General emphasized that it is up to Kyiv to decide.",
        "Metrovias, the private firm which runs the lines, has offered a rise. The firm "
        "promised no jobs would be lost. It said it would put this on paper.",
    )
    assert [q.speaker for q in found] == [
        "Jens Stoltenberg",
        "Jens Stoltenberg",
        "Metrovias",
        "Metrovias",
    ]
    assert found[1].speaker_as_written == "The NATO Secretary General"


def test_unnamed_speakers_stay_as_written_and_are_met_again(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "A UKIP spokesman said the candidate had resigned. Reports said he had quit. "
        '"He did once attend a meeting," the spokesman added.',
    )
    assert [q.speaker for q in found] == ["UKIP spokesman", "Reports", "UKIP spokesman"]


def test_the_stretch_holds_the_quotation_and_its_attribution(analyzer: Analyzer) -> None:
    text = 'Prices rose. "We expect more rises," said analyst Joe Kemp. Shares fell.'
    [q] = quotes(analyzer, text)
    assert text[q.sentence_start : q.sentence_end] == (
        '"We expect more rises," said analyst Joe Kemp.'
    )
    assert q.speaker == "Joe Kemp"


def test_the_demo_article(analyzer: Analyzer) -> None:
    [article], _ = parse_file(DEMO_ARTICLE, DEMO_ARTICLE.name, DEMO_ARTICLE.read_bytes())
    found = extract_quotes(article.paragraphs, analyzer)
    last = next(q for q in found if q.text.endswith("We cannot have Minsk 3"))
    assert (last.kind, last.speaker_as_written, last.speaker, last.verb) == (
        "direct",
        "Stoltenberg",
        "Jens Stoltenberg",
        "concluded",
    )
    # The article names him "NATO Secretary General Jens Stoltenberg" once; every quotation
    # of his, however written ("Stoltenberg", "The NATO Secretary General", "He"), is his.
    his = [q for q in found if q.speaker == "Jens Stoltenberg"]
    assert {q.speaker_as_written for q in his} >= {
        "Stoltenberg",
        "The NATO Secretary General",
        "He",
    }
    assert len(his) >= 5


def test_a_paragraph_too_long_for_a_reporter_is_not_read() -> None:
    # A 5 MB paragraph of "said" must not make indexing crawl: it is passed over.
    huge = " ".join(["Stoltenberg said the talks would go on"] * 2_000)
    assert len(huge) > MAX_PARAGRAPH_CHARS
    found = extract_quotes([huge, 'Mayor Tom Reed said: "The harbour stays public."'], Analyzer())
    assert [(q.paragraph, q.text) for q in found] == [(1, "The harbour stays public.")]


# -- speakers read as a reader would (second dev set) -----------------------------------------
def test_a_speaker_described_after_a_comma_reports_the_clause_before(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The film may have been hurt by its category, says Tim Dams, the news editor of trade "
        "magazine Screen International. But he also believes the film is too political.",
    )
    assert ("reported", "The film may have been hurt by its category", "Tim Dams") in said(found)


def test_a_capitalised_verb_inside_a_name_is_part_of_it(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer, '"The Fed does not want to rock the boat," said Sung Won Sohn, an economist.'
    )
    assert [q.speaker for q in found] == ["Sung Won Sohn"]


def test_a_short_name_of_an_organisation_is_its_full_name(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The Federal Reserve has raised its key rate to 2%.",
        "The Fed said that future increases would come at a measured pace.",
    )
    assert [q.speaker for q in found] == ["Federal Reserve"]


def test_he_is_a_person_not_a_place_or_a_tournament(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Tough-scrummaging prop Julian White expects a rough ride in England's Six Nations "
        "opener in Cardiff.",
        'The Leicester tight-head is in form. "The Welsh scrum is a force," he told BBC Sport.',
    )
    assert [q.speaker for q in found] == ["Julian White"]


def test_a_surname_that_is_also_a_title_ends_a_name(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Avery Shenfeld said rates would rise.",
        "BoE governor Mervyn King warned that the era of low inflation may be ending.",
    )
    assert ("Mervyn King", "BoE governor Mervyn King") in [
        (q.speaker, q.speaker_as_written) for q in found
    ]


def test_a_quantifier_is_no_part_of_an_unnamed_speaker(analyzer: Analyzer) -> None:
    found = quotes(analyzer, "Some economists said that another rise could be in store.")
    assert [q.speaker for q in found] == ["economists"]


def test_a_party_word_before_a_name_describes_it(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer, "Conservative Michael Fallon said the Treasury had leaned on the statisticians."
    )
    assert [q.speaker for q in found] == ["Michael Fallon"]


def test_what_a_reporter_says_someone_believes_is_reported_speech(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Hodgson believes a winter break would be a positive step in the Premiership.",
        "Technorati estimates the number of blogs has already exceeded five million.",
        "MTV reckons the show will give McDonald's access to 400 million homes.",
    )
    assert said(found) == [
        ("reported", "a winter break would be a positive step in the Premiership", "Hodgson"),
        ("reported", "the number of blogs has already exceeded five million", "Technorati"),
        ("reported", "the show will give McDonald's access to 400 million homes", "MTV"),
    ]


# -- a third development set --------------------------------------------------------------------
def test_a_short_form_defined_in_brackets_is_the_full_name(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "TCI owns 5% of Deutsche Boerse's (DB) shares.",
        "Yet DB does not need approval. DB said the bid was in the best interests of its owners.",
    )
    assert [q.speaker for q in found] == ["Deutsche Boerse"]


def test_two_names_joined_by_an_ampersand_are_no_fuller_name(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The award went to Matt Lucas & David Walliams on Tuesday.",
        '"It was a real shock," Walliams said.',
    )
    assert [q.speaker for q in found] == ["Walliams"]


def test_her_lawsuit_speaks_for_her(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Marion Jones has sued Victor Conte.",
        "Her lawsuit said the sprinter had passed a lie detector test.",
    )
    assert [q.speaker for q in found] == ["Marion Jones"]


def test_a_group_of_speakers_starts_with_its_quantifier(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Following the announcement many analysts said it was a sensible move.",
        '"Obviously we will wait and see," said one London-based broker.',
    )
    assert [q.speaker for q in found] == ["analysts", "London-based broker"]


def test_an_office_after_the_employers_name_describes_the_speaker(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'It represents a "big leap forward" for broadband, said Chris Stening, UK Online '
        "general manager.",
    )
    assert ("reported", 'It represents a "big leap forward" for broadband', "Chris Stening") in (
        said(found)
    )


def test_an_office_read_with_its_of_phrase_and_after_the_employer_is_a_role(
    analyzer: Analyzer,
) -> None:
    found = extract_quotes(
        [
            "Sale Sharks director of rugby Philippe Saint-Andre has re-opened the debate.",
            '"We need to manage it," he told BBC Sport.',
            '"It takes a big leap," said Chris Stening, UK Online general manager.',
        ],
        analyzer,
    )
    roles = {q.speaker: q.roles for q in found}
    assert {"director", "rugby"} <= set(roles["Philippe Saint-Andre"])
    assert {"general", "manager"} <= set(roles["Chris Stening"])


def test_where_a_speaker_works_describes_them(analyzer: Analyzer) -> None:
    found = extract_quotes(
        [
            "Texts hit a record, the Mobile Data Association (MDA) said.",
            '"Texting is useful at a noisy party," said Mike Short, chairman of the MDA.',
            "ITV's controller of entertainment, Claudia Ross, said the show would return.",
            '"The economy is better," said Sam Sohn, chief economist for Wells Fargo Bank. '
            '"There are still concerns," he added.',
        ],
        analyzer,
    )
    roles = {q.speaker: set(q.roles) for q in found}
    assert {"chairman", "mda", "mobile", "data", "association"} <= roles["Mike Short"]
    assert {"controller", "entertainment", "itv"} <= roles["Claudia Ross"]
    assert {"economist", "wells", "fargo", "bank"} <= roles["Sam Sohn"]
    # The employer's words say nothing of what the speaker is: "he" is still Sam Sohn.
    assert [q.speaker for q in found if q.paragraph == 3] == ["Sam Sohn", "Sam Sohn"]


# -- a name, then the office, then the verb ----------------------------------------------
@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "His enthusiasm for the job remains undimmed, Alan Milburn, Labour's election "
            "strategist told Radio 4's Today programme on Saturday.",
            [("reported", "His enthusiasm for the job remains undimmed", "Alan Milburn")],
        ),
        (
            'Brent Bozell, PTC president and conservative activist said: "MTV is selling '
            'raunchy sex to kids."',
            [("direct", "MTV is selling raunchy sex to kids.", "Brent Bozell")],
        ),
        (
            "Profits will rise, Jane Smith, chief executive of Acme said.",
            [("reported", "Profits will rise", "Jane Smith")],
        ),
        (
            # The office after the name, lower-case: "…, said X, chairman of the MDA."
            "While texting has not overtaken the phone call, it is heading that way, said "
            "Mike Short, chairman of the MDA.",
            [
                (
                    "reported",
                    "While texting has not overtaken the phone call, it is heading that way",
                    "Mike Short",
                )
            ],
        ),
        (
            "Profits will rise, the chief executive told the BBC.",
            [("reported", "Profits will rise", "chief executive")],
        ),
        (
            # No name before the office: "On Monday" is when.
            "On Monday, Indonesian economy minister Aburizal Bakrie told reporters that the "
            "payments would be frozen.",
            [("reported", "the payments would be frozen", "Aburizal Bakrie")],
        ),
    ],
)
def test_a_speaker_is_named_before_the_office_the_verb_follows(
    analyzer: Analyzer, paragraph: str, expected: list[tuple[str, str, str]]
) -> None:
    assert said(quotes(analyzer, paragraph)) == expected


def test_an_office_means_the_same_person_throughout_a_story(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Gordon Brown defended his record. The chancellor said the economy was strong.",
        "Conservative Michael Fallon asked Mr Brown whether the Treasury had leaned on the "
        "statisticians. But the chancellor said Mr Fallon was impugning their integrity.",
        "The shadow chancellor said the figures were fiddled.",
    )
    assert [(q.text, q.speaker) for q in found][:2] == [
        ("the economy was strong", "Gordon Brown"),
        ("Mr Fallon was impugning their integrity", "Gordon Brown"),
    ]
    # Another office: not the chancellor.
    assert found[2].text == "the figures were fiddled" and found[2].speaker != "Gordon Brown"


def test_no_one_named_in_reported_words_is_the_he_who_says_them(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The prime minister's enthusiasm remains undimmed, Alan Milburn, Labour's election "
        "strategist told the BBC. Mr Blair has the same passion for the job as in 1997, he said.",
        'He said: "I am the election co-ordinator and I do not know the date."',
    )
    assert [(q.kind, q.speaker) for q in found] == [("reported", "Alan Milburn")] * 2 + [
        ("direct", "Alan Milburn")
    ]
    # Not the company named in its own report, either: "it noted" is the regulator.
    found = quotes(
        analyzer,
        "The SEC said it had listened to foreign firms. The European Union, in particular, "
        "was imposing new reporting standards, it noted.",
    )
    assert [q.speaker for q in found] == ["SEC", "SEC"]


def test_words_quoted_inside_a_sentence_stand_for_the_comma_before_says(
    analyzer: Analyzer,
) -> None:
    assert said(quotes(analyzer, 'The deal is "a disaster for farmers" says the union.')) == [
        ("reported", 'The deal is "a disaster for farmers"', "union"),
        ("direct", "a disaster for farmers", "union"),
    ]
    # A quotation that is a sentence of its own is no part of the reporter's sentence.
    found = quotes(
        analyzer, 'Talks went on in Brussels "The EU supports a fast accession," said Mr Mandelson.'
    )
    assert [q.kind for q in found] == ["direct"]


def test_the_office_between_a_name_and_its_verb_describes_the_speaker(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        'Rhodri Glyn Thomas, Plaid Cymru health spokesman said: "It is a failed target."',
    )
    assert found[0].speaker == "Rhodri Glyn Thomas"
    assert {"plaid", "cymru", "health", "spokesman"} <= set(found[0].roles)


def test_a_report_may_follow_where_it_was_said(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Mr Marchionne is confident, saying in an interview with the Financial Times that "
        'GM\'s argument "has no legs".',
    )
    assert said(found)[0] == ("reported", 'GM\'s argument "has no legs"', "Marchionne")
    # Not a relative clause: "a contract that cuts pay" reports nothing.
    assert quotes(analyzer, "The union agreed in talks to a new contract that cuts pay.") == []


def test_whom_a_writer_wrote_to_is_not_who_says(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'Earlier, Lib Dem chairman Matthew Taylor wrote to the watchdog saying: "The advice '
        'we have received is that such calls are illegal."',
        'Labour\'s Paul Flynn said the leaders had a "scorching" from MPs adding: "It was a '
        'meeting like no other."',
    )
    assert [(q.kind, q.speaker) for q in found] == [
        ("direct", "Matthew Taylor"),
        ("reported", "Paul Flynn"),
        ("direct", "Paul Flynn"),
        ("direct", "Paul Flynn"),
    ]
    assert found[1].text == 'the leaders had a "scorching" from MPs'


def test_the_office_after_an_attributions_name_describes_the_speaker(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        '"That is not the case," said Tim Ellsmore, managing director of 3ami.',
        '"It is fast," said Mark Sparrow, technical and reviews editor at Mac Format magazine.',
        '"We will win," said Jason Gardener, who hopes to get closer to the mark this season.',
    )
    roles = {q.speaker: set(q.roles) for q in found}
    assert {"managing", "director", "3ami"} <= roles["Tim Ellsmore"]
    assert {"technical", "reviews", "editor", "mac", "format"} <= roles["Mark Sparrow"]
    assert "at" not in roles["Mark Sparrow"]
    assert not roles["Jason Gardener"] & {"hopes", "closer", "mark"}  # a clause, no office


def test_letters_after_a_persons_name_are_no_part_of_it(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "The Lib Dems called for Commons leader Peter Hain to make a statement. In the "
        "Commons, Tory frontbencher Andrew Tyrie MP demanded an immediate statement.",
        'Raising a point of order, he said: "I can only hope it is unintentional."',
        'Ben Emmerson QC said the men had been held for years. "It is wrong," Mr Emmerson said.',
    )
    assert [q.speaker for q in found] == ["Andrew Tyrie", "Ben Emmerson", "Ben Emmerson"]
    # An MP named by the place or party they stand for is an office, not a name.
    (office,) = quotes(analyzer, '"It was a horrible thing," said the Ealing North MP.')
    assert office.speaker == "Ealing North MP"


def test_a_word_describing_a_person_before_their_first_name_is_no_part_of_it(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        "Treasurer Peter Costello spoke on Monday. The treasurer has said nothing since.",
        'US Attorney David Kelley said he expects them to plead guilty. "We are done," he said.',
        "Jose Antonio Reyes said he wished he was playing for Real Madrid.",
    )
    assert [q.speaker for q in found] == [
        "David Kelley", "David Kelley", "Jose Antonio Reyes",
    ]  # fmt: skip
    assert found[0].speaker_as_written == "US Attorney David Kelley"


def test_a_quotation_after_a_sentence_about_someones_view_is_theirs(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        '"It is a good little machine," said Mark Sparrow of Mac Format. So is the Mac Mini '
        "a revolution? Graham Barlow, editor of Mac Format, has a rather partisan viewpoint. "
        '"It\'s just a Mac, but we should be very excited."',
        'Gordon D\'Arcy is back after injury. "The squad is picked on form," coach Eddie '
        "O'Sullivan said.",
    )
    assert [(q.text, q.speaker) for q in found] == [
        ("It is a good little machine", "Mark Sparrow"),
        ("It's just a Mac, but we should be very excited.", "Graham Barlow"),
        ("The squad is picked on form", "Eddie O'Sullivan"),
    ]


def test_first_between_a_passive_and_its_verb_names_no_speaker(analyzer: Analyzer) -> None:
    (found,) = quotes(
        analyzer,
        "When it was first announced some pundits thought it was a media centre. When the "
        "deal was first announced, shares rose.",
    )
    assert (found.speaker, found.text) == ("pundits", "it was a media centre")
    (named,) = quotes(analyzer, '"It is a risk," said Credit Suisse First Boston analyst Vi Lee.')
    assert named.speaker == "Vi Lee"


@pytest.mark.parametrize(
    "attribution",
    [
        "coach Eddie O'Sullivan told BBC Sport.",
        "Ireland coach Eddie O’Sullivan said.",
        "Oracle's chief executive Eddie Ellison said in a statement.",
    ],
)
def test_an_apostrophe_inside_the_speakers_words_is_no_quotation_mark(
    analyzer: Analyzer, attribution: str
) -> None:
    (found,) = quotes(analyzer, f'"The squad is picked on form," {attribution}')
    assert found.speaker.startswith("Eddie ") and found.text == "The squad is picked on form"


@pytest.mark.parametrize(
    ("attribution", "speaker"),
    [
        ("Authenti-corp's CEO, Cynthia Musselman, told the BBC.", "Cynthia Musselman"),
        ("the play's organiser in Uganda, Sarah Mukasa, said.", "Sarah Mukasa"),
        ("Rene Obermann, T-Mobile's chief executive, told reporters.", "Rene Obermann"),
    ],
)
def test_the_name_after_an_office_before_the_verb_is_the_speaker(
    analyzer: Analyzer, attribution: str, speaker: str
) -> None:
    (found,) = quotes(analyzer, f'"It is a risk," {attribution}')
    assert found.speaker == speaker


def test_a_spokesperson_speaks_for_the_organisation_of_the_sentence_before(
    analyzer: Analyzer,
) -> None:
    found = quotes(
        analyzer,
        'But Sky denied the programme breached guidelines. A spokesperson said: "Sky '
        'listened to the concerns." Tony Blair stayed at home. A spokesman said: "No."',
    )
    assert [q.speaker for q in found] == ["Sky", "Sky spokesperson", "spokesman"]


@pytest.mark.parametrize(
    ("paragraph", "speakers"),
    [
        (
            "Meanwhile, Ford which posted its ninth consecutive drop in monthly US sales, said "
            "its sales would recover.",
            ["Ford"],
        ),
        (
            "Speaking on German TV, Bert Ruerup said the panel's earlier forecast of 1.4% was too "
            "optimistic and warned that growth would slow.",
            ["Bert Ruerup", "Bert Ruerup"],
        ),
        (
            "Health minister Brian Gibbons spoke on Monday. He said staff wanted a period of "
            "calm. Later, Dr Gibbons praised the work of Ms Hutt, saying she had done well.",
            ["Brian Gibbons", "Brian Gibbons"],
        ),
        (
            "Welcoming the ruling, Maeve Sherlock, chief executive of the Refugee Council, said "
            "it was right.",
            ["Maeve Sherlock"],
        ),
        (
            "The actor Liam Neeson, whose films include Schindler's List, Michael Collins and "
            "Star Wars, said he owed the theatre a lot.",
            ["Liam Neeson"],
        ),
        (
            "Arsenal boss Arsene Wenger, who was fined £15,000 in December, believes that the "
            "fine was too low.",
            ["Arsene Wenger"],
        ),
        (
            "Looking further ahead in the year, the MDA's chairman Mike Short, has predicted "
            "that more people will go online.",
            ["Mike Short"],
        ),
        # A name ending in -ing is no participle; nor is a phrase the subject ends.
        ("Matt Groening heaped praise on The Office, saying it was the best.", ["Matt Groening"]),
        (
            "Speaking after the inquiry was announced Bob Neill, leader of the London Assembly "
            "Conservatives, said he had behaved badly.",
            ["Bob Neill"],
        ),
    ],
)
def test_what_opens_a_sentence_before_its_subject_is_no_speaker(
    analyzer: Analyzer, paragraph: str, speakers: list[str]
) -> None:
    assert [q.speaker for q in quotes(analyzer, paragraph)] == speakers


def test_a_motor_company_is_the_it_that_says(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "Hyundai Motor has announced a second plant in India.",
        "It said the plant would produce 150,000 cars a year.",
    )
    assert [q.speaker for q in found] == ["Hyundai Motor"]


def test_our_correspondent_is_the_correspondent_named_before(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        "BBC correspondent Stephen Cape said talks were held. Deputy Prime Minister John "
        "Prescott held a private meeting with union leaders.",
        "Our correspondent said that he understood no deal had been offered. There was "
        '"some possibility" of the strike being avoided, he added.',
    )
    assert {q.speaker for q in found} == {"Stephen Cape"}


def test_an_office_before_an_honorific_describes_the_person(analyzer: Analyzer) -> None:
    found = quotes(
        analyzer,
        'London mayor Mr Livingstone says he is "standing by" his remarks. But the prime '
        "minister says it is time for Mr Livingstone to say sorry.",
    )
    # The mayor is no prime minister: that office stays unnamed here.
    assert [q.speaker for q in found] == ["Livingstone", "Livingstone", "prime minister"]
