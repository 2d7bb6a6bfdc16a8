"""The page the desktop opens in the browser when it lets the user pick a provider on the server."""

from __future__ import annotations

from html import escape

_LABELS = {"google": "Sign in with Google", "github": "Sign in with GitHub"}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Ascend AI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 24rem; margin: 15vh auto; text-align: center; }}
a {{ display: block; margin: 0.75rem 0; padding: 0.75rem; border: 1px solid #888; border-radius: 6px;
     color: inherit; text-decoration: none; }}
</style></head>
<body><h1>Sign in to Ascend AI</h1>{body}</body></html>
"""


def chooser_page(links: dict[str, str]) -> str:
    """`links` maps each configured provider to its start URL."""
    if not links:
        body = "<p>No sign-in provider is configured on this server. Ask its administrator for a token.</p>"
    else:
        body = "".join(
            f'<a href="{escape(url)}">{escape(_LABELS.get(name, name))}</a>' for name, url in links.items()
        )
    return _PAGE.format(body=body)
