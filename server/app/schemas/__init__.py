"""Request and response schemas of API v1 (the spec's PYDANTIC_SCHEMAS_SPECIFICATION).

This package imports nothing else of the server, so the desktop client can share it.
"""
