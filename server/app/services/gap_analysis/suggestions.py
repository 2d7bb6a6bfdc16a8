"""What the gap analysis says to the candidate in words: its summary and its resume suggestions.

Both are written by code from the assessments, not by the model: the summary counts the requirements
met, partly met and not shown yet; each suggestion names a requirement the resume does not yet show
(partly shown ones first), quotes the resume line it would build on and asks in brackets for the
candidate's own facts, so it can state no achievement the candidate never claimed; with none of
those to make, it asks for a number on a resume line that has none.
"""

from __future__ import annotations

import re

from app.schemas.gap_analysis import RequirementAssessment
from app.services.coaching.facts import invented_facts
from app.services.gap_analysis.requirements import resume_lines

SUGGESTIONS = 3


def summarise(assessments: list[RequirementAssessment]) -> str:
    met = [item for item in assessments if item.status == "met"]
    partial = [item for item in assessments if item.status == "partial"]
    missing = [item for item in assessments if item.status == "missing"]
    summary = (
        f"Your resume clearly covers {len(met)} of the {len(assessments)} requirements"
        f"{f' and partly covers {len(partial)} more' if partial else ''}."
    )
    if missing:
        summary += " Not shown yet: " + "; ".join(item.requirement for item in missing[:6]) + "."
    return summary


def _line_quote(line: str) -> str:
    words = line.split()
    return " ".join(words[:14]) + ("..." if len(words) > 14 else "")


def resume_suggestions(
    assessments: list[RequirementAssessment], closest: list[str | None], resume_text: str
) -> list[str]:
    """Up to three suggestions for the requirements the resume does not yet show, partial ones first.

    Each names the requirement, quotes the resume line it would improve, and asks in brackets for the
    candidate's own fact: written by code, it can state no achievement the candidate never claimed,
    and `invented_facts` refuses one that names a number or tool outside the resume and requirement.
    """
    order = [index for index, item in enumerate(assessments) if item.status == "partial"]
    order += [index for index, item in enumerate(assessments) if item.status == "missing"]
    suggestions: list[str] = []
    for index in order:
        item = assessments[index]
        line = item.evidence or closest[index]
        if line:
            text = (
                f"For '{item.requirement}', build on '{_line_quote(line)}': add [what you did yourself] "
                "and [the result, as a number]."
            )
        else:
            text = (
                f"For '{item.requirement}', if you have done it, add a line saying [where you did it] "
                "and [what came of it, as a number]; if not, be ready to say how you would learn it."
            )
        if not invented_facts(text, [resume_text, item.requirement]):
            suggestions.append(text)
        if len(suggestions) == SUGGESTIONS:
            break
    if not suggestions:
        unmeasured = [line for line in resume_lines(resume_text) if not re.search(r"\d", line)][:1]
        suggestions = [
            f"Every requirement is covered; put a number on '{_line_quote(line)}': "
            "[how much, how many or how fast]."
            for line in unmeasured
        ]
    return suggestions
