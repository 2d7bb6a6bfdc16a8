"""The deterministic parts of the judgement: units of speech, fillers, facts, cues, coverage,
relevance, the improved answer and the findings behind recommendations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.services.coaching import delivery_metrics
from app.services.coaching.coverage import coverage, coverages_of, star_quality, tells_a_story
from app.services.coaching.cues import LABELS, role_cues
from app.services.coaching.evidence import (
    LabelledUnit,
    evidence_by_component,
    in_story_order,
    label_units,
    read_bank,
    star_bank,
)
from app.services.coaching.facts import invented_facts
from app.services.coaching.improved_answer import MISSING_PROMPTS, THIN_PROMPTS, improved_answer
from app.services.coaching.recommendations import find_findings
from app.services.coaching.relevance import (
    CLEARLY_OFF,
    CLEARLY_ON,
    OFF_THEME,
    NamedEvent,
    ThemeReading,
    judge_relevance,
    named_event,
    question_bank,
    read_demands,
    read_questions,
    read_themes,
)
from app.services.coaching.report import component_text, relevance_explanation
from app.services.coaching.transcript import Unit, split_units, without_fillers
from app.services.embedding import EmbeddingService, unit_rows

ANSWER = (
    "Um, so, in my last role our checkout API was, like, really slow, around 900 milliseconds. "
    "I was the tech lead, and my task was to bring it under 200 milliseconds before the sale. "
    "I profiled the service and found two N plus one queries, so I rewrote them and added a Redis cache "
    "in front of the catalogue, and then I also, you know, added a load test to our CI pipeline. "
    "In the end, latency dropped to 180 milliseconds."
)


SAMPLE_ANSWER = (Path(__file__).resolve().parents[2] / "examples" / "answer.txt").read_text()


def units_of(*texts: str) -> list[Unit]:
    return [Unit(index=index, text=text, start=0) for index, text in enumerate(texts)]


def test_units_are_the_transcripts_own_spans_and_long_run_ons_are_cut_at_their_joints() -> None:
    units = split_units(ANSWER)
    assert [ANSWER[unit.start : unit.end] for unit in units] == [unit.text for unit in units]
    assert [unit.text[:24] for unit in units] == [
        "Um, so, in my last role ",
        "I was the tech lead, and",
        "I profiled the service a",
        "so I rewrote them and ad",
        "and then I also, you kno",
        "In the end, latency drop",
    ]


def test_a_run_on_sentence_is_cut_where_the_candidate_turns_to_what_they_did() -> None:
    said = (
        "I was the engineer on call for that model, and I had to decide within a day whether to roll it back."
    )
    assert [unit.text for unit in split_units(said)] == [
        "I was the engineer on call for that model",
        "and I had to decide within a day whether to roll it back.",
    ]
    short = "I was the tech lead, and my task was to fix it."
    assert [unit.text for unit in split_units(short)] == [short]


def test_a_decimal_point_or_a_version_does_not_end_a_sentence() -> None:
    said = "At 3.40 in the morning our v2.1 API went down. I paged the team."
    assert [unit.text for unit in split_units(said)] == [
        "At 3.40 in the morning our v2.1 API went down.",
        "I paged the team.",
    ]


def test_a_sentence_of_fillers_alone_is_no_unit() -> None:
    assert [unit.text for unit in split_units("Um, uh. You know. I fixed it.")] == ["I fixed it."]


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("Um, so, our API was, like, really slow.", "Our API was really slow."),
        ("I'd like to say that I, uh, kind of fixed it.", "I'd like to say that I fixed it."),
        ("Like, I was sort of the lead, you know.", "I was the lead."),
        ("What kind of database, um, did we pick?", "What database did we pick?"),
    ],
)
def test_fillers_come_out_and_every_other_word_stays(said: str, written: str) -> None:
    assert without_fillers(said) == written


@pytest.mark.parametrize(
    ("text", "invented"),
    [
        ("Latency dropped to 180 milliseconds.", []),
        ("Latency dropped to one hundred and eighty milliseconds.", []),
        ("I cut query time by 30 percent with Kafka.", ["30", "kafka"]),
        ("The Redis cache in front of the catalogue.", []),
        ("[The result, as a number: 40 percent?] I added a load test.", []),
        ("I led a team of twelve at Stripe.", ["12", "stripe"]),
        ("Tell it in STAR order, Situation first.", []),
    ],
)
def test_a_fact_counts_as_given_only_when_the_sources_give_it(text: str, invented: list[str]) -> None:
    assert invented_facts(text, [ANSWER]) == invented


def test_numbers_given_in_words_match_digits_and_the_other_way_round() -> None:
    assert invented_facts("It took nine hundred milliseconds.", ["around 900 ms"]) == []
    assert invented_facts("It took 250 ms.", ["two hundred and fifty milliseconds"]) == []
    assert invented_facts("It took 251 ms.", ["two hundred and fifty milliseconds"]) == ["251"]


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("I also, you know, added a load test to our CI pipeline.", "action"),
        ("My task was to bring it under 200 milliseconds.", "task"),
        ("My lead Dariusz asked me to halve the regression time by June.", "task"),
        ("My district manager Teodoro gave me three months to get that store above eighty.", "task"),
        ("One of my jobs was to reconcile every invoice against its purchase order.", "task"),
        ("I was the backend engineer assigned to build database branching for the launch.", "task"),
        ("The clinic's owner told me to get the waiting list under a month.", "task"),
        ("The ask from the regional director was a plan for all nine depots.", "task"),
        ("In the end, latency dropped to 180 milliseconds.", "result"),
        ("At my last company our deploys kept failing.", "situation"),
        ("In late 2020 the clinic's booking system crashed most Mondays.", "situation"),
        ("In twenty nineteen the clinic's booking system crashed most Mondays.", "situation"),
        ("I think it's really a matter of trust in general.", "other"),
        ("If you fix the communication, the rest tends to follow.", "other"),
        ("After that, six releases in a row went out on schedule.", "result"),
        ("Our team shipped twice as many features as the quarter before.", "result"),
    ],
)
def test_wording_cues_name_the_role(text: str, role: str) -> None:
    cues = role_cues(text)
    assert cues[role] == 1.0
    assert sum(cues.values()) == 1.0, cues


def test_a_year_sets_the_scene_only_as_a_time() -> None:
    # A transcript writes the year in digits; a count of 2020 items is no time.
    assert role_cues("The depot shipped 2020 pallets that week.")["situation"] == 0.0
    assert role_cues("in 20200 cases")["situation"] == 0.0


def test_a_responsibility_that_fell_to_the_speaker_is_a_task() -> None:
    assert role_cues("It fell to me to correct the figures before the budget meeting.")["task"] == 1.0
    assert role_cues("The price fell to ten dollars before the budget meeting.")["task"] == 0.0


def test_a_target_to_cut_something_is_a_task_not_a_result() -> None:
    assert role_cues("The board gave me two quarters to cut the waiting time.") == {
        **dict.fromkeys(LABELS, 0.0),
        "task": 1.0,
    }
    assert role_cues("Within two quarters we cut the waiting time.")["result"] == 1.0
    # Told something is news, not a job given.
    assert role_cues("The foreman told me that the crane had failed its inspection.")["task"] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "I would probably talk to them first.",
        "So if I had to give someone hard news, I'd set up a one on one and explain my reasons.",
        "I'll keep it to the numbers, since they say it best.",
        "Looking back, I could have flagged it to the client sooner.",
    ],
)
def test_what_one_would_do_is_no_task_action_or_result(text: str) -> None:
    cues = role_cues(text)
    assert cues["task"] == cues["action"] == cues["result"] == 0.0
    assert cues["other"] > max(cues["situation"], 1.0)


def test_what_was_possible_is_no_hypothetical() -> None:
    assert role_cues("My responsibility was to save as much of the income as I could.") == {
        **dict.fromkeys(LABELS, 0.0),
        "task": 1.0,
    }
    assert role_cues("I helped out wherever I could and kept the team updated.")["action"] == 1.0


def test_had_done_is_no_hypothetical_and_the_end_of_a_month_no_result() -> None:
    assert role_cues("By then I'd rewritten the importer and we'd moved every customer over.")["other"] == 0.0
    assert role_cues("The vendor was retiring the old API at the end of the month.")["result"] == 0.0


@pytest.mark.parametrize(
    ("component", "said", "expected"),
    [
        ("result", [], "missing"),
        ("result", ["It worked out."], "barely mentioned"),
        ("result", ["In the end it went well and everybody was happy with it."], "vague"),
        ("result", ["In the end, latency dropped to 180 milliseconds."], "specific"),
        ("action", ["I worked with the team on it and we sorted things out."], "vague"),
        ("action", ["I profiled the service, rewrote two queries and added a Redis cache."], "specific"),
        ("situation", ["There were some issues with the system at work back then."], "vague"),
        ("situation", ["In my last role our checkout API took 900 milliseconds at peak."], "specific"),
        ("task", ["I had to fix it somehow, whatever it took."], "vague"),
        ("task", ["My task was to bring checkout under 200 milliseconds before the sale."], "specific"),
        # Three steps in a series after one "I", without a number or a name.
        ("action", ["I traced the slow page, cached the price lookups and trimmed the payload."], "specific"),
        ("action", ["I asked around, tried some fixes, and changed a couple of settings."], "vague"),
        ("action", ["I looked at the metrics, talked to some people and made some improvements."], "vague"),
        # Amounts said in words are figures.
        ("result", ["After that the two ledgers agreed to within a tenth of a percent."], "specific"),
        ("result", ["That cut the time each support agent spent per call by about half."], "specific"),
        # "Kind of" and "sort of" are fillers, counted in delivery and not against the content.
        ("task", ["It was kind of on me to, sort of, get the importer done by the end of June."], "specific"),
    ],
)
def test_coverage_follows_from_what_the_evidence_holds(
    component: str, said: list[str], expected: str
) -> None:
    assert coverage(component, units_of(*said)) == expected


# Written for this test: opinions with no event in them, and a story whose actions are left out.
OPINIONS = (
    "Honestly, I think deadlines are part of every job.",
    "My goal is always to keep people informed early.",
    "In the end, what matters is that the customer is happy with how things went.",
)
STORY_WITHOUT_ACTIONS = (
    "In March our Leeds warehouse was shipping four hundred orders a day, a third of them late.",
    "My job was to get late orders under five percent before the Christmas peak.",
    "By December late orders were down to three percent and complaints had halved.",
)


def test_an_answer_that_tells_no_story_has_its_components_barely_mentioned_at_most() -> None:
    opinions = units_of(*OPINIONS)
    evidence = {"situation": [], "task": opinions[1:2], "action": [], "result": opinions[2:]}
    assert coverage("result", opinions[2:]) == "vague"
    assert not tells_a_story(opinions)
    assert coverages_of(evidence, opinions) == {
        "situation": "missing",
        "task": "barely mentioned",
        "action": "missing",
        "result": "barely mentioned",
    }
    # A story that leaves its actions out still tells of something that happened.
    story = units_of(*STORY_WITHOUT_ACTIONS)
    assert tells_a_story(story)
    # So does one whose names and figures the transcription garbled: it is told in the past.
    garbled = units_of(
        "During a night shift I noticed the guard on the press was closing late.",
        "Nobody had reported it, because everyone had got used to it.",
        "In the end the press was back in safe operation and the order shipped.",
    )
    assert tells_a_story(garbled)
    # One step among opinions is an anecdote, not a story; a second step makes it one.
    anecdote = (
        "Honestly, I think motivation is at the heart of teaching.",
        "Every child wants to do well if you give them the right conditions.",
        "Relationships matter more than any lesson plan.",
        "I stayed behind with one boy a few times after class.",
    )
    assert role_cues(anecdote[-1])["action"] > 0
    assert not tells_a_story(units_of(*anecdote))
    assert tells_a_story(units_of(*anecdote, "I rang his mother and we agreed a reading plan."))
    told = coverages_of(
        {"situation": story[:1], "task": story[1:2], "action": [], "result": story[2:]}, story
    )
    assert told == {"situation": "specific", "task": "specific", "action": "missing", "result": "specific"}


@pytest.mark.parametrize(
    "text",
    [
        "I won the President's Club award twice.",
        "I got promoted to team lead the year after.",
        "We also won the company's operational excellence award.",
    ],
)
def test_recognition_received_is_a_result_not_a_step_taken(text: str) -> None:
    cues = role_cues(text)
    assert (cues["action"], cues["result"]) == (0.0, 1.0)


def test_star_quality_is_the_specs_points_and_half_for_an_answer_to_another_question() -> None:
    coverages = {"situation": "specific", "task": "vague", "action": "barely mentioned", "result": "missing"}
    assert star_quality(coverages, answers_question=True) == 45.0  # type: ignore[arg-type]
    assert star_quality(coverages, answers_question=False) == 22.5  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("similarity", "model", "answers", "decided_by"),
    [
        (0.45, False, True, "similarity"),
        (0.10, True, False, "similarity"),
        (0.25, True, True, "model"),
        (0.25, False, False, "model"),
        (0.25, None, True, "similarity"),
        (0.15, None, False, "similarity"),
    ],
)
def test_relevance_asks_the_model_only_where_similarity_is_unclear(
    similarity: float, model: bool | None, answers: bool, decided_by: str
) -> None:
    verdict = judge_relevance(similarity, model)
    assert (verdict.answers_question, verdict.decided_by) == (answers, decided_by)


def test_an_answer_whose_themes_run_against_the_questions_is_off_question_however_similar() -> None:
    against = ThemeReading(agreement=OFF_THEME - 0.05, answer_theme="tight-deadline")
    verdict = judge_relevance(0.45, True, against)
    assert (verdict.answers_question, verdict.decided_by, verdict.answer_theme) == (
        False,
        "themes",
        "tight-deadline",
    )
    alike = ThemeReading(agreement=OFF_THEME + 0.05, answer_theme="tight-deadline")
    assert judge_relevance(0.45, None, alike).answers_question
    assert not judge_relevance(0.15, None, alike).answers_question


def test_the_question_bank_has_five_questions_in_each_of_its_themes() -> None:
    rows = read_questions()
    assert Counter(Counter(theme for theme, _ in rows).values()) == {5: 24}
    assert len({question for _, question in rows}) == 120


FEEDBACK_QUESTION = (
    "Tell me about a time you received critical feedback from your manager. How did you respond?"
)
# Written for this test: one story that answers the question, one that is about something else.
ON_FEEDBACK = (
    "After my first quarterly review my manager told me my design documents were too long and nobody "
    "read them. It stung, but I asked her for two examples and rewrote one with her in half the length. "
    "Since then I open every document with a one-paragraph summary, and reviews of my designs now take "
    "days instead of weeks."
)
OFF_FEEDBACK = (
    "Last year our nightly batch job started missing its six o'clock deadline because the order table "
    "had tripled. I partitioned the table by month, moved the heavy aggregation into a materialised "
    "view and ran the two halves in parallel. The job now finishes by four, with two hours to spare."
)


# Written for this test: a mistake named in the candidate's words, and a story with no mistake in it.
TOLD_MISTAKE = (
    "I ran the cleanup script against production instead of staging and wiped a day of orders; I should "
    "have checked which database my shell pointed at. I restored them from the backup within the hour."
)
NO_MISTAKE = (
    "We had six weeks to move our builds to a new CI system. I wrote shared templates, moved two "
    "repositories a week, and builds went from forty minutes to eleven."
)


# Written for this test: mistakes told without the word, the way candidates tell them.
UNNAMED_MISTAKES = (
    "I pushed the config change without testing it on a copy of the data, and checkout broke for an hour.",
    "It was on me: the deploy script was mine, so I rolled it back and added a dry run.",
    "I added a guard so that no migration could lock a large table that way again.",
)

MISTAKE_TOLD = NamedEvent("a mistake", True)


@pytest.mark.parametrize(
    ("question", "answer", "event"),
    [
        ("Tell me about a time you made a mistake at work.", TOLD_MISTAKE, NamedEvent("a mistake", True)),
        *(("Tell me about a mistake you made.", told, MISTAKE_TOLD) for told in UNNAMED_MISTAKES),
        ("Tell me about a time you made a mistake at work.", NO_MISTAKE, NamedEvent("a mistake", False)),
        ("Describe a disagreement you had with your boss.", NO_MISTAKE, NamedEvent("a disagreement", False)),
        (
            "Describe a disagreement you had with your manager.",
            "I told her I was not convinced.",
            NamedEvent("a disagreement", True),
        ),
        (
            "What is the hardest feedback you have received?",
            NO_MISTAKE,
            NamedEvent("criticism you received", False),
        ),
        # Someone else's mistake, found and fixed, is not a mistake of one's own.
        (
            "Tell me about a mistake you made and how you fixed it.",
            "The supplier billed us twice for the same crates; they admitted the mistake and refunded us.",
            NamedEvent("a mistake", False),
        ),
        # A deadline met early does not answer a question about one that was missed.
        ("Tell me about a time you missed a deadline.", NO_MISTAKE, NamedEvent("a missed deadline", False)),
        (
            "Tell me about a time you missed a deadline.",
            "By the second week it was clear we would not make the date, so I told the client on Monday.",
            NamedEvent("a missed deadline", True),
        ),
        (
            "Give an example of a time you had to say no to a customer request.",
            "The client wanted a custom export, so I built it in a week and they renewed.",
            NamedEvent("saying no", False),
        ),
        (
            "Give an example of a time you had to say no to a customer request.",
            "I explained why we could not promise a custom export and offered them an alternative.",
            NamedEvent("saying no", True),
        ),
        (
            "Tell me about a time you convinced senior leadership to change direction.",
            "Leadership decided to move sales online, and I built the quoting flow they asked for.",
            NamedEvent("persuading someone", False),
        ),
        # Giving feedback is not answered by a story of collecting it.
        (
            "Describe a time you had to give difficult feedback to someone on your team.",
            "I put a feedback survey in the app and called forty merchants; the feedback was clear.",
            NamedEvent("feedback you gave", False),
        ),
        (
            "Describe a time you had to give difficult feedback to someone on your team.",
            "I sat down with Omar and went through his last three reports, which kept missing the totals.",
            NamedEvent("feedback you gave", True),
        ),
        # Bad news delivered is no feedback given; it is told by telling people.
        (
            "Describe a time you had to deliver bad news to a group of people.",
            "I gathered the volunteers in person and explained exactly why the session would end.",
            NamedEvent("bad news", True),
        ),
        # A lost deal told by what happened, without "lost".
        (
            "Tell me about a time you lost a big deal or a key client.",
            "Two weeks before the decision their buyer told me they had signed with a cheaper supplier.",
            NamedEvent("a failure", True),
        ),
        (
            "Describe a time you disagreed with a decision your organisation made.",
            "I felt that was the wrong call, so I made the case to my director with the ticket data.",
            NamedEvent("a disagreement", True),
        ),
        (
            "Tell me about a project of yours that did not meet its goals.",
            "We set out to sign up fifty schools and reached seventy by June, under budget.",
            NamedEvent("a failure", False),
        ),
        (
            "How did you use customer feedback?",
            "Support complaints about the date picker doubled, so I rebuilt it.",
            NamedEvent("feedback", True),
        ),
        (
            "Tell me about a project that failed.",
            "Only nine people used the bot in a month, so we retired it.",
            NamedEvent("a failure", True),
        ),
        (
            "Tell me about a difficult stakeholder you worked with.",
            NO_MISTAKE,
            NamedEvent("a difficult stakeholder", False),
        ),
        # A question naming no event asks for none.
        ("Tell me about a time you improved a build pipeline.", NO_MISTAKE, None),
    ],
)
def test_a_question_naming_an_event_wants_the_answer_to_speak_of_one(
    question: str, answer: str, event: NamedEvent | None
) -> None:
    assert named_event(question, answer) == event


def test_the_event_a_question_names_decides_relevance_both_ways_however_similar() -> None:
    unmet = judge_relevance(CLEARLY_ON + 0.2, True, None, NamedEvent("a mistake", False))
    assert (unmet.answers_question, unmet.decided_by, unmet.unmet_demand) == (False, "demand", "a mistake")
    assert "never speaks of a mistake" in relevance_explanation(unmet, "Tell me about a mistake you made?")
    # A story that tells the event answers it, however far a garbled transcript reads from the question.
    told = judge_relevance(CLEARLY_OFF - 0.1, False, None, NamedEvent("a mistake", True))
    assert (told.answers_question, told.decided_by, told.unmet_demand) == (True, "demand", None)
    # Themes that run against the question's still say it is about something else.
    against = ThemeReading(agreement=OFF_THEME - 0.05, answer_theme="tight-deadline")
    assert not judge_relevance(0.45, True, against, NamedEvent("a mistake", True)).answers_question


def _scores(**given: float) -> dict[str, float]:
    return {"situation": 0.0, "task": 0.0, "action": 0.0, "result": 0.0, "other": 0.0, **given}


def test_a_unit_between_two_parts_leans_to_story_order_and_a_clear_step_back_stays() -> None:
    story = [
        _scores(situation=1.0),
        # Nearly as much situation as result, said before the task and the actions.
        _scores(situation=0.5, result=0.55),
        _scores(task=1.0),
        _scores(action=1.0),
        _scores(result=1.0),
        # A clear task after the result ("my job now is...") keeps its label.
        _scores(task=1.0, result=0.1),
    ]
    assert in_story_order(story, backward=0.0)[1] == "result"
    ordered = ["situation", "situation", "task", "action", "result", "task"]
    assert in_story_order(story, backward=0.2) == ordered


def test_the_demands_file_is_read_whole_and_a_bad_line_is_refused(tmp_path: Path) -> None:
    assert {demand.what for demand in read_demands()} >= {"a mistake", "a disagreement", "feedback"}
    bad = tmp_path / "demands.tsv"
    bad.write_text("a mistake\tmistake\n")
    with pytest.raises(ValueError, match="line 1"):
        read_demands.__wrapped__(bad)


async def test_a_story_about_something_else_reads_against_the_questions_themes(
    embeddings: EmbeddingService,
) -> None:
    bank = await question_bank(embeddings)
    question, on, off = unit_rows(
        await embeddings.embed_texts([FEEDBACK_QUESTION, ON_FEEDBACK, OFF_FEEDBACK])
    )
    on_reading, off_reading = read_themes(question, on, bank), read_themes(question, off, bank)
    assert on_reading.answer_theme == "receiving-feedback"
    assert on_reading.agreement > OFF_THEME
    # The story about something else reads as another theme and runs against the question's profile
    # (this one not far enough to be called off-question by itself: the rule leans to "answers").
    assert off_reading.answer_theme != "receiving-feedback"
    assert off_reading.agreement < 0 < on_reading.agreement


def test_the_improved_answer_keeps_the_candidates_words_in_star_order_and_asks_for_the_rest() -> None:
    result, action, situation = units_of(
        "And latency, um, dropped a lot.", "So I rewrote the queries.", "Our checkout API was slow at 900 ms."
    )
    evidence = {"situation": [situation], "task": [], "action": [action], "result": [result]}
    coverages = {"situation": "specific", "task": "missing", "action": "vague", "result": "vague"}
    rewrite = improved_answer(evidence, coverages, ANSWER)  # type: ignore[arg-type]
    assert rewrite == " ".join(
        [
            "Our checkout API was slow at 900 ms.",
            MISSING_PROMPTS["task"],
            "I rewrote the queries.",
            THIN_PROMPTS["action"],
            "Latency dropped a lot.",
            THIN_PROMPTS["result"],
        ]
    )


def test_a_task_said_in_passing_inside_a_step_stands_for_the_task_too() -> None:
    situation, step, other_step, result = units_of(
        "Our ticket office phoned three hundred riders by hand for every cancelled sailing.",
        "Since keeping riders informed was part of my job, I set up a text alert list on Twilio.",
        "I also wrote the script the clerks read out.",
        "Notices now go out in four minutes.",
    )
    labels = ["situation", "action", "action", "result"]
    evidence = evidence_by_component(
        [
            LabelledUnit(unit, label, {})
            for unit, label in zip([situation, step, other_step, result], labels, strict=True)
        ]
    )
    assert evidence["task"] == [step]
    assert evidence["action"] == [step, other_step]
    # Steps with no responsibility stated in them leave the task missing.
    steps_only = evidence_by_component(
        [LabelledUnit(other_step, "action", {}), LabelledUnit(result, "result", {})]
    )
    assert steps_only["task"] == []
    (award,) = units_of("My manager asked me to present it at the all hands.")
    after_the_outcome = evidence_by_component(
        [LabelledUnit(result, "result", {}), LabelledUnit(award, "result", {})]
    )
    assert after_the_outcome["task"] == []
    # The unit is told once in the rewrite.
    coverages = {"situation": "specific", "task": "specific", "action": "specific", "result": "specific"}
    transcript = " ".join(unit.text for unit in (situation, step, other_step, result))
    rewrite = improved_answer(evidence, coverages, transcript)  # type: ignore[arg-type]
    assert rewrite is not None
    assert rewrite.count("Since keeping riders informed") == 1
    assert rewrite.index("I also wrote") > rewrite.index("Since keeping riders informed")


def test_an_improved_answer_stating_a_fact_nobody_gave_is_refused() -> None:
    (said,) = units_of("We moved billing to Kafka.")
    evidence = {"situation": [said], "task": [], "action": [], "result": []}
    coverages = {"situation": "vague", "task": "missing", "action": "missing", "result": "missing"}
    assert improved_answer(evidence, coverages, "We moved billing to a queue.") is None  # type: ignore[arg-type]
    assert improved_answer(evidence, coverages, "We moved billing to Kafka.") is not None  # type: ignore[arg-type]


def test_findings_name_what_is_missing_or_thin_and_quote_the_candidate() -> None:
    situation, action = units_of("Our deploys kept failing at my last job.", "We kind of fixed things.")
    evidence = {"situation": [situation], "task": [], "action": [action], "result": []}
    coverages = {"situation": "specific", "task": "missing", "action": "vague", "result": "missing"}
    transcript = f"{situation.text} {action.text}"
    metrics = delivery_metrics.analyze(transcript, 60.0)
    found = find_findings("Tell me about a failure.", transcript, [situation, action], evidence,
                          coverages, True, metrics)  # type: ignore[arg-type]  # fmt: skip
    kinds = [finding.kind for finding in found]
    assert kinds[:4] == ["missing-task", "missing-result", "thin-action", "we"]
    assert "'We kind of fixed things'" in found[2].advice
    assert "'Our deploys kept failing at my last job'" in found[0].advice
    assert "pace" in kinds  # 16 words a minute
    assert "relevance" not in kinds


def test_an_answer_to_another_question_is_told_so_first() -> None:
    (action,) = units_of("I rewrote the billing service in Go over six weeks.")
    evidence = {"situation": [], "task": [], "action": [action], "result": []}
    coverages = {"situation": "missing", "task": "missing", "action": "specific", "result": "missing"}
    metrics = delivery_metrics.analyze(action.text, 4.0)
    found = find_findings("Tell me about a conflict with a colleague?", action.text, [action], evidence,
                          coverages, False, metrics)  # type: ignore[arg-type]  # fmt: skip
    assert found[0].kind == "relevance"
    assert "'Tell me about a conflict with a colleague'" in found[0].advice


def test_the_example_bank_is_balanced_and_a_bad_label_is_refused(tmp_path: Path) -> None:
    rows = read_bank()
    assert Counter(label for label, _ in rows) == dict.fromkeys(LABELS, 120)
    bad = tmp_path / "bank.tsv"
    bad.write_text("# comment\nsituation\tOur API was slow.\noutcome\tIt got fast.\n")
    with pytest.raises(ValueError, match="line 3"):
        read_bank(bad)


async def test_the_sample_answers_sentences_get_the_labels_a_coach_would_give(
    embeddings: EmbeddingService,
) -> None:
    units = split_units(SAMPLE_ANSWER)
    vectors = unit_rows(await embeddings.embed_texts([unit.text for unit in units]))
    labels = [item.label for item in label_units(units, vectors, await star_bank(embeddings))]
    # Labelled by hand: the slow API, the lead's role and goal, three steps taken, two outcomes.
    assert labels == ["situation", "task", "task", "action", "action", "action", "result", "result"]


def test_a_component_quotes_neighbouring_sentences_as_said_and_others_apart() -> None:
    transcript = (
        "I was the tech lead on the payments team that quarter, and my task was to fix checkout before the "
        "sale. Then I slept. I added an index."
    )
    units = split_units(transcript)
    assert [unit.text for unit in units][1] == "and my task was to fix checkout before the sale."
    told = component_text("task", "specific", [units[0], units[1], units[3]], transcript)
    assert told.endswith(
        '"I was the tech lead on the payments team that quarter, and my task was to fix checkout before '
        'the sale. ... I added an index."'
    )
