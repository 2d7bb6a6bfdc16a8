from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.api.current_user import CurrentUser
from app.api.deps import DbDep, StorageDep
from app.services.practice import history

router = APIRouter(prefix="/users", tags=["users"])


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_my_data(current_user: CurrentUser, db: DbDep, storage: StorageDep) -> Response:
    """Delete the signed-in user and everything they uploaded: resumes, sessions, answers, feedback."""
    await history.delete_all_user_data(db, storage, current_user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
