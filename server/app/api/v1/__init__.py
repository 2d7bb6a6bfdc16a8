from fastapi import APIRouter, Depends

from app.api.active_user import reject_disabled_users
from app.api.v1 import auth, gap_analysis, oauth, recordings, resumes, sessions, users

API_V1_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_V1_PREFIX, dependencies=[Depends(reject_disabled_users)])
api_router.include_router(auth.router)
api_router.include_router(oauth.router)
api_router.include_router(resumes.router)
api_router.include_router(sessions.router)
api_router.include_router(recordings.router)
api_router.include_router(users.router)
api_router.include_router(gap_analysis.router)
