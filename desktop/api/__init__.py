"""The typed HTTP client for the Ascend AI server's API v1."""
