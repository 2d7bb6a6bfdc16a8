"""Screens and widgets: they render state and forward what the candidate does, nothing more."""
