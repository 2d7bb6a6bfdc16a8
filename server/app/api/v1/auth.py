from __future__ import annotations

from fastapi import APIRouter

from app.api.current_user import CurrentUser
from app.schemas.error import ErrorResponse
from app.schemas.user import UserResponse

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/verify", responses={401: {"model": ErrorResponse}})
async def verify_token(current_user: CurrentUser) -> UserResponse:
    """Verify a JWT and return the user it belongs to."""
    return UserResponse.model_validate(current_user)
