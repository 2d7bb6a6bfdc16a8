"""Tests of the speech-to-text service and its model provisioning, on real generated speech."""
