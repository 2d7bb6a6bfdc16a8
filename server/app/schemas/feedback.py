from pydantic import BaseModel, Field


class STARAnalysis(BaseModel):
    situation: str
    task: str
    action: str
    result: str
    overall_assessment: str


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
