"""The deterministic half of the gap analysis: requirements, key terms, and how signals combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.schemas.gap_analysis import RequirementAssessment
from app.services.gap_analysis.judging import Signals, combine, line_named, resume_lines_shown, term_coverage
from app.services.gap_analysis.requirements import job_title, nice_to_have_candidates, requirement_candidates
from app.services.gap_analysis.suggestions import resume_suggestions, summarise
from tests.files import JOB_DESCRIPTION, RESUME_TEXT


def test_requirements_come_from_sentences_bullets_and_comma_lists() -> None:
    requirements = requirement_candidates(JOB_DESCRIPTION)
    assert "Go" in requirements
    assert "Terraform" in requirements
    assert "incident leadership" in requirements
    assert "8+ years of backend experience" in requirements
    bulleted = requirement_candidates(
        "Requirements:\n- 5+ years of Python\n* Kubernetes in production\n1. SQL"
    )
    assert bulleted == ["5+ years of Python", "Kubernetes in production", "SQL"]


def test_a_listed_job_gives_its_listed_items_whole_and_neither_its_pitch_nor_its_extras() -> None:
    example = (Path(__file__).resolve().parents[2] / "examples" / "job_description.txt").read_text()
    assert job_title(example) == "Senior Backend Engineer, Payments Platform"
    assert requirement_candidates(example) == [
        "6+ years of backend development in Python or Go",
        "Designing and operating distributed systems on Kubernetes",
        "PostgreSQL performance tuning and data modelling",
        "Event-driven architectures with Kafka",
        "Infrastructure as code with Terraform",
        "Leading production incidents and writing blameless postmortems",
        "Mentoring engineers and leading technical design reviews",
    ]
    assert nice_to_have_candidates(example) == ["PCI DSS compliance and payment networks"]


def test_requirements_in_prose_under_a_heading_are_its_sentences_and_a_wrapped_bullet_is_one() -> None:
    job = (
        "Frontend Engineer\n\nLedgerlane builds invoicing software for 30,000 small businesses.\n\n"
        "You have\nThree years of React. You care about accessibility, and you write tests with Jest.\n\n"
        "We also look for:\n"
        "- Improving front-end performance using Core Web Vitals, bundle\n  analysis and profiling\n"
    )
    assert requirement_candidates(job) == [
        "Three years of React",
        "You care about accessibility",
        "you write tests with Jest",
        "Improving front-end performance using Core Web Vitals, bundle analysis and profiling",
    ]
    # No heading (the first line is a sentence), so nothing is dropped as a title.
    assert job_title("Python developer wanted.\n\nDjango, PostgreSQL") is None


@pytest.mark.parametrize(
    ("requirement", "coverage"),
    [
        ("Go", 0.0),  # "go" the verb does not count
        ("Python", 1.0),
        ("Terraform", 0.0),
        ("Kubernetes and Docker", 1.0),
        ("PostgreSQL, Kafka and Rust", 2 / 3),
    ],
)
def test_key_terms_are_matched_in_the_resume(requirement: str, coverage: float) -> None:
    assert term_coverage(requirement, RESUME_TEXT + " We will go far.") == pytest.approx(coverage)


@pytest.mark.parametrize(
    ("similarity", "coverage", "model", "status"),
    [
        (0.75, 1.0, "met", "met"),
        (0.75, 1.0, None, "met"),
        (0.10, 0.0, "met", "missing"),  # a weak model's "met" alone cannot outvote both other signals
        (0.10, 0.0, None, "missing"),
        (0.45, 0.5, "partial", "partial"),
        (0.70, 1.0, "missing", "met"),
    ],
)
def test_signals_combine(similarity: float, coverage: float, model: str | None, status: str) -> None:
    signals = Signals(
        similarity=similarity,
        best_line="line",
        coverage=coverage,
        model_status=model,  # type: ignore[arg-type]
        model_evidence=None,
    )
    assert combine(signals) == status


def test_summary_names_what_is_missing() -> None:
    assessments = [
        RequirementAssessment(requirement="Python", status="met", evidence="Skills: Python", similarity=0.8),
        RequirementAssessment(requirement="Go", status="missing", similarity=0.1),
        RequirementAssessment(requirement="Terraform", status="missing", similarity=0.1),
    ]
    assert summarise(assessments) == (
        "Your resume clearly covers 1 of the 3 requirements. Not shown yet: Go; Terraform."
    )


def test_the_model_names_a_resume_line_by_its_label_and_gets_that_line() -> None:
    shown = ["Led the Kafka migration for settlements", "Mentored four engineers"]
    assert resume_lines_shown(shown) == (
        "   a) Led the Kafka migration for settlements\n   b) Mentored four engineers"
    )
    assert resume_lines_shown([]) == "   (no resume lines)"
    assert line_named("b", shown) == "Mentored four engineers"
    assert line_named("a", shown) == "Led the Kafka migration for settlements"
    assert line_named("none", shown) is None
    # A resume of one line shows only "a": naming "b" names nothing.
    assert line_named("b", shown[:1]) is None


def test_nice_to_have_items_are_kept_apart_from_requirements() -> None:
    job = (
        "Data Engineer\n\nRequirements:\n- Strong SQL\n- Streaming ingestion with Kafka\n\n"
        "Nice to have: Dagster, Apache Iceberg or Great Expectations.\n"
        "Experience with Terraform is a plus."
    )
    required = [item.lower() for item in requirement_candidates(job)]
    assert "strong sql" in required
    assert not any("dagster" in item or "terraform" in item for item in required)
    assert nice_to_have_candidates(job) == ["Dagster", "Apache Iceberg", "Great Expectations", "Terraform"]


def test_resume_suggestions_quote_the_resume_and_ask_for_the_candidates_facts() -> None:
    resume = "Jane Doe\n- Moved payments to RabbitMQ, cutting settlement from 2 days to 4 hours."
    line = "Moved payments to RabbitMQ, cutting settlement from 2 days to 4 hours"
    assessments = [
        RequirementAssessment(
            requirement="Event-driven architectures with Kafka",
            status="partial",
            evidence=line,
            similarity=0.5,
        ),
        RequirementAssessment(requirement="Terraform", status="missing", similarity=0.1),
        RequirementAssessment(requirement="Python", status="met", evidence=line, similarity=0.7),
    ]
    suggestions = resume_suggestions(assessments, [line, None, line], resume)
    assert suggestions == [
        f"For 'Event-driven architectures with Kafka', build on '{line}': add [what you did yourself] "
        "and [the result, as a number].",
        "For 'Terraform', if you have done it, add a line saying [where you did it] and [what came of it, "
        "as a number]; if not, be ready to say how you would learn it.",
    ]
