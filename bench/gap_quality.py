"""The gap-analysis half of the coaching-quality bench: the labelled resume/job pairs' analyses scored.

Each pair of `coaching_set/gap_pairs.toml` (its resume made a PDF) goes through the running stack's
`POST /gap-analysis`; its extracted requirements are matched to the labelled ones by shared content
words, and `GapTally` counts those found, their status, fragments, doubles, nice-to-have items and
invented facts in the resume suggestions. `python -m bench.bench_coaching_quality` runs it after the
answers (`--part gaps`: alone).
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.coaching_common import SET, WAIT_SECONDS, unsupported_tokens

CONTENT_WORD = re.compile(r"[a-z0-9][a-z0-9+#.]*")
STOP = frozenset(
    re.split(r"\s+", "a an and the of to in on for with or as at by from your you our we is are be")
)


def content_words(text: str) -> set[str]:
    return {word.rstrip(".") for word in CONTENT_WORD.findall(text.lower())} - STOP


def overlap(a: str, b: str) -> float:
    """Shared content words over the shorter side's: "Leading production incidents" in "Leading
    production incidents and writing blameless postmortems" is a match."""
    left, right = content_words(a), content_words(b)
    return len(left & right) / max(1, min(len(left), len(right)))


MATCH = 0.6


@dataclass
class GapTally:
    labelled: int = 0
    found: int = 0
    status_right: int = 0
    extracted: int = 0
    unmatched: list[str] = field(default_factory=list)
    doubled: int = 0
    nice_as_requirement: int = 0
    nice_found: int = 0
    nice_labelled: int = 0
    suggestions: int = 0
    invented: list[str] = field(default_factory=list)

    def add(self, pair: dict[str, Any], analysis: dict[str, Any]) -> None:
        labels = pair["requirement"]
        extracted = analysis["requirements"]
        self.labelled += len(labels)
        self.extracted += len(extracted)
        taken: dict[int, int] = {}
        for item in extracted:
            wordings = [[label["text"], *label.get("duplicates", [])] for label in labels]
            scores = [max(overlap(item["requirement"], text) for text in texts) for texts in wordings]
            best = max(range(len(labels)), key=lambda index: scores[index])
            nice = any(overlap(item["requirement"], n["text"]) >= MATCH for n in pair.get("nice_to_have", []))
            if scores[best] < MATCH:
                if nice:
                    self.nice_as_requirement += 1
                else:
                    self.unmatched.append(item["requirement"])
                continue
            taken[best] = taken.get(best, 0) + 1
            if taken[best] == 1:
                self.found += 1
                self.status_right += item["status"] == labels[best]["label"]
            else:
                self.doubled += 1
        nice_labels = pair.get("nice_to_have", [])
        self.nice_labelled += len(nice_labels)
        self.nice_found += sum(
            any(
                overlap(item["requirement"], label["text"]) >= MATCH
                for item in analysis.get("nice_to_have", [])
            )
            for label in nice_labels
        )
        self.suggestions += len(analysis["resume_suggestions"])
        requirement_texts = " ".join(item["requirement"] for item in extracted)
        for suggestion in analysis["resume_suggestions"]:
            self.invented += unsupported_tokens(suggestion, [pair["resume"], requirement_texts])

    def rows(self) -> list[str]:
        return [
            f"| labelled requirements found | {self.found}/{self.labelled} |",
            f"| status right (met/partial/missing) on those found | {self.status_right}/{self.found} |",
            f"| extracted requirements matching no labelled one (fragments, pitch) | {len(self.unmatched)}/"
            f"{self.extracted} |",
            f"| a labelled requirement extracted twice | {self.doubled} |",
            f"| nice-to-have items counted as requirements | {self.nice_as_requirement} |",
            f"| nice-to-have items found as such | {self.nice_found}/{self.nice_labelled} |",
            f"| invented numbers/names in {self.suggestions} resume suggestions | {len(self.invented)} |",
        ]


def judge_gaps(only: str | None, folder: Path, say: Callable[[str], None]) -> dict[str, GapTally]:
    from fpdf import FPDF

    from bundled_services.practice import PracticeClient, embedded_connection

    pairs = tomllib.loads((SET / "gap_pairs.toml").read_text())["pair"]
    tallies: dict[str, GapTally] = {}
    with embedded_connection(lambda _message: None) as connection:
        client = PracticeClient(connection, lambda _message: None)
        try:
            for pair in pairs:
                if only not in (None, pair["split"]):
                    continue
                pdf = FPDF()
                pdf.add_page()
                pdf.set_font("Helvetica", size=10)
                for line in pair["resume"].strip().splitlines():
                    pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
                resume = folder / f"{pair['id']}.pdf"
                pdf.output(str(resume))
                resume_id = client.upload_resume(resume)
                started = time.monotonic()
                body = client._call(
                    "POST",
                    "/gap-analysis",
                    json={"resume_id": resume_id, "job_description": pair["job_description"]},
                )
                status = client.wait(
                    f"/gap-analysis/{body['analysis_id']}", "status", "gap analysis", WAIT_SECONDS
                )
                if status["status"] != "complete":
                    raise SystemExit(f"{pair['id']}: {status.get('failure_reason')}")
                tally = tallies.setdefault(pair["split"], GapTally())
                tally.add(pair, status["result"])
                say(f"{pair['id']}: gap analysis in {time.monotonic() - started:.1f} s")
        finally:
            client.close()
    return tallies


def print_gaps(tallies: dict[str, GapTally], title: str) -> None:
    for split, tally in sorted(tallies.items()):
        print(f"\n### {title}: {split}\n\n| measure | value |\n|---|---:|")
        print("\n".join(tally.rows()))
        if tally.unmatched:
            print(f"\nUnmatched ({split}): " + "; ".join(tally.unmatched))
        if tally.invented:
            print(f"\nInvented ({split}): " + ", ".join(tally.invented))
