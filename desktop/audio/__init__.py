"""Microphone capture, playback and the WAV files answers are kept in."""
