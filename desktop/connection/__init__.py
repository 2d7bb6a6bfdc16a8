"""Reaching a server: the embedded stack on this computer, or a team's shared server."""
