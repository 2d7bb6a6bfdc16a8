"""Real documents and audio made at test time."""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
import zlib

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


def make_docx_bomb(inflated_bytes: int = 300 * 1024 * 1024) -> bytes:
    """A real DOCX whose main part inflates to `inflated_bytes` (whitespace inside the body), written
    in slices so the test itself never holds it."""
    original = zipfile.ZipFile(io.BytesIO(make_docx()))
    main = original.read("word/document.xml")
    head, separator, tail = main.partition(b"<w:body>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, original.read(item))
        with bomb.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head + separator)
            slice_ = b" " * (1024 * 1024)
            for _ in range(inflated_bytes // len(slice_)):
                part.write(slice_)
            part.write(tail)
    return buffer.getvalue()


def make_docx_of_many_parts(parts: int) -> bytes:
    buffer = io.BytesIO(make_docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        for number in range(parts):
            package.writestr(f"customXml/extra{number}.xml", b"<x/>")
    return buffer.getvalue()


def make_pdf_of_pages(pages: int) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 6, f"Page {number + 1} of a resume that never ends.")
    return bytes(pdf.output())


def make_pdf_bomb(streams: int = 12, inflated_bytes: int = 70 * 1000 * 1000) -> bytes:
    """One page whose content is `streams` Flate streams of `inflated_bytes` spaces each: under 1 MB on
    disk, gigabytes for a reader that inflates them all (each stays under pypdf's own per-stream cap)."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    packed = b"".join(compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk)))
    packed += compressor.compress(b"BT /F1 12 Tf 72 720 Td (Resume) Tj ET") + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents [" + b" ".join(f"{5 + n} 0 R".encode() for n in range(streams)) + b"] >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"
    objects.extend([stream] * streams)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
