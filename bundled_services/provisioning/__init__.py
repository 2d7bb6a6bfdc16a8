"""Fetching, converting and verifying the models the bundled services run on."""
