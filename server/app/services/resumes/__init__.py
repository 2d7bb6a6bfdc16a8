"""Resumes: uploading one and reading its text safely (finding a user's own is `services.ownership`)."""
