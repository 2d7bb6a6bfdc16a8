from fastapi import APIRouter

from app.api.v1 import auth, recordings, resumes, sessions, users

API_V1_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_V1_PREFIX)
api_router.include_router(auth.router)
api_router.include_router(resumes.router)
api_router.include_router(sessions.router)
api_router.include_router(recordings.router)
api_router.include_router(users.router)
