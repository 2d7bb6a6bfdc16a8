"""Answers kept on this computer until the server has them."""
