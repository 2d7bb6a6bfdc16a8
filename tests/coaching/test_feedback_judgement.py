"""How the model's judgement becomes the report's text, and what the agent and the fallback are shown."""

from __future__ import annotations

import json
import re
import uuid
from typing import get_args

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_cpp.llama_grammar import LlamaGrammar
from pydantic import ValidationError

from app.services import delivery_metrics
from app.services.agent import AgentTools, opening_messages
from app.services.embedding import EmbeddingService
from app.services.feedback_generation import (
    QUOTE_CHARS,
    REMARK_CHARS,
    Coverage,
    FeedbackJudgement,
    StarComponentJudgement,
    build_report,
    component_text,
    fallback_prompt,
    measured_delivery_call,
    quotes_the_answer,
)

TRANSCRIPT = (
    "Um, our checkout API was slow at peak. I was the tech lead, and my task was to bring it under "
    "200 milliseconds. I profiled it, fixed two N+1 queries and added an index. Latency fell by half."
)


def judged(quote: str, coverage: Coverage = "specific") -> StarComponentJudgement:
    return StarComponentJudgement(quote=quote, assessment="Specific  and\nmeasurable.", coverage=coverage)


def test_a_quote_found_in_the_answer_is_shown_with_the_assessment() -> None:
    # Case, punctuation and spacing aside, the words are the candidate's.
    text = component_text(judged("my task was to bring it under 200  milliseconds."), TRANSCRIPT)
    assert text == 'Specific and measurable. You said: "my task was to bring it under 200 milliseconds."'


@pytest.mark.parametrize("assessment", ["25", "15.", " - "])
def test_an_assessment_without_words_is_refused(assessment: str) -> None:
    # The model once wrote its points into the assessment, which the report showed as the judgement.
    with pytest.raises(ValidationError, match="must say in words"):
        StarComponentJudgement(quote="", assessment=assessment, coverage="specific")


def test_a_quote_cut_by_its_cap_keeps_its_whole_words() -> None:
    cut = TRANSCRIPT[:QUOTE_CHARS]
    assert cut.endswith("I profil")  # "I profiled it", stopped by the grammar's cap
    text = component_text(judged(cut), TRANSCRIPT)
    assert text.endswith('You said: "' + cut.removesuffix(" profil") + '"')


def test_a_quote_the_candidate_never_said_is_dropped() -> None:
    # What a small model copies from the knowledge base's example answers instead.
    assert component_text(judged("I started by adding tracing to the request path"), TRANSCRIPT) == (
        "Specific and measurable."
    )
    assert component_text(judged(""), TRANSCRIPT) == "Specific and measurable."
    assert (
        component_text(judged("Latency fell"), TRANSCRIPT) == "Specific and measurable."
    )  # too short to tell


def test_the_report_quotes_the_transcript_and_keeps_the_formulas() -> None:
    judgement = FeedbackJudgement(
        situation=judged("our checkout API was slow at peak", "specific"),
        task=judged("invented words", "vague"),
        action=judged("fixed two N+1 queries and added an index", "specific"),
        result=judged("", "barely mentioned"),
        overall_assessment="Good.",
        recommendations=["One.", "Two.", "Three."],
    )
    metrics = delivery_metrics.analyze(TRANSCRIPT, 12.0)
    report = build_report(judgement, metrics, TRANSCRIPT)
    assert report.star_analysis.situation.endswith('You said: "our checkout API was slow at peak"')
    assert "You said" not in report.star_analysis.task
    # The spec's points: 25 specific, 15 vague, 5 barely mentioned.
    assert report.star_quality == 70
    confidence = delivery_metrics.confidence_score(
        metrics.filler_word_count, metrics.total_words, metrics.pace_rating
    )
    delivery = delivery_metrics.delivery_quality(metrics.pace_rating, metrics.filler_word_count)
    assert report.overall_score == round(delivery_metrics.overall_score(70, delivery, confidence), 2)


def test_the_fallback_reads_short_notes_before_the_answer() -> None:
    passage = "Lead with the situation. " + "Give numbers. " * 200
    measured = {"filler_word_count": 1, "words_per_minute": 140.0, "pace_rating": 10.0}
    prompt = fallback_prompt("Tell me about a time.", TRANSCRIPT, measured, [passage, passage, passage])
    assert prompt.count("Lead with the situation.") == 2  # two passages, not three
    assert len(prompt) < 2 * 600 + len(TRANSCRIPT) + 1500
    assert prompt.index("Coaching notes") < prompt.index(TRANSCRIPT) < prompt.index("STAR component")


async def test_the_agent_starts_with_the_delivery_measured(embeddings: EmbeddingService) -> None:
    tools = AgentTools(
        session_factory=None,  # type: ignore[arg-type]  # the metrics read no database
        embeddings=embeddings,
        user_id=uuid.uuid4(),
        audio_duration_seconds=12.0,
    )
    messages = await opening_messages(
        "Judge it.", [measured_delivery_call(TRANSCRIPT)], tools.as_langchain_tools()
    )
    request, call, result = messages
    assert isinstance(request, HumanMessage)
    assert isinstance(call, AIMessage)
    assert call.tool_calls[0]["name"] == "analyze_delivery_metrics"
    assert call.tool_calls[0]["args"] == {"transcript": TRANSCRIPT}
    assert isinstance(result, ToolMessage)
    assert result.tool_call_id == call.tool_calls[0]["id"]
    measured = delivery_metrics.analyze(TRANSCRIPT, 12.0)
    assert json.loads(str(result.content)) == {
        "filler_word_count": measured.filler_word_count,
        "words_per_minute": round(measured.words_per_minute, 2),
        "pace_rating": round(measured.pace_rating, 2),
    }
    assert tools.calls == ["analyze_delivery_metrics"]


def test_a_judgement_that_quotes_nothing_of_the_answer_is_not_about_it() -> None:
    def judgement(*quotes: str) -> FeedbackJudgement:
        return FeedbackJudgement(
            situation=judged(quotes[0]),
            task=judged(quotes[1]),
            action=judged(quotes[2]),
            result=judged(quotes[3]),
            overall_assessment="Good.",
            recommendations=["One.", "Two.", "Three."],
        )

    # A weak answer may leave components unquoted; one that is quoted is enough.
    assert quotes_the_answer(judgement("", "", "fixed two N+1 queries", ""), TRANSCRIPT)
    # Four quotes from an example answer in the knowledge base, none from the candidate.
    example = "I started by adding tracing to the request path"
    assert not quotes_the_answer(judgement(example, example, example, ""), TRANSCRIPT)


def test_the_schema_holds_the_local_model_to_one_short_sentence_each() -> None:
    schema = FeedbackJudgement.model_json_schema()
    assessment = schema["$defs"]["StarComponentJudgement"]["properties"]["assessment"]
    assert assessment["maxLength"] == REMARK_CHARS + 1
    assert schema["properties"]["recommendations"]["maxItems"] == 3
    # llama-cpp-python turns a schema it cannot convert into a grammar for any JSON at all, silently.
    # (verbose: the quiet mode leaks a file handle)
    grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=True)._grammar
    assert r'StarComponentJudgement-assessment-1 ::= [^."\\\n\r]' in grammar
    sentence = re.compile(assessment["pattern"])
    assert sentence.match("Names the API and its latency target.")
    assert not sentence.match("Names the API. And its target.")
    assert not sentence.match("x" * (REMARK_CHARS + 1))


def test_each_coverage_is_worth_the_specs_points_and_nothing_else_is_accepted() -> None:
    points = {coverage: judged("", coverage).points for coverage in get_args(Coverage)}
    assert points == {"specific": 25, "vague": 15, "barely mentioned": 5, "missing": 0}
    with pytest.raises(ValidationError):
        StarComponentJudgement.model_validate({"quote": "", "coverage": "25", "assessment": "Fine."})
    # The local model's grammar offers exactly these four words.
    schema = FeedbackJudgement.model_json_schema()["$defs"]["StarComponentJudgement"]
    assert schema["properties"]["coverage"]["enum"] == list(get_args(Coverage))


def test_a_cloud_model_judgement_longer_than_asked_is_kept() -> None:
    # Only the local grammar enforces the caps; a second sentence is no reason to lose a judgement.
    long = "Clear situation. " * 12
    judgement = FeedbackJudgement(
        situation=judged("our checkout API was slow at peak"),
        task=StarComponentJudgement(quote="", assessment=long, coverage="vague"),
        action=judged(""),
        result=judged(""),
        overall_assessment=long,
        recommendations=["One.", "Two.", "Three.", "Four."],
    )
    assert len(judgement.recommendations) == 4
    assert judgement.task.assessment == long
