from typing import Literal

from pydantic import BaseModel, Field


class STARAnalysis(BaseModel):
    situation: str
    task: str
    action: str
    result: str
    overall_assessment: str
    # Additive: per component its coverage and evidence sentences.
    components: "StarEvidence | None" = None


class DeliveryMetrics(BaseModel):
    filler_word_count: int
    words_per_minute: float
    pace_rating: float = Field(
        ge=0, le=10, description="0-10 scale calculated from WPM. Ideal: 140-160 WPM = 10"
    )
    confidence_score: float = Field(
        ge=0,
        le=10,
        description="0-10 scale based on filler word ratio, pace consistency, and statement strength",
    )


class FeedbackReport(BaseModel):
    star_analysis: STARAnalysis
    delivery_metrics: DeliveryMetrics
    recommendations: list[str] = Field(min_length=3, max_length=5)
    overall_score: float = Field(
        ge=0,
        le=100,
        description="0-100 scale. Weighted: (STAR × 0.5) + (Delivery × 0.3) + (Confidence × 10 × 0.2)",
    )
    # Additive to the spec: the two component scores the overall score is made of, so a client can
    # show them without redoing the arithmetic.
    star_quality: float | None = Field(default=None, ge=0, le=100)
    delivery_quality: float | None = Field(default=None, ge=0, le=100)
    # Additive: whether the answer addresses its question (said first when it does not), and the answer
    # rewritten in STAR order from the candidate's own words, a bracketed prompt for each missing fact.
    relevance: "Relevance | None" = None
    improved_answer: str | None = None


# Additive to the spec: the evidence a report rests on. Each STAR component's coverage (which gives the
# spec's 25/15/5/0 points) and the candidate's own sentences that show it, verbatim from the transcript.
Coverage = Literal["specific", "vague", "barely mentioned", "missing"]


class StarComponentEvidence(BaseModel):
    coverage: Coverage
    points: int = Field(ge=0, le=25)
    evidence: list[str] = Field(default_factory=list)


class StarEvidence(BaseModel):
    situation: StarComponentEvidence
    task: StarComponentEvidence
    action: StarComponentEvidence
    result: StarComponentEvidence


class Relevance(BaseModel):
    answers_question: bool
    explanation: str


STARAnalysis.model_rebuild()
FeedbackReport.model_rebuild()
