"""A blocking, typed client for API v1: call it from worker threads, never from the UI thread."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.schemas.error import ErrorResponse, ValidationErrorResponse
from app.schemas.gap_analysis import GapAnalysisAccepted, GapAnalysisRequest, GapAnalysisStatus
from app.schemas.history import AnswerSummary, ResumeSummary, SessionSummary
from app.schemas.oauth import OAuthExchangeRequest, OAuthProvidersResponse, OAuthTokenResponse
from app.schemas.recording import RecordingDetail, RecordingSubmitResponse
from app.schemas.resume import ResumeDetail, ResumeUploadResponse
from app.schemas.session import SessionAcceptedResponse, SessionCreateRequest, SessionStatus
from app.schemas.user import UserResponse
from desktop.api.errors import ApiError
from desktop.api.progress_file import ProgressCallback, ProgressFile

Model = TypeVar("Model", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0, write=300.0)
_RESUMES = TypeAdapter(list[ResumeSummary])
_SESSIONS = TypeAdapter(list[SessionSummary])
_ANSWERS = TypeAdapter(list[AnswerSummary])


def _never_cancelled() -> bool:
    return False


def _ignore_progress(_sent: int, _total: int) -> None:
    return None


def error_from_response(response: httpx.Response) -> ApiError:
    try:
        body = ErrorResponse.model_validate_json(response.content)
        return ApiError(response.status_code, body.detail, body.error_code)
    except ValidationError:
        pass
    try:
        invalid = ValidationErrorResponse.model_validate_json(response.content)
        messages = "; ".join(item.msg for item in invalid.detail)
        return ApiError(response.status_code, messages, "VALIDATION_ERROR")
    except ValidationError:
        return ApiError(response.status_code, response.reason_phrase or "Unexpected response", None)


class ApiClient:
    def __init__(
        self, base_url: str, token: str | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=DEFAULT_TIMEOUT, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def _send(self, request: httpx.Request) -> httpx.Response:
        response = self._http.send(request)
        if response.is_error:
            raise error_from_response(response)
        return response

    def _get(self, path: str, model: type[Model]) -> Model:
        return model.model_validate_json(self._send(self._http.build_request("GET", path)).content)

    def _post_json(self, path: str, body: BaseModel, model: type[Model]) -> Model:
        request = self._http.build_request("POST", path, json=body.model_dump(mode="json"))
        return model.model_validate_json(self._send(request).content)

    def _post_file(
        self,
        path: str,
        field: str,
        file: Path,
        data: dict[str, str],
        model: type[Model],
        on_progress: ProgressCallback,
        is_cancelled: Callable[[], bool],
    ) -> Model:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        with ProgressFile(file, on_progress, is_cancelled) as handle:
            request = self._http.build_request(
                "POST", path, files={field: (file.name, handle, content_type)}, data=data
            )
            return model.model_validate_json(self._send(request).content)

    # ------------------------------------------------------------------ endpoints

    def oauth_providers(self) -> OAuthProvidersResponse:
        """The providers a user can sign in with through the browser (no token needed)."""
        return self._get("/auth/oauth/providers", OAuthProvidersResponse)

    def exchange_oauth_code(self, code: str, code_verifier: str) -> OAuthTokenResponse:
        """Trade the browser sign-in's one-time code, with the PKCE verifier, for a JWT (no token needed)."""
        body = OAuthExchangeRequest(code=code, code_verifier=code_verifier)
        return self._post_json("/auth/oauth/exchange", body, OAuthTokenResponse)

    def verify(self) -> UserResponse:
        return UserResponse.model_validate_json(
            self._send(self._http.build_request("POST", "/auth/verify")).content
        )

    def upload_resume(
        self,
        file: Path,
        on_progress: ProgressCallback = _ignore_progress,
        is_cancelled: Callable[[], bool] = _never_cancelled,
    ) -> ResumeUploadResponse:
        return self._post_file("/resumes", "file", file, {}, ResumeUploadResponse, on_progress, is_cancelled)

    def resume(self, resume_id: UUID) -> ResumeDetail:
        return self._get(f"/resumes/{resume_id}", ResumeDetail)

    def resumes(self) -> list[ResumeSummary]:
        return _RESUMES.validate_json(self._send(self._http.build_request("GET", "/resumes")).content)

    def create_session(self, resume_id: UUID, job_description: str) -> SessionAcceptedResponse:
        body = SessionCreateRequest(resume_id=resume_id, job_description=job_description)
        return self._post_json("/sessions", body, SessionAcceptedResponse)

    def session(self, session_id: UUID) -> SessionStatus:
        return self._get(f"/sessions/{session_id}", SessionStatus)

    def sessions(self) -> list[SessionSummary]:
        return _SESSIONS.validate_json(self._send(self._http.build_request("GET", "/sessions")).content)

    def submit_recording(
        self,
        session_id: UUID,
        question: str,
        audio: Path,
        on_progress: ProgressCallback = _ignore_progress,
        is_cancelled: Callable[[], bool] = _never_cancelled,
    ) -> RecordingSubmitResponse:
        return self._post_file(
            f"/sessions/{session_id}/recordings",
            "audio",
            audio,
            {"question": question},
            RecordingSubmitResponse,
            on_progress,
            is_cancelled,
        )

    def recording(self, recording_id: UUID) -> RecordingDetail:
        return self._get(f"/recordings/{recording_id}", RecordingDetail)

    def recordings(self) -> list[AnswerSummary]:
        return _ANSWERS.validate_json(self._send(self._http.build_request("GET", "/recordings")).content)

    def start_gap_analysis(self, resume_id: UUID, job_description: str) -> GapAnalysisAccepted:
        body = GapAnalysisRequest(resume_id=resume_id, job_description=job_description)
        return self._post_json("/gap-analysis", body, GapAnalysisAccepted)

    def gap_analysis(self, analysis_id: UUID) -> GapAnalysisStatus:
        return self._get(f"/gap-analysis/{analysis_id}", GapAnalysisStatus)

    def delete_my_data(self) -> None:
        self._send(self._http.build_request("DELETE", "/users/me"))
