"""Real documents and audio made at test time."""

from __future__ import annotations

import io
import math
import struct
import wave

import docx
from fpdf import FPDF

RESUME_TEXT = (
    "Jordan Rivera - Senior Backend Engineer\n"
    "Experience: Led the migration of a payments API from a monolith to Python microservices, "
    "cutting p99 latency from 900 ms to 180 ms for 2 million daily requests.\n"
    "Built a Kafka event pipeline processing 40k events per second with PostgreSQL and Redis.\n"
    "Mentored four engineers; introduced code review guidelines and on-call runbooks.\n"
    "Skills: Python, FastAPI, PostgreSQL, Redis, Docker, Kubernetes, AWS."
)

JOB_DESCRIPTION = (
    "We are hiring a Staff Software Engineer to lead our platform team. You will design distributed "
    "systems in Python and Go, own our Kubernetes infrastructure, mentor engineers, and partner with "
    "product managers. Requirements: 8+ years of backend experience, Go, Terraform, incident leadership."
)


def make_pdf(text: str = RESUME_TEXT) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in text.splitlines():
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_blank_pdf() -> bytes:
    """A valid PDF with no text at all, like a scanned image."""
    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def make_docx(text: str = RESUME_TEXT) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Certification"
    table.rows[0].cells[1].text = "AWS Solutions Architect"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_wav(seconds: float, *, sample_rate: int = 16000, frequency: float = 220.0) -> bytes:
    frames = int(seconds * sample_rate)
    samples = (int(8000 * math.sin(2 * math.pi * frequency * i / sample_rate)) for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()
