"""Rebuild the sample files `make run` practises with (run from the repository root).

    .venv/bin/python examples/make_examples.py

resume.pdf is typeset from resume.txt with fpdf2; answer.wav is answer.txt spoken by espeak-ng at
140 words per minute, resampled to 16 kHz mono by sox (both Debian packages).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent


def build_resume() -> None:
    pdf = FPDF()
    pdf.add_page()
    for number, line in enumerate((HERE / "resume.txt").read_text().splitlines()):
        heading = number == 0 or (line.isupper() and line.strip())
        pdf.set_font("Helvetica", style="B" if heading else "", size=16 if number == 0 else 10)
        pdf.multi_cell(0, 6 if line else 3, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(HERE / "resume.pdf"))


def build_answer() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(raw), "-f", str(HERE / "answer.txt")],
            check=True,
        )
        subprocess.run(
            ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(HERE / "answer.wav")], check=True
        )


if __name__ == "__main__":
    build_resume()
    build_answer()
