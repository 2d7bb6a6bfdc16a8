from __future__ import annotations

from app.services.gap_analysis.standalone import mark_analysis_failed, run_analysis
from app.services.jobs.dispatch import TaskName
from app.services.jobs.tracking import GAP_ANALYSES
from app.workers.base import AscendTask
from app.workers.celery_app import celery_app


class GapAnalysisTask(AscendTask):
    abstract = True
    mark_failed = staticmethod(mark_analysis_failed)
    tracked = GAP_ANALYSES


@celery_app.task(bind=True, base=GapAnalysisTask, name=TaskName.RUN_GAP_ANALYSIS)
def run_gap_analysis(self: GapAnalysisTask, analysis_id: str) -> None:
    """Judge every requirement of a job description against a resume."""
    self.run_job(run_analysis, analysis_id)
