from __future__ import annotations

import logging
import uuid
from collections.abc import MutableMapping
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.api.app import create_app
from app.db.models import Resume
from app.services.resources import Resources
from app.services.storage import ObjectStorage
from tests.conftest import Account
from tests.files import RESUME_TEXT, make_blank_pdf, make_docx, make_pdf

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def upload(
    api: httpx.AsyncClient, account: Account, name: str, content: bytes, kind: str
) -> httpx.Response:
    return await api.post("/api/v1/resumes", headers=account.headers, files={"file": (name, content, kind)})


async def resume_rows(db: AsyncSession, account: Account) -> int:
    count = await db.scalar(select(func.count()).select_from(Resume).where(Resume.user_id == account.user.id))
    return int(count or 0)


def stored_keys(storage: ObjectStorage, account: Account) -> list[str]:
    client = storage._client
    return [
        item.object_name
        for item in client.list_objects(storage.bucket, prefix=f"resumes/{account.user.id}/", recursive=True)
    ]


async def test_pdf_upload_extracts_text_and_stores_the_object(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession, storage: ObjectStorage
) -> None:
    response = await upload(api, alice, "Jordan Rivera CV.pdf", make_pdf(), "application/pdf")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"resume_id", "filename", "created_at"}
    assert body["filename"] == "Jordan Rivera CV.pdf"

    detail = await api.get(f"/api/v1/resumes/{body['resume_id']}", headers=alice.headers)
    assert detail.status_code == 200
    resume = detail.json()
    assert set(resume) == {"id", "user_id", "original_filename", "parsed_text", "created_at"}
    assert resume["user_id"] == str(alice.user.id)
    # PDF text comes back with the page's line wrapping.
    assert "cutting p99 latency from 900 ms to 180 ms" in " ".join(resume["parsed_text"].split())

    row = await db.get(Resume, uuid.UUID(body["resume_id"]))
    assert row is not None
    # Our key, never the user's filename.
    assert row.storage_path.startswith(f"resumes/{alice.user.id}/")
    assert "Jordan" not in row.storage_path
    assert row.storage_path.endswith(".pdf")
    assert await storage.exists(row.storage_path)


async def test_docx_upload_extracts_paragraphs_and_tables(api: httpx.AsyncClient, alice: Account) -> None:
    response = await upload(api, alice, "resume.docx", make_docx(), DOCX_TYPE)
    assert response.status_code == 201, response.text
    detail = await api.get(f"/api/v1/resumes/{response.json()['resume_id']}", headers=alice.headers)
    parsed = detail.json()["parsed_text"]
    assert "Mentored four engineers" in parsed
    assert "AWS Solutions Architect" in parsed


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("resume.txt", RESUME_TEXT.encode(), "Unsupported resume type (.txt)"),
        ("resume", make_pdf(), "Unsupported resume type (no extension)"),
        ("resume.pdf", RESUME_TEXT.encode(), "not a PDF document"),
        ("resume.pdf", make_docx(), "not a PDF document"),
        ("resume.docx", make_pdf(), "not a Word document"),
        ("resume.docx", b"PK\x03\x04 this is no zip", "not a Word document"),
        ("resume.pdf", b"%PDF-1.7\n garbage that is not a pdf body", "could not be read"),
        ("resume.pdf", make_blank_pdf(), "No text could be extracted"),
        ("resume.pdf", b"", "is empty"),
    ],
)
async def test_bad_files_are_a_400_and_leave_nothing_behind(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    name: str,
    content: bytes,
    message: str,
) -> None:
    response = await upload(api, alice, name, content, "application/octet-stream")
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "INVALID_INPUT"
    assert message in body["detail"]
    assert await resume_rows(db, alice) == 0
    assert stored_keys(storage, alice) == []


async def test_a_6_mb_file_is_a_413_and_leaves_nothing_behind(
    api: httpx.AsyncClient, alice: Account, db: AsyncSession, storage: ObjectStorage
) -> None:
    six_mb = b"%PDF-1.7\n" + b"0" * (6 * 1024 * 1024)
    response = await upload(api, alice, "big.pdf", six_mb, "application/pdf")
    assert response.status_code == 413
    assert response.json() == {"detail": "File exceeds size limit", "error_code": "FILE_TOO_LARGE"}
    assert await resume_rows(db, alice) == 0
    assert stored_keys(storage, alice) == []


async def test_a_chunked_upload_without_length_is_cut_off_at_the_limit(
    api: httpx.AsyncClient, alice: Account
) -> None:
    boundary = "ascendboundary"
    received: list[int] = []

    async def body() -> object:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
        ).encode()
        yield head
        chunk = b"0" * (256 * 1024)
        for _ in range(40):  # 10 MB offered; the server must stop reading long before the end
            received.append(len(chunk))
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await api.post(
        "/api/v1/resumes",
        headers={**alice.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body(),  # type: ignore[arg-type]
    )
    assert response.status_code == 413
    assert response.json()["error_code"] == "FILE_TOO_LARGE"
    # Refused at the limit (5 MB = 20 chunks of 256 KiB), not after all 10 MB arrived.
    assert sum(received) <= 6 * 1024 * 1024


async def test_missing_file_field_is_a_422_in_the_spec_shape(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.post(
        "/api/v1/resumes", headers=alice.headers, files={"other": ("a.pdf", make_pdf())}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"loc": ["body", "file"], "msg": "Field required", "type": "missing"}]
    }


async def test_json_body_instead_of_multipart_is_a_422(api: httpx.AsyncClient, alice: Account) -> None:
    response = await api.post("/api/v1/resumes", headers=alice.headers, json={"file": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


async def test_unknown_and_malformed_resume_ids(api: httpx.AsyncClient, alice: Account) -> None:
    # Another user's id is in test_ownership.py.
    unknown = await api.get(f"/api/v1/resumes/{uuid.uuid4()}", headers=alice.headers)
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "NOT_FOUND"
    malformed = await api.get("/api/v1/resumes/not-a-uuid", headers=alice.headers)
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["path", "resume_id"]


async def test_a_failed_commit_removes_the_stored_object(
    api: httpx.AsyncClient,
    alice: Account,
    db: AsyncSession,
    connection: AsyncConnection,
    storage: ObjectStorage,
) -> None:
    # A real database failure at commit time: a trigger that refuses the insert (rolled back with the test).
    await connection.execute(
        text(
            "CREATE FUNCTION refuse_resume() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
        )
    )
    await connection.execute(
        text(
            "CREATE TRIGGER refuse_resume BEFORE INSERT ON resumes "
            "FOR EACH ROW EXECUTE FUNCTION refuse_resume()"
        )
    )
    response = await upload(api, alice, "resume.pdf", make_pdf(), "application/pdf")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error", "error_code": "INTERNAL_ERROR"}
    assert "disk full" not in response.text
    assert await resume_rows(db, alice) == 0
    assert stored_keys(storage, alice) == []


async def test_a_client_gone_mid_upload_is_no_server_error_and_stores_nothing(
    resources: Resources,
    session_factory: async_sessionmaker[AsyncSession],
    alice: Account,
    db: AsyncSession,
    storage: ObjectStorage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(resources.settings)
    app.state.resources = replace(resources, session_factory=session_factory)
    boundary = "cut-short"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cv.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + make_pdf()[:200]
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": head, "more_body": True},
        # The desktop cancelled the upload: the connection closes before the body ends.
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/resumes",
        "raw_path": b"/api/v1/resumes",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", alice.headers["Authorization"].encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        ],
        "client": ("127.0.0.1", 123),
        "server": ("testserver", 80),
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [400]
    assert "unhandled error" not in caplog.text
    assert "client disconnected during POST /api/v1/resumes" in caplog.text
    assert await resume_rows(db, alice) == 0
    assert stored_keys(storage, alice) == []
