"""A stand-in for the system browser: follows redirects between the in-process API and real servers."""

from __future__ import annotations

import httpx

API_ORIGIN = "http://testserver"


async def browse(
    url: str, api: httpx.AsyncClient, web: httpx.AsyncClient, *, max_hops: int = 10
) -> httpx.Response:
    """GET `url` and follow every redirect, as a browser would, until a page answers."""
    for _ in range(max_hops):
        client = api if url.startswith(API_ORIGIN) else web
        response = await client.get(url)
        if response.status_code not in (301, 302, 303, 307, 308):
            return response
        url = response.headers["location"]
    raise AssertionError(f"more than {max_hops} redirects")
