"""Ascend AI's desktop client (PySide6): the candidate's whole practice loop, without a terminal."""
