"""Resumes: uploading one, reading its text safely, and finding a user's own."""
